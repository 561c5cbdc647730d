"""Long work (imports, exports, analysis, inspection) on a worker thread, results back on the
UI thread.

The UI thread only draws: a job runs a plain function from the core on the runner's one
worker thread and its outcome (the return value, or a ``JobFailed`` with a one-line reason)
arrives through a queued signal. The runner keeps each job alive until that signal has been
delivered; PySide would otherwise collect the job's signal object under it.

A job may carry a ``key``: a newer job with the same key replaces one still waiting in the
queue (only the latest request for "the analysis" or "the code" is worth computing), and
``cancel(key)`` drops the outcome of one already running, so a result nobody wants any more
never reaches the views.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.common.errors import short_message
from widgets.common.breathing import give_way, wait_for_ui

log = logging.getLogger(__name__)


_at_work = 0  # background work going on now: jobs of every runner, training runs
_at_work_lock = threading.Lock()


def work_in_flight() -> int:
    """How many pieces of background work (jobs, training runs) are going on now."""
    return _at_work


@contextmanager
def at_work() -> Iterator[None]:
    """Count the block as background work (``work_in_flight``) while it runs."""
    global _at_work
    with _at_work_lock:
        _at_work += 1
    try:
        yield
    finally:
        with _at_work_lock:
            _at_work -= 1


@dataclass(frozen=True)
class JobFailed:
    message: str


class _Signals(QObject):
    done = Signal(object)
    progress = Signal(float, str)


class _Job(QRunnable):
    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        key: str | None,
        reports_progress: bool = False,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.key = key
        self.dropped = False  # superseded or cancelled: run nothing, deliver nothing
        self.started = False
        self.reports_progress = reports_progress
        self.signals = _Signals()

    def _progress(self, fraction: float, message: str) -> None:
        if not self.dropped and shiboken6.isValid(self.signals):
            self.signals.progress.emit(float(fraction), str(message))

    def run(self) -> None:
        wait_for_ui()  # a long drawing pass on the UI thread goes first
        give_way()
        self.started = True
        outcome: Any = None
        if not self.dropped:
            with at_work():
                try:
                    extra = {"on_progress": self._progress} if self.reports_progress else {}
                    outcome = self.fn(*self.args, **extra)
                except Exception as exc:  # noqa: BLE001 - a worker must report every failure
                    name = getattr(self.fn, "__name__", self.fn)
                    log.debug("job %s failed", name, exc_info=True)
                    outcome = JobFailed(short_message(exc))
        if shiboken6.isValid(self.signals):  # gone when the app quit while this ran
            self.signals.done.emit(outcome)


class JobRunner(QObject):
    """Runs jobs one at a time; ``busyChanged`` lets a window show that work is going on."""

    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._jobs: list[_Job] = []
        self._shut = False

    def shutdown(self, msecs: int = 60_000) -> None:
        """Take no more jobs and wait for the running one: a worker still running when
        Python collects this runner would run Python code in the middle of the collection."""
        self._shut = True
        for job in self._jobs:
            job.dropped = True
        self.pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return any(not job.dropped for job in self._jobs)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        key: str | None = None,
        on_progress: Callable[[float, str], None] | None = None,
    ) -> None:
        """Queue ``fn(*args)``; ``on_done(outcome)`` runs on the UI thread unless dropped.

        With ``on_progress``, ``fn`` is also given ``on_progress=`` to call from the worker
        with ``(fraction, message)``; the calls arrive on the UI thread, in order.
        """
        if self._shut:
            return
        if key is not None:
            for older in self._jobs:
                if older.key == key and not older.started:
                    older.dropped = True
        job = _Job(fn, args, key, on_progress is not None)
        if on_progress is not None:
            job.signals.progress.connect(
                lambda fraction, message, job=job: self._progressed(
                    job, fraction, message, on_progress
                )
            )
        job.signals.done.connect(lambda outcome, job=job: self._finished(job, outcome, on_done))
        was_busy = self.busy
        self._jobs.append(job)
        if not was_busy:
            self.busyChanged.emit(True)
        self.pool.start(job)

    def cancel(self, key: str) -> None:
        """Forget every job with ``key``: waiting ones do not run, a running one's outcome
        is thrown away when it arrives."""
        was_busy = self.busy
        for job in self._jobs:
            if job.key == key:
                job.dropped = True
        if was_busy and not self.busy:
            self.busyChanged.emit(False)

    def _progressed(
        self, job: _Job, fraction: float, message: str, on_progress: Callable[[float, str], None]
    ) -> None:
        if shiboken6.isValid(self) and not job.dropped:  # nobody to tell once the owner is gone
            on_progress(fraction, message)

    def pending(self, key: str) -> bool:
        return any(job.key == key and not job.dropped for job in self._jobs)

    def _finished(self, job: _Job, outcome: Any, on_done: Callable[[Any], None]) -> None:
        if not shiboken6.isValid(self):
            return  # the window that asked was closed meanwhile: nobody is left to tell
        was_busy = self.busy
        self._jobs.remove(job)
        if was_busy and not self.busy:
            self.busyChanged.emit(False)
        if not job.dropped:
            on_done(outcome)

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)
