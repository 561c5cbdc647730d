"""Training in a separate Python process, behind the same surface as ``TrainingEngine``.

Tracing a big model's training step builds about a million Python objects (NASNetMobile: the
heap grew from 0.5 to 1.6 million tracked objects during the first step), and the cyclic
garbage collector walks all of them while it holds the interpreter lock: five full
collections during that step stopped the app's UI thread for up to 0.95 s each, and every
later full collection paid for the traced graph again. A second process has its own
interpreter and its own heap, so the app's window keeps drawing and its collections stay
small; the app's model only receives the trained weights.

The run is a job for the session's Keras process (``studio.interop.child_process``, kept
between jobs, so only the first pays for importing Keras there). Progress, sample grids and
training-health samples come back as events and reach the listener on the calling thread
(the app's ``TrainerThread``); pause, resume and stop are the process's shared flag, read
every 50 ms. A process that dies ends the run as failed with one sentence; the next run
starts a new one.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from studio.data.dataset import Dataset
from studio.interop.child_process import (
    PAUSE,
    RUN,
    STOP,
    CannotRebuild,
    ChildProcessFailed,
    DesignSpec,
    KerasProcess,
    ModelSpec,
    ask,
    custom_files,
    model_spec,
    rebuild,
    send,
)
from studio.training.engine import (
    TrainingEngine,
    TrainingListener,
    TrainingResult,
    compile_as_trained,
)
from studio.training.runs import RunStore
from studio.training.settings import TrainingSettings

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.05
# Events the process sends; each names the listener hook it is delivered to.
_HOOKS = (
    "on_run_start",
    "on_epoch_start",
    "on_batch",
    "on_epoch_end",
    "on_run_end",
    "on_error",
    "on_samples",
)


class TrainingProcessFailed(ChildProcessFailed):
    """The training process stopped before it answered (it crashed or was killed)."""


@dataclass
class _Request:
    """Everything a run needs, in picklable form."""

    model: ModelSpec | DesignSpec
    dataset: Dataset
    settings: TrainingSettings
    run_folder: str | None
    dataset_ref: dict[str, Any] | None
    project_folder: str | None
    callbacks: list[Any]
    sample_interval: float
    progress_interval: float


class ChildTrainingEngine(TrainingEngine):
    """``TrainingEngine.run`` done in the session's training process.

    ``extra_callbacks`` are pickled into the process; a callback's ``on_sample`` hook, if it
    has one, is called here with each sample it reports there. ``run`` always compiles the
    model from the settings (``compile=False`` needs the in-process engine)."""

    def __init__(
        self,
        listener: TrainingListener | None = None,
        *,
        sample_interval: float = 0.2,
        progress_interval: float = 0.05,
    ) -> None:
        super().__init__(
            listener, sample_interval=sample_interval, progress_interval=progress_interval
        )
        self._state = RUN
        self._process: KerasProcess | None = None

    # -- control, from any thread: a flag the process reads ----------------------------------
    def pause(self) -> None:
        if self._state != STOP:
            self._set_state(PAUSE)

    def resume(self) -> None:
        if self._state != STOP:
            self._set_state(RUN)

    def stop(self) -> None:
        self._set_state(STOP)

    @property
    def is_paused(self) -> bool:
        return self._state == PAUSE

    def _set_state(self, state: int) -> None:
        self._state = state
        process = self._process
        if process is not None:
            process.control.value = state

    # -- the run ---------------------------------------------------------------------------
    def run(
        self,
        model: Any,
        dataset: Dataset,
        settings: TrainingSettings,
        *,
        run_store: RunStore | None = None,
        compile: bool = True,
        dataset_ref: dict[str, Any] | None = None,
        project_folder: Any = None,
    ) -> TrainingResult:
        """Train ``model`` there and give it the weights the run ended with (on failure, the
        ones it started with). Raises ``TrainingProcessFailed`` if the process dies.

        A model compiled from a design (``studio.compile.compiler.design_of``) is compiled
        there from that design and stays as it is here: the run's final weights come back by
        node id in ``node_weights`` of the result. The app then neither serialises the model
        nor assigns its variables, Keras work that held the interpreter lock in the app for
        up to a second at a 771-layer model's start and end."""
        if not compile:
            raise ValueError("keeping a compiled model's optimizer needs the in-process engine")

        request = _Request(
            model=model_spec(model, with_compile=False),  # the run compiles from settings
            dataset=dataset,
            settings=settings,
            run_folder=str(run_store.folder) if run_store is not None else None,
            dataset_ref=dataset_ref,
            project_folder=str(project_folder) if project_folder is not None else None,
            callbacks=[_without_hook(callback) for callback in self.extra_callbacks],
            sample_interval=self.sample_interval,
            progress_interval=self.progress_interval,
        )
        self._running.set()
        try:
            result, weights = self._ask(request)
            if isinstance(result, CannotRebuild) and result.from_design:  # Keras's config may
                request = replace(request, model=model_spec(model, from_design=False))
                result, weights = self._ask(request)
        except ChildProcessFailed:
            raise TrainingProcessFailed(
                "the training process stopped unexpectedly (it crashed or was killed); "
                "the model keeps the weights it had before this run"
            ) from None
        finally:
            self._running.clear()
        if isinstance(result, CannotRebuild):
            raise RuntimeError(f"the model could not be built for training: {result.why}")
        if weights is None:
            return result  # trained from the design: ``result.node_weights``
        from studio.compile.compiler import forget_design

        forget_design(model)
        model.set_weights(weights)
        if result.ok:
            compile_as_trained(model, settings)
        return result

    def _ask(self, request: _Request) -> tuple[Any, Any]:
        job = (custom_files(), train_here, (request,), True)
        return ask("call", job, self._deliver, self._use)

    def _use(self, process: KerasProcess | None) -> None:
        self._process = process
        if process is not None:
            process.control.value = self._state

    def _deliver(self, kind: str, args: tuple[Any, ...]) -> None:
        if kind == "callback_sample":
            index, sample = args
            hook = getattr(self.extra_callbacks[index], "on_sample", None)
            if hook is not None:
                hook(sample)
            return
        getattr(self.listener, kind)(*args)


def _without_hook(callback: Any) -> Any:
    """A copy of ``callback`` for the process: its ``on_sample`` hook stays here. A shallow
    copy, not a pickle of its own: inside the request its arrays (the health monitor's probe
    batch, 9.6 MB for ResNet-50's images) cross as out-of-band buffers, where a pickle made
    here copied them twice under the interpreter lock at the start of every run."""
    if getattr(callback, "on_sample", None) is None:
        return callback
    twin = copy.copy(callback)
    twin.on_sample = None
    return twin


# -- in the Keras process -------------------------------------------------------------------
def train_here(request: _Request, *, events: Any, control: Any) -> tuple[TrainingResult, Any]:
    """The run, in the Keras process: events go back through ``events`` as they happen."""

    def sender(kind: str):
        return lambda *args: send(events, kind, args)

    listener = TrainingListener(**{hook: sender(hook) for hook in _HOOKS})
    engine = TrainingEngine(
        listener,
        sample_interval=request.sample_interval,
        progress_interval=request.progress_interval,
    )
    for index, callback in enumerate(request.callbacks):
        if hasattr(callback, "on_sample"):
            callback.on_sample = lambda sample, index=index: send(
                events, "callback_sample", (index, sample)
            )
        engine.extra_callbacks.append(callback)
    try:
        model = rebuild(request.model)
    except Exception as exc:  # noqa: BLE001 - the app says why, or tries Keras's config
        log.debug("Keras process: model for training not built", exc_info=True)
        return CannotRebuild.of(exc, request.model), None
    finished = threading.Event()
    watcher = threading.Thread(
        target=_follow_control, args=(control, engine, finished), daemon=True
    )
    watcher.start()
    try:
        result = engine.run(
            model,
            request.dataset,
            request.settings,
            run_store=RunStore(request.run_folder) if request.run_folder else None,
            dataset_ref=request.dataset_ref,
            project_folder=Path(request.project_folder) if request.project_folder else None,
        )
    finally:
        finished.set()
        watcher.join()
    if isinstance(request.model, DesignSpec):
        from studio.compile.compiler import model_weights_for

        return replace(
            result, node_weights=model_weights_for(request.model.design.graph, model)
        ), None
    return result, model.get_weights()


def _follow_control(control: Any, engine: Any, finished: threading.Event) -> None:
    """Apply the app's flag to the engine until the run ends. The flag is a level, applied
    again on every poll: ``engine.run`` clears a stop or pause that came before it began."""
    while not finished.wait(_POLL_SECONDS):
        state = control.value
        if state == STOP:
            engine.stop()
        elif state == PAUSE and not engine.is_paused:
            engine.pause()
        elif state == RUN and engine.is_paused:
            engine.resume()
