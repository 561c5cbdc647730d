"""Long work (imports, exports, downloads) on a worker thread, results back on the UI thread.

The UI thread only draws: a job runs a plain function from the core on the runner's one
worker thread and its outcome (the return value, or a ``JobFailed`` with a one-line reason)
arrives through a queued signal. The runner keeps each job alive until that signal has been
delivered; PySide would otherwise collect the job's signal object under it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.common.errors import short_message


@dataclass(frozen=True)
class JobFailed:
    message: str


class _Signals(QObject):
    done = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.signals = _Signals()

    def run(self) -> None:
        try:
            outcome: Any = self.fn(*self.args)
        except Exception as exc:  # noqa: BLE001 - a worker must report every failure, not die
            outcome = JobFailed(short_message(exc))
        self.signals.done.emit(outcome)


class JobRunner(QObject):
    """Runs jobs one at a time; ``busyChanged`` lets a window show that work is going on."""

    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._jobs: list[_Job] = []

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None]) -> None:
        job = _Job(fn, args)
        job.signals.done.connect(lambda outcome, job=job: self._finished(job, outcome, on_done))
        self._jobs.append(job)
        if len(self._jobs) == 1:
            self.busyChanged.emit(True)
        self.pool.start(job)

    def _finished(self, job: _Job, outcome: Any, on_done: Callable[[Any], None]) -> None:
        self._jobs.remove(job)
        if not self._jobs:
            self.busyChanged.emit(False)
        on_done(outcome)

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)
