"""Where a project may make the app write: inside its own folder, or where the user chose.

A project file comes from anywhere (a course, a colleague, a download), so a path inside it
(TensorBoard logs, checkpoints, the runs folder) is a request, not an order. Relative paths
are read relative to the project's folder; a path that leaves the folder (``..``, an absolute
path, a symbolic link pointing out) is refused unless the user picked it in a dialog during this
session (``allow_user_path``), which is how a deliberate choice differs from a file's say-so.
Datasets are only read, so they may point anywhere (``resolve_read_path``).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_lock = threading.Lock()
_user_paths: set[Path] = set()


class PathRefused(ValueError):
    """A path from a project file that would make the app write outside the project."""


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def allow_user_path(path: Path | str) -> None:
    """Record a place the user picked in a dialog; writes there (and below) are allowed."""
    with _lock:
        _user_paths.add(_real(Path(path).expanduser()))


def forget_user_paths() -> None:
    """Forget every picked place (tests; a new session starts with none)."""
    with _lock:
        _user_paths.clear()


def _user_allowed(real: Path) -> bool:
    with _lock:
        picked = list(_user_paths)
    return any(real == p or p in real.parents for p in picked)


def _inside(real: Path, root: Path) -> bool:
    return real == root or root in real.parents


def resolve_write_path(value: str | os.PathLike[str], root: Path | str | None, what: str) -> Path:
    """The place to write ``value`` (from a project's ``what`` setting) to, or ``PathRefused``.

    ``root`` is the project's folder; with no folder (an unsaved project) relative paths are
    read from the working directory, which is where the user runs the command.
    """
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip() or "\x00" in text:
        raise PathRefused(f"{what} must be a folder or file name; received {text!r}")
    base = Path(root) if root is not None else Path.cwd()
    raw = Path(text).expanduser() if text.startswith("~") else Path(text)
    candidate = raw if raw.is_absolute() else base / raw
    real = _real(candidate)
    if _user_allowed(real) or _inside(real, _real(base)):
        return real
    raise PathRefused(
        f"{what} {text!r} points outside the project's folder {base}; a project file may only "
        "write inside its own folder (pick another place in the app to allow it)"
    )


def resolve_read_path(value: str | os.PathLike[str], root: Path | str | None) -> Path:
    """Where to read ``value`` from: relative to the project's folder, anywhere allowed."""
    raw = Path(os.fspath(value)).expanduser()
    if raw.is_absolute() or root is None:
        return raw
    return Path(root) / raw
