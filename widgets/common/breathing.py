"""Long UI-thread passes that keep the window alive without giving up their call order.

Opening a 771-layer project builds 3,500 canvas items and reads a 20 MB file; done in one
pass the window stopped painting for about a second. These helpers keep the caller's
simple, synchronous shape (``open_project`` still returns once the project is shown) while
the event loop runs in between: timers tick, the window repaints, worker results arrive.
User input (mouse, keys) stays queued until the pass is over, so nothing the user does can
act on a half-built document; it is delivered, not lost, once the pass returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

T = TypeVar("T")

SLICE_S = 0.02  # UI-thread work between two turns of the event loop
_KEEP_INPUT = QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents

# The UI thread's heartbeat (see ``give_way``): it beats every BEAT_MS; a beat LATE_S late
# means the UI thread is waiting for the interpreter lock (or busy); a worker then waits at
# most GIVE_WAY_S for the next beat.
BEAT_MS = 10
LATE_S = 0.025
GIVE_WAY_S = 0.03
_last_beat = 0.0  # perf_counter() of the last beat; 0.0 while no heartbeat runs
_heart: QTimer | None = None
_workers = threading.local()


_passes = 0  # UI passes going on now (UI thread only)
_ui_idle = threading.Event()  # set while no pass is going on; workers wait on it
_ui_idle.set()


class Breather:
    """A long pass on the UI thread: use it as a context manager and call ``breathe()``
    often inside the loop; it lets the event loop run once every ``SLICE_S`` of work.

    While a pass goes on, queued background jobs wait to start (``wait_for_ui``): a worker
    running Python meanwhile makes each of the pass's Qt calls wait for the interpreter lock
    (about 0.1 ms each on two cores, measured), which turned a 0.2 s pass into a 0.8 s
    freeze when a 771-layer model opened."""

    def __init__(self, active: bool = True, slice_s: float | None = None) -> None:
        self.active = active  # an inactive one (a small change) neither pauses nor breathes
        self.slice_s = SLICE_S if slice_s is None else slice_s
        self._since = time.perf_counter()

    def __enter__(self) -> Breather:
        if self.active:
            _hold_workers()
            self._since = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.active:
            _release_workers()

    def breathe(self) -> None:
        now = time.perf_counter()
        if self.active and now - self._since >= self.slice_s:
            QCoreApplication.processEvents(_KEEP_INPUT)
            self._since = time.perf_counter()


def _hold_workers() -> None:
    global _passes
    _passes += 1
    _ui_idle.clear()


def _release_workers() -> None:
    global _passes
    _passes -= 1
    if _passes == 0:
        _ui_idle.set()


@contextmanager
def workers_held() -> Iterator[None]:
    """UI-thread work that makes many Qt calls (painting a canvas of a big model): while it
    runs, queued jobs wait to start and running ones pause at their next layer."""
    _hold_workers()
    try:
        yield
    finally:
        _release_workers()


def ui_busy() -> bool:
    """True while a UI pass goes on (cheap: call it between two layers of a worker's job)."""
    return not _ui_idle.is_set()


def wait_for_ui(timeout_s: float = 5.0) -> None:
    """On a worker, before starting a job: wait until no UI pass is going on (never longer
    than ``timeout_s``, so a pass that never ends cannot stall the workers)."""
    _ui_idle.wait(timeout_s)


def start_heartbeat() -> None:
    """Start the UI thread's heartbeat (once per process, on the UI thread, with an app)."""
    global _heart
    if _heart is not None or QCoreApplication.instance() is None:
        return
    _heart = QTimer(QCoreApplication.instance())
    _heart.setInterval(BEAT_MS)
    _heart.timeout.connect(_beat)
    _heart.start()
    _beat()


def _beat() -> None:
    global _last_beat
    _last_beat = time.perf_counter()


def give_way() -> None:
    """On a worker, between two steps of a long job: if the UI thread's heartbeat is late,
    sleep (which lets go of the interpreter lock) until it beats again.

    Every Qt call the UI thread makes into Python (an event, a paint, an override lookup)
    takes the interpreter lock; while a worker runs Python the UI thread waits up to a
    switch interval for each, and a burst of a few hundred such calls (the canvas of a
    771-layer model) stopped the window for 0.8 s while code generation ran. A late beat is
    that waiting, seen from the worker. A beat that does not come within ``GIVE_WAY_S``
    means the UI thread is busy or waits for this very job; the worker then goes on and does
    not wait again until it has seen the UI thread beat.

    On the UI thread itself it returns at once: the beat it would wait for cannot come
    while it sleeps (a grid of a thousand labels drawn there slept 30 ms per label run)."""
    if threading.current_thread() is threading.main_thread():
        return
    if not _last_beat or time.perf_counter() - _last_beat < LATE_S:
        _workers.armed = True
        return
    if not getattr(_workers, "armed", True):
        return
    deadline = time.perf_counter() + GIVE_WAY_S
    while time.perf_counter() - _last_beat >= LATE_S:
        if time.perf_counter() > deadline:
            _workers.armed = False
            return
        time.sleep(0.002)


def off_ui_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on a worker thread while this thread keeps the event loop running;
    returns its result or raises its exception, as a direct call would.

    For pure core work (reading a project file) that the caller needs before it goes on.
    """
    if QCoreApplication.instance() is None:
        return fn(*args)  # no event loop to keep running
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            outcome["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name=f"off-ui:{getattr(fn, '__name__', fn)}")
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(lambda: done.is_set() and loop.quit())
    with workers_held():  # the caller waits for this one; background jobs can wait for it
        worker.start()
        poll.start()
        try:
            if not done.is_set():
                loop.exec(_KEEP_INPUT)
        finally:
            poll.stop()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
