"""Runs ``model.fit`` and reports progress without slowing it down.

Reading a metric turns a device tensor into a Python float, which waits for the accelerator to
finish its queued work. Keras's own ``CallbackList`` does that for every batch as soon as any
callback listens to batch ends, so the engine hands ``fit`` its own callback list: batch ends go
straight to the reporter with the raw logs, which only counts batches and checks the clock; the
logs are read at most every ``sample_interval`` seconds. Other callbacks still get per-batch logs
when (and only when) one of them asks for them.

The engine never raises: ``run`` returns a ``TrainingResult`` and tells the listener through
``on_error``. ``pause``, ``resume`` and ``stop`` may be called from any thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.training.device import describe_device
from studio.training.progress import BatchProgress, FitOutcome, describe_error
from studio.training.runs import RunRecord, RunStore, new_run_id
from studio.training.settings import (
    TrainingError,
    TrainingSettings,
    build_callbacks,
    compile_model,
)

log = logging.getLogger(__name__)

ResultStatus = Literal["completed", "stopped", "failed"]
EPOCH_TIMING_KEYS = ("epoch", "seconds", "val_seconds", "samples")


def _ignore(*_args: Any) -> None:
    return None


@dataclass
class TrainingListener:
    """What the engine tells the outside world; every hook defaults to doing nothing.

    Hooks run on the training thread: a UI must hand them to its own thread (see
    ``widgets.training.trainer_thread``). ``on_batch`` gets ``logs=None`` between metric samples.
    """

    on_run_start: Callable[[RunRecord], None] = _ignore
    on_epoch_start: Callable[[int], None] = _ignore
    on_batch: Callable[[BatchProgress, dict[str, float] | None], None] = _ignore
    on_epoch_end: Callable[[int, dict[str, float], float, float, int], None] = _ignore
    on_run_end: Callable[[RunRecord], None] = _ignore
    on_error: Callable[[str], None] = _ignore
    # A training mode's new sample grid (epoch, uint8 image grid); see studio.training.samples.
    on_samples: Callable[[int, np.ndarray], None] = _ignore


@dataclass(frozen=True)
class TrainingResult:
    """How a run ended; ``save_error`` says in one sentence why its files could not be kept."""

    status: ResultStatus
    message: str
    record: RunRecord
    save_error: str | None = None
    # The final weights by node id, when the run trained a model built from the design in
    # another process and left the app's model as it was (``studio.interop.child_training``).
    node_weights: dict[str, list[Any]] | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def logs_to_floats(logs: dict[str, Any] | None) -> dict[str, float]:
    """Materialize metric tensors as floats (this waits for the device; call it rarely)."""
    result: dict[str, float] = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            result.update(logs_to_floats(value))
            continue
        try:
            result[key] = float(keras.ops.convert_to_numpy(value))
        except (TypeError, ValueError):
            continue
    return result


def _first(array: np.ndarray | list[np.ndarray]) -> np.ndarray:
    return array[0] if isinstance(array, list) else array


def _fit_arguments(dataset: Dataset, settings: TrainingSettings) -> dict[str, Any]:
    from studio.training.distributed import process_shard

    # Across several JAX processes each feeds only its rows; elsewhere this changes nothing.
    (x, y), batch_size = process_shard((dataset.x_train, dataset.y_train), settings.batch_size)
    kwargs: dict[str, Any] = {
        "x": x,
        "y": y,
        "batch_size": batch_size,
        "epochs": settings.epochs,
        "shuffle": settings.shuffle,
        "verbose": 0,
    }
    if dataset.x_val is not None and dataset.y_val is not None:
        kwargs["validation_data"], _ = process_shard((dataset.x_val, dataset.y_val), batch_size)
    elif settings.validation_split > 0:
        kwargs["validation_split"] = settings.validation_split
    return kwargs


def _training_samples(dataset: Dataset, settings: TrainingSettings) -> int:
    """Samples ``fit`` trains on per epoch, splitting the way Keras does."""
    n = int(_first(dataset.x_train).shape[0])
    if dataset.x_val is None and settings.validation_split > 0:
        return int(math.ceil(n * (1.0 - settings.validation_split)))
    return n


def compile_as_trained(model: keras.Model, settings: TrainingSettings) -> None:
    """A supervised run's loss and metrics on ``model`` (a model holding the run's weights),
    so that Evaluation reports them; the other modes compile their own models."""
    from studio.training.modes import SUPERVISED

    if settings.mode == SUPERVISED:
        compile_model(model, settings)


def _prepare_mode(model: keras.Model, dataset: Dataset, settings: TrainingSettings):
    """The mode's ``ModeRun`` for a non-supervised ``settings.mode``; None for plain ``fit``."""
    from studio.training.modes import SUPERVISED, get_mode, mode_names

    if settings.mode == SUPERVISED:
        return None
    mode = get_mode(settings.mode)
    if mode is None:
        raise TrainingError(
            f"Unknown training mode {settings.mode!r}; expected one of {mode_names()}"
        )
    return mode.prepare(model, dataset, settings)


def _is_loss(key: str) -> bool:
    return key == "loss" or key.endswith("_loss")


def _is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _label(value: float) -> str:
    return "NaN" if math.isnan(value) else "infinite"


def _listens_to(callback: keras.callbacks.Callback, hook: str) -> bool:
    # Keras marks the base class's empty hooks with ``_is_default``; when that marker is
    # missing we assume the callback listens, which is slower but always correct.
    return not getattr(getattr(callback, hook), "_is_default", False)


class _ReportingCallbackList(keras.callbacks.CallbackList):
    """Sends raw batch logs to the reporter and to other callbacks only if they listen."""

    def __init__(
        self,
        reporter: _Reporter,
        callbacks: list[keras.callbacks.Callback],
        model: keras.Model,
        **params: Any,
    ) -> None:
        super().__init__(
            [*callbacks, reporter], add_history=True, add_progbar=False, model=model, **params
        )
        self._reporter = reporter
        self._forward_train = any(
            _listens_to(c, "on_train_batch_end") or _listens_to(c, "on_batch_end")
            for c in callbacks
        )
        self._forward_test = any(_listens_to(c, "on_test_batch_end") for c in callbacks)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._reporter.batch_end(batch, logs)
        if self._forward_train:
            super().on_train_batch_end(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._forward_test:
            super().on_test_batch_end(batch, logs)


@dataclass
class _EpochClock:
    started: float = 0.0
    paused: float = 0.0
    val_started: float | None = None
    val_seconds: float = 0.0
    batches_done: int = 0


class _Reporter(keras.callbacks.Callback):
    """Times epochs, samples logs at a bounded rate, honours pause/stop, tracks best weights."""

    def __init__(
        self,
        engine: TrainingEngine,
        record: RunRecord,
        epochs: int,
        batches: int,
        samples: int,
        batch_size: int,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.record = record
        self.epochs = epochs
        self.batches = batches
        self.samples = samples
        self.batch_size = batch_size
        self.clock = _EpochClock()
        self.epoch = 0
        self.run_started = time.perf_counter()
        self.run_paused = 0.0
        self.last_progress = -math.inf
        self.last_sample = -math.inf
        self.epoch_totals: list[float] = []
        self.failure: str | None = None
        self.best_value = math.inf
        self.best_weights: list[np.ndarray] | None = None
        # A training mode fits a trainer around the project's model: best weights are read
        # from ``weights_source`` and ranked by ``monitor`` (None: keep the last weights).
        self.weights_source: keras.Model | None = None
        self.monitor: str | None = "auto"

    # -- batches: the hot path -------------------------------------------------------------
    def batch_end(self, batch: int, raw_logs: dict[str, Any] | None) -> None:
        self.clock.batches_done = batch + 1
        engine = self.engine
        if engine._stop_requested.is_set():
            self.model.stop_training = True
        if not engine._not_paused.is_set():
            self._wait_while_paused()
        now = time.perf_counter()
        if now - self.last_progress < engine.progress_interval:
            return
        self.last_progress = now
        logs = None
        if now - self.last_sample >= engine.sample_interval:
            self.last_sample = now
            logs = logs_to_floats(raw_logs)
            self._record_sample(logs, now)
        engine.listener.on_batch(self._progress(now), logs)

    def _wait_while_paused(self) -> None:
        started = time.perf_counter()
        self.engine.listener.on_batch(self._progress(started, paused=True), None)
        self.engine._not_paused.wait()
        waited = time.perf_counter() - started
        self.clock.paused += waited
        self.run_paused += waited

    def _record_sample(self, logs: dict[str, float], now: float) -> None:
        row = {
            "epoch": self.epoch,
            "batch": self.clock.batches_done,
            "step": (self.epoch - 1) + self.clock.batches_done / max(self.batches, 1),
            "time": now - self.run_started - self.run_paused,
            **logs,
        }
        self.record.batches.append(row)
        for key in [k for k in logs if _is_loss(k) and not _is_finite(logs[k])][:1]:
            what = "Loss" if key == "loss" else key
            self._fail(
                f"{what} became {_label(logs[key])} at epoch {self.epoch}, batch "
                f"{self.clock.batches_done}; try a lower learning rate or check the data "
                "for NaN/inf values."
            )

    def _fail(self, message: str) -> None:
        if self.failure is None:
            self.failure = message
        self.model.stop_training = True

    def _progress(self, now: float, paused: bool = False) -> BatchProgress:
        clock = self.clock
        done = clock.batches_done
        trained = max(
            0.0,
            now
            - clock.started
            - clock.paused
            - (clock.val_seconds if clock.val_started is None else 0.0),
        )
        expected_val = (
            sum(r["val_seconds"] for r in self.record.epochs) / len(self.record.epochs)
            if self.record.epochs
            else 0.0
        )
        epoch_eta = overall_eta = None
        if done:
            epoch_eta = trained / done * max(self.batches - done, 0) + expected_val
            per_epoch = (
                sum(self.epoch_totals) / len(self.epoch_totals)
                if self.epoch_totals
                else trained / done * self.batches + expected_val
            )
            overall_eta = epoch_eta + per_epoch * (self.epochs - self.epoch)
        return BatchProgress(
            epoch=self.epoch,
            epochs=self.epochs,
            batch=done,
            batches=self.batches,
            samples=min(done * self.batch_size, self.samples),
            elapsed=now - self.run_started - self.run_paused,
            epoch_eta=epoch_eta,
            overall_eta=overall_eta,
            paused=paused,
        )

    # -- epochs --------------------------------------------------------------------------
    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch + 1
        self.clock = _EpochClock(started=time.perf_counter())
        self.engine.listener.on_epoch_start(self.epoch)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.clock.val_started = time.perf_counter()

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.clock.val_started is not None:
            self.clock.val_seconds += time.perf_counter() - self.clock.val_started

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        now = time.perf_counter()
        clock = self.clock
        train_end = clock.val_started if clock.val_started is not None else now
        seconds = max(0.0, train_end - clock.started - clock.paused)
        samples = min(clock.batches_done * self.batch_size, self.samples)
        metrics = logs_to_floats(logs)
        row = {
            "epoch": self.epoch,
            **metrics,
            "seconds": seconds,
            "val_seconds": clock.val_seconds,
            "samples": samples,
        }
        self.record.epochs.append(row)
        self.epoch_totals.append(seconds + clock.val_seconds)
        for key in [k for k in metrics if _is_loss(k)]:
            if not _is_finite(metrics[key]):
                self._fail(
                    f"{key} became {_label(metrics[key])} in epoch {self.epoch}; "
                    "try a lower learning rate or check the data "
                    "for NaN/inf values."
                )
        self._track_best(metrics)
        self.engine.listener.on_epoch_end(self.epoch, metrics, seconds, clock.val_seconds, samples)

    def _track_best(self, metrics: dict[str, float]) -> None:
        if self.monitor is None:
            self.record.monitor = ""
            return
        base = "loss" if self.monitor == "auto" else self.monitor
        monitor = f"val_{base}" if f"val_{base}" in metrics else base
        value = metrics.get(monitor)
        self.record.monitor = monitor
        if _is_finite(value) and value < self.best_value:
            self.best_value = value
            self.record.best_epoch = self.epoch
            self.best_weights = (self.weights_source or self.model).get_weights()


def _explained(message: str, callbacks: list[keras.callbacks.Callback]) -> str:
    """The failure message with what diagnosing callbacks found (before weights are reset)."""
    for callback in callbacks:
        explain = getattr(callback, "explain_failure", None)
        if explain is not None:
            extra = explain()
            if extra:
                message = f"{message} {extra}"
    return message


class TrainingEngine:
    """Trains one model at a time; create one per panel or CLI call and reuse it.

    ``sample_interval`` bounds how often metrics are read (the only device sync the engine
    adds); ``progress_interval`` bounds how often ``on_batch`` is called at all.
    """

    def __init__(
        self,
        listener: TrainingListener | None = None,
        *,
        sample_interval: float = 0.2,
        progress_interval: float = 0.05,
    ) -> None:
        self.listener = listener or TrainingListener()
        self.sample_interval = sample_interval
        self.progress_interval = progress_interval
        self._stop_requested = threading.Event()
        self._not_paused = threading.Event()
        self._not_paused.set()
        self._running = threading.Event()
        self._project_folder: Any = None
        # More Keras callbacks for every run (e.g. ``studio.training.health.HealthMonitor``);
        # one with ``explain_failure() -> str`` gets to add to a failed run's message.
        self.extra_callbacks: list[keras.callbacks.Callback] = []

    # -- control, from any thread ----------------------------------------------------------
    def pause(self) -> None:
        """Hold training at the end of the current batch until ``resume`` or ``stop``."""
        self._not_paused.clear()

    def resume(self) -> None:
        self._not_paused.set()

    def stop(self) -> None:
        """Finish the current batch, then end the run (status ``stopped``)."""
        self._stop_requested.set()
        self._not_paused.set()

    @property
    def is_paused(self) -> bool:
        return not self._not_paused.is_set()

    @property
    def is_running(self) -> bool:
        return self._running.is_set()

    # -- the run ---------------------------------------------------------------------------
    def run(
        self,
        model: keras.Model,
        dataset: Dataset,
        settings: TrainingSettings,
        *,
        run_store: RunStore | None = None,
        compile: bool = True,
        dataset_ref: dict[str, Any] | None = None,
        project_folder: Any = None,
    ) -> TrainingResult:
        """Train ``model`` on ``dataset``; on failure its weights are put back as they were.

        ``compile=False`` keeps an already compiled model's optimizer, loss and metrics.
        ``dataset_ref`` is stored in the run record as-is (how the project finds the data).
        ``project_folder`` is where callbacks' relative paths point, and the only place
        (besides places the user picked) they may write to.
        """
        from studio.compile.compiler import forget_design

        forget_design(model)  # trained in place: its design's weights no longer describe it
        self._project_folder = project_folder
        self._stop_requested.clear()
        self._not_paused.set()
        self._running.set()
        record = RunRecord(
            id=new_run_id(),
            started=datetime.now().isoformat(timespec="seconds"),
            settings=settings.to_dict(),
            dataset=dataset_ref if dataset_ref is not None else {"name": dataset.name},
            backend=keras.backend.backend(),
            device=describe_device(),
        )
        try:
            return self._run(model, dataset, settings, record, run_store, compile)
        finally:
            self._running.clear()

    def _run(
        self,
        model: keras.Model,
        dataset: Dataset,
        settings: TrainingSettings,
        record: RunRecord,
        run_store: RunStore | None,
        compile: bool,
    ) -> TrainingResult:
        from studio.training.modes import SUPERVISED, get_mode, mode_names

        if settings.mode != SUPERVISED:
            mode = get_mode(settings.mode)
            if mode is None:
                message = (
                    f"Unknown training mode {settings.mode!r}; known: {', '.join(mode_names())}"
                )
                return self._finish(record, "failed", message, model, run_store, None)
            if hasattr(mode, "run"):  # a mode with its own loop (SOM, RBM, DQN, ...)
                from studio.training.modes.session import run_mode

                return run_mode(self, mode, model, dataset, settings, record, run_store)
        plan = None
        try:
            settings.validate()
            plan = _prepare_mode(model, dataset, settings)
            if plan is None and compile:
                compile_model(model, settings)
            elif plan is None and not model.compiled:
                raise TrainingError("The model is not compiled; run with compile=True.")
            callbacks = [
                *build_callbacks(settings, self._project_folder),
                *self.extra_callbacks,
                *(plan.callbacks if plan else []),
            ]
            _check_checkpoint_space(callbacks, model)
            samples = _training_samples(dataset, settings)
            if samples < 1:
                raise TrainingError(
                    f"The dataset {dataset.name!r} has no training samples; choose or fix "
                    "the data before training"
                )
        except TrainingError as exc:
            return self._finish(record, "failed", str(exc), model, run_store, None)
        batches = max(1, math.ceil(samples / settings.batch_size))
        reporter = _Reporter(self, record, settings.epochs, batches, samples, settings.batch_size)
        fit_model, fit_kwargs = model, None
        if plan is not None:
            fit_model = plan.trainer
            fit_kwargs = plan.fit_arguments(settings.batch_size, settings.epochs, settings.shuffle)
            reporter.weights_source, reporter.monitor = model, plan.monitor
            if plan.samples is not None:
                plan.samples.listeners.append(self.listener.on_samples)
        callback_list = _ReportingCallbackList(
            reporter, callbacks, fit_model, verbose=0, epochs=settings.epochs, steps=batches
        )
        initial_weights = model.get_weights()
        if settings.seed is not None:
            keras.utils.set_random_seed(settings.seed)
        self.listener.on_run_start(record)
        try:
            fit_model.fit(
                **(fit_kwargs or _fit_arguments(dataset, settings)), callbacks=callback_list
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes a result, never a raise
            log.debug("_run: handled exception", exc_info=True)
            reporter.failure = describe_error(exc)
        if reporter.failure is not None:
            reporter.failure = _explained(reporter.failure, self.extra_callbacks)
            try:
                model.set_weights(initial_weights)
            except Exception:  # noqa: BLE001 - the failure message matters more
                log.debug("_run: handled exception", exc_info=True)
                pass
            return self._finish(
                record, "failed", reporter.failure, model, run_store, reporter.best_weights, plan
            )
        status: ResultStatus = "stopped" if self._stop_requested.is_set() else "completed"
        message = (
            f"Stopped by the user after epoch {reporter.epoch}."
            if status == "stopped"
            else f"Completed {len(record.epochs)} epochs."
        )
        return self._finish(record, status, message, model, run_store, reporter.best_weights, plan)

    def fit(
        self,
        model: keras.Model,
        dataset: Dataset,
        settings: TrainingSettings,
        record: RunRecord,
        *,
        callbacks: list[keras.callbacks.Callback] | None = None,
        initial_epoch: int = 0,
        total_epochs: int | None = None,
    ) -> FitOutcome:
        """One supervised ``fit`` of a compiled model, reported into ``record``; never raises.

        Training modes call it for their supervised phase (e.g. fine-tuning after
        pretraining): ``initial_epoch`` epochs are already done and the whole run has
        ``total_epochs``, so epoch numbers, progress and plots carry on from the mode's own.
        """
        if callbacks is None:
            try:
                callbacks = build_callbacks(settings, self._project_folder)
            except TrainingError as exc:
                return FitOutcome(str(exc), None, initial_epoch)
        samples = _training_samples(dataset, settings)
        batches = max(1, math.ceil(samples / settings.batch_size))
        epochs = total_epochs if total_epochs is not None else initial_epoch + settings.epochs
        reporter = _Reporter(self, record, epochs, batches, samples, settings.batch_size)
        callback_list = _ReportingCallbackList(
            reporter, callbacks, model, verbose=0, epochs=epochs, steps=batches
        )
        arguments = _fit_arguments(dataset, settings)
        arguments.update(initial_epoch=initial_epoch, epochs=initial_epoch + settings.epochs)
        try:
            model.fit(**arguments, callbacks=callback_list)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a result, never a raise
            log.debug("fit: handled exception", exc_info=True)
            reporter.failure = describe_error(exc)
        return FitOutcome(reporter.failure, reporter.best_weights, reporter.epoch)

    def _finish(
        self,
        record: RunRecord,
        status: ResultStatus,
        message: str,
        model: keras.Model,
        run_store: RunStore | None,
        best_weights: list[np.ndarray] | None,
        plan: Any = None,
    ) -> TrainingResult:
        record.status = status
        record.message = message
        record.finished = datetime.now().isoformat(timespec="seconds")
        if record.epochs:
            record.final_metrics = {
                k: v for k, v in record.epochs[-1].items() if k not in EPOCH_TIMING_KEYS
            }
        save_error = None
        if run_store is not None:
            try:
                if status == "failed":
                    run_store.save(
                        record,
                        model if best_weights is not None else None,
                        best_weights,
                        write_last=False,
                    )
                else:
                    if plan is not None:
                        self._write_mode_outputs(plan, record, run_store)
                    run_store.save(record, model, best_weights)
            except Exception as exc:  # noqa: BLE001 - a full disk must not lose the result
                log.debug("_finish: handled exception", exc_info=True)
                save_error = describe_save_error(exc, run_store.run_dir(record.id))
                record.message = f"{message} The run could not be saved: {save_error}"
                if status != "failed":
                    self.listener.on_error(record.message)
        if status == "failed":
            self.listener.on_error(message)
        self.listener.on_run_end(record)
        return TrainingResult(status, record.message, record, save_error)

    def _write_mode_outputs(self, plan: Any, record: RunRecord, run_store: RunStore) -> None:
        """A mode's sample grids and models usable alone, beside the run; a failure here is
        reported in the run's message and never loses the run itself."""
        folder = run_store.run_dir(record.id)
        try:
            record.outputs = [p.relative_to(folder).as_posix() for p in plan.write_outputs(folder)]
        except Exception as exc:  # noqa: BLE001 - the run's own files matter more
            log.debug("mode outputs not written", exc_info=True)
            record.message = f"{record.message} Samples or parts not written: {describe_error(exc)}"


def _check_checkpoint_space(callbacks: list[Any], model: keras.Model) -> None:
    """A checkpoint writes HDF5 during training; refuse to start when it cannot fit, since
    an HDF5 write that runs out of space has crashed the process instead of raising."""
    from pathlib import Path

    from studio.common.oserrors import describe_os_error
    from studio.training.runs import ensure_space, weights_bytes_estimate

    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.ModelCheckpoint):
            continue
        folder = Path(str(callback.filepath)).parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        try:
            ensure_space(folder, 2 * weights_bytes_estimate(model))
        except OSError as exc:
            raise TrainingError(
                describe_os_error(exc, "write checkpoints to", Path(str(callback.filepath)).parent)
            ) from None


def describe_save_error(exc: BaseException, where: Any) -> str:
    """A failed run save in one sentence: disk errors by what to do, others as they are."""
    from studio.common.oserrors import describe_os_error, is_disk_error

    if is_disk_error(exc):
        cause = exc
        while not isinstance(cause, OSError) and (cause.__cause__ or cause.__context__):
            cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
        return describe_os_error(cause, "write the run to", where)
    return describe_error(exc)


def samples_per_second(record: RunRecord) -> float:
    """Training throughput over all epochs, validation excluded."""
    seconds = sum(row.get("seconds", 0.0) for row in record.epochs)
    samples = sum(row.get("samples", 0) for row in record.epochs)
    return samples / seconds if seconds > 0 else 0.0


__all__ = [
    "BatchProgress",
    "FitOutcome",
    "TrainingEngine",
    "TrainingListener",
    "TrainingResult",
    "describe_error",
    "logs_to_floats",
    "samples_per_second",
]
