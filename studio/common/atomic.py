"""Atomic file writes: write a sibling temporary file, then rename it over the target.

A crash, a full disk or an exception mid-write leaves the previous file untouched and no
temporary file behind. Every writer in the core (projects, runs, logs, exports) goes through
here. A process killed with ``kill -9`` cannot clean up after itself, so the temporary files it
leaves (``.NAME.<8 hex>.tmp<suffixes>``) are removed by their owner the next time the same
file is saved or opened (``studio.project.files`` does so for projects).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def _temp_name(path: Path, token: str) -> str:
    return f".{path.stem}.{token}.tmp{''.join(path.suffixes)}"


def atomic_write_with(path: Path | str, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary sibling of ``path``, then rename it into place.

    The temporary name keeps ``path``'s suffix, since Keras checks suffixes
    (``.weights.h5``, ``.keras``) when it writes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(_temp_name(path, uuid.uuid4().hex[:8]))
    try:
        write(tmp)
        os.replace(tmp, path)
        sync_folder(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every platform can)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync of %s not supported", folder, exc_info=True)
    finally:
        os.close(fd)


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and wait until it is on the disk."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    atomic_write_with(path, lambda tmp: write_synced(tmp, data))


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
