"""Atomic file writes: write a sibling temporary file, then rename it over the target.

A crash, a full disk or an exception mid-write leaves the previous file untouched and no
temporary file behind. Every writer in the core (projects, runs, logs, exports) goes through
here. A process killed with ``kill -9`` cannot clean up after itself, so the temporary files it
leaves (``.NAME.<8 hex>.tmp<suffixes>``) are removed by ``remove_stale_temps`` the next time the
same file is saved or opened.
"""

from __future__ import annotations

import logging
import os
import re
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


def remove_stale_temps(path: Path | str) -> list[Path]:
    """Delete temporary siblings of ``path`` that an interrupted write left; returns them."""
    path = Path(path)
    pattern = re.compile(
        re.escape(f".{path.stem}.") + r"[0-9a-f]{8}" + re.escape(f".tmp{''.join(path.suffixes)}")
    )
    removed = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return removed
    for sibling in siblings:
        if pattern.fullmatch(sibling.name) and not sibling.is_symlink() and sibling.is_file():
            try:
                sibling.unlink()
                removed.append(sibling)
            except OSError:
                log.debug("could not remove %s", sibling, exc_info=True)
    return removed
