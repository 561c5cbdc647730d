"""Atomic file writes: write a sibling temporary file, then rename it over the target.

A crash, a full disk or an exception mid-write leaves the previous file untouched and no
temporary file behind. Every writer in the core (projects, runs, logs, exports) goes through
here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def atomic_write_with(path: Path | str, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary sibling of ``path``, then rename it into place.

    The temporary name keeps ``path``'s suffix, since Keras checks suffixes
    (``.weights.h5``, ``.keras``) when it writes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{''.join(path.suffixes)}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write_with(path, write)


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
