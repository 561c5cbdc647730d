"""What a training mode gets from the engine, and how the engine runs one.

A mode is an object with ``name``, ``title``, ``options_type`` (a dataclass whose fields, all
defaulted, are the mode's ``mode_options``) and ``run(model, dataset, settings, session)``
(optionally ``checks_targets``: whether the CLI's and the panel's "does the data fit the
model" check applies; default True). ``run`` trains ``model`` in place and returns a one-line
summary, or raises ``TrainingError`` with a message a user can act on. It reports through the
:class:`ModeSession`, which speaks the engine's listener protocol, so the app's plots,
progress bar, pause/stop and run records work for every mode as they do for ``fit``:

* ``session.plan(epochs)`` once, with the whole run's epoch count (for progress and ETAs);
* per epoch: ``start_epoch(batches)``, ``step(batch, logs)`` after each batch (blocks while
  paused; False once the user pressed stop), ``end_epoch(metrics, samples)``;
* ``session.fit(model, dataset, settings)`` for a supervised phase (fine-tuning), numbered
  after the epochs already done.

Non-gradient modes (competitive learning, contrastive divergence, Q-learning's own loop) run
their own epoch loop this way.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.training.progress import BatchProgress, FitOutcome, describe_error
from studio.training.runs import RunRecord, RunStore
from studio.training.settings import TrainingError, TrainingSettings

if TYPE_CHECKING:
    from studio.training.engine import TrainingEngine, TrainingResult

log = logging.getLogger(__name__)
T = TypeVar("T")


class TrainingMode(Protocol):
    name: str
    title: str
    options_type: type  # a dataclass of the options, all with defaults

    def run(
        self, model: keras.Model, dataset: Dataset, settings: TrainingSettings, session: ModeSession
    ) -> str: ...


def read_options(cls: type[T], settings: TrainingSettings) -> T:
    """``settings.mode_options`` as the mode's options dataclass ``cls``; an unknown key or a
    value of the wrong kind is a TrainingError naming it (defaults fill what is missing)."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(settings.mode_options) - set(fields))
    if unknown:
        raise TrainingError(
            f"Unknown option {unknown[0]!r} for training mode {settings.mode!r}; "
            f"known: {', '.join(fields)}"
        )
    values: dict[str, Any] = {}
    defaults = cls()
    for name, value in settings.mode_options.items():
        default = getattr(defaults, name)
        try:
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
            elif isinstance(default, int):
                if isinstance(value, bool) or float(value) != int(value):
                    raise TypeError
                value = int(value)
            elif isinstance(default, float):
                if isinstance(value, bool):
                    raise TypeError
                value = float(value)
            elif isinstance(default, str):
                value = str(value)
        except (TypeError, ValueError):
            raise TrainingError(
                f"Option {name!r} of training mode {settings.mode!r} must be a "
                f"{type(default).__name__}; received {name}={value!r}"
            ) from None
        values[name] = value
    options = dataclasses.replace(defaults, **values)
    check = getattr(options, "validate", None)
    if check is not None:
        check()
    return options


def positive(name: str, value: float, mode: str) -> None:
    """Refuse a non-positive option value, naming it (for the modes' ``validate``)."""
    if not value > 0:
        raise TrainingError(
            f"Option {name!r} of training mode {mode!r} must be greater than 0; "
            f"received {name}={value!r}"
        )


class ModeSession:
    """One mode run's link to the engine: progress, epochs, pause/stop and the run record."""

    def __init__(self, engine: TrainingEngine, record: RunRecord, settings: TrainingSettings):
        self.engine = engine
        self.record = record
        self.settings = settings
        self.epochs = settings.epochs
        self.epoch = 0
        self.best_weights: list[np.ndarray] | None = None
        self._batches = 1
        self._batch = 0
        self._started = time.perf_counter()
        self._paused = 0.0
        self._epoch_started = self._started
        self._epoch_paused = 0.0
        self._epoch_seconds: list[float] = []
        self._last_progress = -math.inf

    # -- control -------------------------------------------------------------------------
    @property
    def stop_requested(self) -> bool:
        return self.engine._stop_requested.is_set()

    def plan(self, epochs: int) -> None:
        """How many epochs the whole run reports (pretraining and fine-tuning together)."""
        self.epochs = max(1, int(epochs))

    # -- the epoch loop ------------------------------------------------------------------
    def start_epoch(self, batches: int) -> int:
        """Begin the next epoch of ``batches`` steps; returns its number (from 1)."""
        self.epoch += 1
        self._batches = max(1, int(batches))
        self._batch = 0
        self._epoch_started = time.perf_counter()
        self._epoch_paused = 0.0
        self.engine.listener.on_epoch_start(self.epoch)
        return self.epoch

    def step(self, batch: int, logs: dict[str, float] | None = None) -> bool:
        """``batch`` steps of this epoch are done; False once the user asked to stop.

        Waits here while paused. ``logs`` (plain floats) are recorded as a batch sample and
        reach the listener's ``on_batch``, throttled like the engine's own.
        """
        self._batch = batch
        engine = self.engine
        if not engine._not_paused.is_set():
            waited_from = time.perf_counter()
            engine.listener.on_batch(self._progress(waited_from, paused=True), None)
            engine._not_paused.wait()
            waited = time.perf_counter() - waited_from
            self._paused += waited
            self._epoch_paused += waited
        now = time.perf_counter()
        if logs is not None or now - self._last_progress >= engine.progress_interval:
            self._last_progress = now
            if logs is not None:
                self.record.batches.append(
                    {
                        "epoch": self.epoch,
                        "batch": batch,
                        "step": (self.epoch - 1) + batch / self._batches,
                        "time": now - self._started - self._paused,
                        **logs,
                    }
                )
            engine.listener.on_batch(self._progress(now), logs)
        return not self.stop_requested

    def end_epoch(self, metrics: dict[str, float], samples: int = 0) -> None:
        """Record the epoch's metrics (plain floats) and tell the listener."""
        seconds = max(0.0, time.perf_counter() - self._epoch_started - self._epoch_paused)
        self._epoch_seconds.append(seconds)
        metrics = {k: float(v) for k, v in metrics.items()}
        for key, value in metrics.items():
            if not math.isfinite(value):
                raise TrainingError(
                    f"{key} became {'NaN' if math.isnan(value) else 'infinite'} in epoch "
                    f"{self.epoch}; try a lower learning rate or check the data for NaN/inf "
                    "values."
                )
        self.record.epochs.append(
            {"epoch": self.epoch, **metrics, "seconds": seconds, "val_seconds": 0.0,
             "samples": int(samples)}
        )  # fmt: skip
        self.engine.listener.on_epoch_end(self.epoch, metrics, seconds, 0.0, int(samples))

    def fit(self, model: keras.Model, dataset: Dataset, settings: TrainingSettings) -> FitOutcome:
        """A supervised phase through the engine's own ``fit`` path, after this session's
        epochs; raises TrainingError when it fails."""
        outcome = self.engine.fit(
            model, dataset, settings, self.record, initial_epoch=self.epoch,
            total_epochs=self.epochs,
        )  # fmt: skip
        self.epoch = max(self.epoch, outcome.last_epoch)
        if outcome.failure is not None:
            raise TrainingError(outcome.failure)
        self.best_weights = outcome.best_weights
        return outcome

    def _progress(self, now: float, paused: bool = False) -> BatchProgress:
        elapsed = now - self._started - self._paused
        in_epoch = max(0.0, now - self._epoch_started - self._epoch_paused)
        epoch_eta = overall_eta = None
        if self._batch:
            epoch_eta = in_epoch / self._batch * max(self._batches - self._batch, 0)
            per_epoch = (
                sum(self._epoch_seconds) / len(self._epoch_seconds)
                if self._epoch_seconds
                else in_epoch / self._batch * self._batches
            )
            overall_eta = epoch_eta + per_epoch * max(self.epochs - self.epoch, 0)
        return BatchProgress(
            epoch=max(self.epoch, 1),
            epochs=self.epochs,
            batch=self._batch,
            batches=self._batches,
            samples=0,
            elapsed=elapsed,
            epoch_eta=epoch_eta,
            overall_eta=overall_eta,
            paused=paused,
        )


def layer_inputs(model: keras.Model, layer: keras.layers.Layer, x: Any, batch_size: int = 256):
    """What ``layer`` receives when the model sees ``x`` (the data itself when the layer sits
    right after an input), as one numpy array."""
    source = layer.input
    for index, tensor in enumerate(model.inputs):
        if source is tensor:
            data = x[index] if isinstance(x, list) else x
            return np.asarray(data, dtype="float32")
    head = keras.Model(model.inputs, source)
    return np.asarray(head.predict(x, batch_size=batch_size, verbose=0), dtype="float32")


def training_part(dataset: Dataset, settings: TrainingSettings) -> Any:
    """The inputs ``fit`` trains on: without a validation set, Keras's ``validation_split``
    holds back the last rows."""
    x = dataset.x_train
    if dataset.x_val is not None or settings.validation_split <= 0:
        return x
    n = len(x[0] if isinstance(x, list) else x)
    keep = int(math.ceil(n * (1.0 - settings.validation_split)))
    return [a[:keep] for a in x] if isinstance(x, list) else x[:keep]


def layers_of(model: keras.Model, cls: type) -> list[keras.layers.Layer]:
    """Every layer of type ``cls``, in the model's (topological) order."""
    return [layer for layer in model.layers if isinstance(layer, cls)]


def required_layers(
    model: keras.Model, cls: type, mode: str, alternative: str = ""
) -> list[keras.layers.Layer]:
    """``layers_of``, refused with one sentence when the mode has nothing to train: a mode
    chosen for a model without its layer is a user's slip, not an internal error."""
    layers = layers_of(model, cls)
    if not layers:
        raise TrainingError(
            f"Training mode '{mode}' found no {cls.__name__} layer in the model; add one from "
            f"the palette (Classic networks){alternative}."
        )
    return layers


def mode_defaults(mode_name: str) -> dict[str, Any]:
    """A mode's options with their defaults (its ``options_type`` dataclass), for forms."""
    from studio.training.modes import get_mode

    options_type = getattr(get_mode(mode_name), "options_type", None)
    return dataclasses.asdict(options_type()) if options_type is not None else {}


def checks_targets(mode_name: str) -> bool:
    """Whether the "does the data fit the model" check applies to a run in this mode."""
    from studio.training.modes import get_mode

    mode = get_mode(mode_name)
    return mode is None or bool(getattr(mode, "checks_targets", True))


def run_mode(
    engine: TrainingEngine,
    mode: TrainingMode,
    model: keras.Model,
    dataset: Dataset,
    settings: TrainingSettings,
    record: RunRecord,
    run_store: RunStore | None,
) -> TrainingResult:
    """The engine's ``run`` for a non-supervised mode: same record, listener and results."""
    session = ModeSession(engine, record, settings)
    try:
        settings.validate()
    except TrainingError as exc:
        return engine._finish(record, "failed", str(exc), model, run_store, None)
    initial_weights = model.get_weights()
    if settings.seed is not None:
        keras.utils.set_random_seed(settings.seed)
    engine.listener.on_run_start(record)
    failure: str | None = None
    summary = ""
    try:
        summary = mode.run(model, dataset, settings, session) or ""
    except TrainingError as exc:
        failure = str(exc)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a result, never a raise
        log.debug("training mode %s failed", mode.name, exc_info=True)
        failure = describe_error(exc)
    if failure is not None:
        try:
            model.set_weights(initial_weights)
        except Exception:  # noqa: BLE001 - the failure message matters more
            log.debug("could not restore weights", exc_info=True)
        return engine._finish(record, "failed", failure, model, run_store, None)
    stopped = session.stop_requested
    message = (
        f"Stopped by the user after epoch {session.epoch}."
        if stopped
        else f"Completed {len(record.epochs)} epochs ({mode.title})."
    )
    if summary:
        message = f"{message} {summary}"
    return engine._finish(
        record, "stopped" if stopped else "completed", message, model, run_store,
        session.best_weights,
    )  # fmt: skip
