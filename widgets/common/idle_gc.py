"""Full garbage collections while the app is idle, instead of in the middle of the user's work.

A full (oldest-generation) collection walks every tracked object while it holds the
interpreter lock. With a big model open that is a million objects or more, 100–300 ms
measured on two cores, and Python starts one on whichever thread allocates when the heap has
grown by a quarter: a worker building NASNetMobile's layers, so the window stopped for that
long in the middle of opening it or starting a run. Young collections stay automatic (they
are short); the full one waits for a quiet moment: no job or UI pass going on and the mouse
left alone for ``QUIET_S``, and no training run drawing its curves.

A session that is never quiet (a long training run, a benchmark) gets one only when the
process's resident memory has grown four times as big, and by ``GROWTH_FLOOR`` at least. A
collection costs in proportion to the heap (690 ms for a NASNetMobile session's) and finds
little to free (130,000 of about three million objects: Keras's garbage goes by reference
counting), so waiting for a quiet moment costs some memory and saves the stall; the bound
keeps a session that is never quiet from growing without end. The size is the kernel's
count of resident pages (``/proc/self/statm``, microseconds). Both ways of sizing the
Python heap itself cost the UI thread a stall of their own in a NASNetMobile session:
counting the collector's objects (``gc.get_objects``) took 55 ms for three million, and the
allocator's block count (``sys.getallocatedblocks``, which visits every memory pool) took
2 ms mostly but 74–107 ms in three of 344 calls during a run. The rule before, a collection
every five minutes regardless, stopped the window for 150–400 ms in the middle of a run or
an export.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication

CHECK_MS = 250
QUIET_S = 1.0
GROWTH = 3.0  # of the memory the last full collection left: four times as big
GROWTH_FLOOR = 1 << 30  # bytes
# Young collections since the last full one before another is worth it: what Python's own
# rule waits for (ten collections of the middle generation) at the least.
WORTH_COLLECTING = 10
NEVER = 1_000_000_000


class IdleCollector(QObject):
    """Owns the oldest generation's collections for as long as it lives (one per process).

    ``busy`` says whether work is going on that a collection would stall (running jobs,
    UI passes)."""

    def __init__(self, busy: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._busy = busy
        saved = gc.get_threshold()
        gc.set_threshold(saved[0], saved[1], NEVER)  # Python starts no full collection itself
        self._resident = _resident()  # bytes the last full collection left
        self._young_at_full = self._middle_collections()
        self._last_activity = time.monotonic()
        self._cursor = QCursor.pos()
        self.collections = 0  # full collections this collector ran
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self.destroyed.connect(lambda *_: gc.set_threshold(*saved))

    @staticmethod
    def _middle_collections() -> int:
        return gc.get_stats()[1]["collections"]

    def pending(self) -> bool:
        return self._middle_collections() - self._young_at_full >= WORTH_COLLECTING

    def _note_activity(self, now: float) -> None:
        cursor = QCursor.pos()
        if (
            cursor != self._cursor
            or QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton
            or self._busy()
        ):
            self._last_activity = now
        self._cursor = cursor

    def check(self) -> None:
        now = time.monotonic()
        self._note_activity(now)
        if not self.pending():
            return
        if now - self._last_activity >= QUIET_S or self.grown():
            self.collect()

    def grown(self) -> bool:
        """Whether the process has grown past the busy bound (``GROWTH``, at least
        ``GROWTH_FLOOR`` bytes) since the last full collection. Where its size cannot be
        read (no ``/proc``), never: collections then wait for a quiet moment."""
        return _resident() - self._resident > max(GROWTH * self._resident, GROWTH_FLOOR)

    def collect(self) -> None:
        gc.collect()
        self.collections += 1
        self._resident = _resident()
        self._young_at_full = self._middle_collections()


_STATM = Path("/proc/self/statm")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _resident() -> int:
    """The process's resident memory in bytes, or 0 where the system does not say."""
    try:
        return int(_STATM.read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


_collector: IdleCollector | None = None


def start_idle_collector(busy: Callable[[], bool]) -> IdleCollector | None:
    """The process's collector, started on first call (needs the app)."""
    global _collector
    app = QCoreApplication.instance()
    if _collector is None and app is not None:
        _collector = IdleCollector(busy, app)
    return _collector
