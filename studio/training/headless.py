"""Training without a window: a text progress line and a machine-readable JSON summary.

The CLI calls ``train_headless``; scripts and CI read the ``--log-json`` file, whose key
spellings (``epochs``, ``epoch``, ``loss``, ``val_loss``, ``seconds``, ``val_seconds``,
``samples``, ``samples_per_second``) are a contract and must not change.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import keras

from studio.common.atomic import atomic_write_text
from studio.data.dataset import Dataset
from studio.training.device import describe_device
from studio.training.engine import (
    BatchProgress,
    TrainingEngine,
    TrainingListener,
    TrainingResult,
    samples_per_second,
)
from studio.training.runs import RunRecord, RunStore
from studio.training.settings import TrainingSettings

BAR_WIDTH = 24
REDRAW_INTERVAL = 0.1


def format_clock(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _metrics_text(logs: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in logs.items())


class ProgressPrinter:
    """Draws one ``\\r``-updated progress line, at most every ``REDRAW_INTERVAL`` seconds."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.last_draw = -math.inf
        self.last_logs: dict[str, float] = {}

    def _write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text)
            self.stream.flush()

    def on_batch(self, progress: BatchProgress, logs: dict[str, float] | None) -> None:
        if logs:
            self.last_logs = logs
        now = time.perf_counter()
        if now - self.last_draw < REDRAW_INTERVAL:
            return
        self.last_draw = now
        filled = int(BAR_WIDTH * progress.batch / max(progress.batches, 1))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        state = " paused" if progress.paused else ""
        self._write(
            f"\rEpoch {progress.epoch}/{progress.epochs} [{bar}] "
            f"{progress.batch}/{progress.batches} ETA {format_clock(progress.epoch_eta)} "
            f"(total {format_clock(progress.overall_eta)}) {_metrics_text(self.last_logs)}"
            f"{state}\x1b[K"
        )

    def on_epoch_end(
        self, epoch: int, logs: dict[str, float], seconds: float, val_seconds: float, samples: int
    ) -> None:
        self.last_draw = -math.inf
        rate = samples / seconds if seconds > 0 else 0.0
        self._write(
            f"\rEpoch {epoch}: {_metrics_text(logs)} - {seconds:.2f}s train, "
            f"{val_seconds:.2f}s val, {rate:.0f} samples/s\x1b[K\n"
        )

    def on_error(self, message: str) -> None:
        """End the progress line; the caller reports the failure itself, once."""
        if self.last_draw != -math.inf:
            self._write("\n")
        self.last_draw = -math.inf


def run_summary(result: TrainingResult) -> dict[str, Any]:
    """The ``--log-json`` object: run status, where it ran, and one row per epoch."""
    record: RunRecord = result.record
    return {
        "run_id": record.id,
        "status": result.status,
        "message": result.message,
        "backend": record.backend or keras.backend.backend(),
        "device": record.device or describe_device(),
        "samples_per_second": samples_per_second(record),
        "epochs": [dict(row) for row in record.epochs],
        "final_metrics": dict(record.final_metrics),
        "best_epoch": record.best_epoch,
        "monitor": record.monitor,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2))


def train_headless(
    model: keras.Model,
    dataset: Dataset,
    settings: TrainingSettings,
    run_store: RunStore | None = None,
    progress_stream: TextIO | None = sys.stderr,
    log_json: Path | None = None,
    project_folder: Path | None = None,
) -> TrainingResult:
    """Compile ``model`` per ``settings``, train it on ``dataset`` and report as text.

    ``progress_stream=None`` silences the progress line. ``log_json`` receives the summary of
    ``run_summary`` (also for failed runs). Returns the result; it never raises for training
    failures, so the CLI picks its exit code from ``result.status``.
    """
    printer = ProgressPrinter(progress_stream)
    listener = TrainingListener(
        on_batch=printer.on_batch, on_epoch_end=printer.on_epoch_end, on_error=printer.on_error
    )
    result = TrainingEngine(listener).run(
        model, dataset, settings, run_store=run_store, project_folder=project_folder
    )
    if log_json is not None:
        _write_json(Path(log_json), run_summary(result))
    return result
