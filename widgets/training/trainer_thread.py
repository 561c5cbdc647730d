"""Runs the training engine on a QThread and turns its listener calls into Qt signals.

Signals emitted from ``run()`` reach receivers in the UI thread as queued calls, so the UI only
draws. Batch updates are already bounded by the engine; ``batch_interval`` sets that bound so
the UI thread never gets more than a few updates per second to process.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThread, Signal, Slot

from studio.data.dataset import Dataset
from studio.interop.child_training import ChildTrainingEngine
from studio.training.engine import (
    BatchProgress,
    TrainingEngine,
    TrainingListener,
    TrainingResult,
    describe_error,
)
from studio.training.runs import RunRecord, RunStore
from studio.training.settings import TrainingSettings
from widgets.common.jobs import at_work

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # widgets only hold models the core built
    import keras


class TrainerThread(QThread):
    """One training run; create a new one per run and connect before ``start()``.

    ``in_child`` (the default) trains in the session's training process
    (``studio.interop.child_training``), so tracing and running a big model never stop the UI
    thread; the model gets the trained weights when the run ends. ``False`` trains here."""

    runStarted = Signal(dict)
    epochStarted = Signal(int)
    batchProgress = Signal(dict)
    epochEnded = Signal(dict)
    runFinished = Signal(object)
    errorOccurred = Signal(str)
    # A training mode's new sample grid: (epoch, uint8 image array).
    samplesReady = Signal(int, object)

    def __init__(
        self,
        model: keras.Model,
        dataset: Dataset,
        settings: TrainingSettings,
        run_store: RunStore | None = None,
        *,
        batch_interval: float = 0.1,
        sample_interval: float = 0.2,
        in_child: bool = True,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._dataset = dataset
        self._settings = settings
        self._run_store = run_store
        engine_type = ChildTrainingEngine if in_child else TrainingEngine
        self.engine = engine_type(
            self._listener(), sample_interval=sample_interval, progress_interval=batch_interval
        )
        self.result: TrainingResult | None = None

    def _listener(self) -> TrainingListener:
        def run_start(record: RunRecord) -> None:
            self.runStarted.emit(
                {
                    "run_id": record.id,
                    "epochs": self._settings.epochs,
                    "backend": record.backend,
                    "device": record.device,
                }
            )

        def batch(progress: BatchProgress, logs: dict[str, float] | None) -> None:
            self.batchProgress.emit({**progress.to_dict(), "logs": logs})

        def epoch_end(
            epoch: int, logs: dict[str, float], seconds: float, val_seconds: float, samples: int
        ) -> None:
            self.epochEnded.emit(
                {
                    "epoch": epoch,
                    "logs": logs,
                    "seconds": seconds,
                    "val_seconds": val_seconds,
                    "samples": samples,
                }
            )

        return TrainingListener(
            on_run_start=run_start,
            on_epoch_start=self.epochStarted.emit,
            on_batch=batch,
            on_epoch_end=epoch_end,
            on_error=self.errorOccurred.emit,
            on_samples=lambda epoch, grid: self.samplesReady.emit(epoch, grid),
        )

    def run(self) -> None:
        with at_work():  # counts as background work while its curves are being drawn
            self._run()

    def _run(self) -> None:
        try:
            self.result = self.engine.run(
                self._model, self._dataset, self._settings, run_store=self._run_store
            )
        except Exception as exc:  # noqa: BLE001 - nothing may escape into Qt
            log.debug("run: handled exception", exc_info=True)
            self.errorOccurred.emit(describe_error(exc))
            return
        self.runFinished.emit(self.result)

    @Slot()
    def pause(self) -> None:
        self.engine.pause()

    @Slot()
    def resume(self) -> None:
        self.engine.resume()

    @Slot()
    def stop(self) -> None:
        self.engine.stop()
