"""Work-arounds for bugs in the installed Qt binding.

PySide6 6.12.0 on Python 3.11 returns ``None`` from every ``void`` method without taking a
reference to it, so each call (``painter.setPen``, ``widget.update``…) lowers ``None``'s
reference count by one. A canvas that paints hundreds of items per frame drives it to zero
within seconds and the interpreter aborts ("deallocating None"). Python 3.12 made ``None``
immortal, which is exactly the cure: ``keep_none_alive`` gives it the same effectively
infinite count on older interpreters.
"""

from __future__ import annotations

import ctypes
import sys

_PLENTY = 1 << 60


def keep_none_alive() -> None:
    """Make ``None`` effectively immortal on Python < 3.12 (a no-op on newer ones)."""
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return  # immortal already; debug builds lay the object out differently
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if refcount.value < _PLENTY:
        refcount.value += _PLENTY
