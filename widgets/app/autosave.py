"""Crash recovery: a copy of the unsaved project written about a second after each change.

The recovery file lives in the app-data folder (``QStandardPaths.AppDataLocation``; tests pass
their own folder), named after the project file so two open projects do not overwrite each
other's copy. Trained weights go beside it (``….recovery.weights.npz``, written only when they
changed). The copy is taken on the UI thread (a millisecond) and written on a worker thread,
atomically, so a crash mid-write leaves the previous copy whole.

A recovery file is removed only once the user has decided about it: after a save, after
"Discard" in the unsaved-changes prompt, or after answering the restore question. A file that
cannot be read (damaged, or written by a newer Model Studio) is renamed aside, never deleted,
so nothing is lost and the app still starts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack

from studio.common.atomic import atomic_write_text, atomic_write_with
from studio.project import Project, ProjectError, read_document
from widgets.common.jobs import JobFailed, JobRunner

log = logging.getLogger(__name__)

DEFAULT_DELAY_MS = 1000
SUFFIX = ".recovery.studio.json"


def default_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".model-studio") / "recovery"


def recovery_path(folder: Path, project_path: Path | None) -> Path:
    """One recovery file per project file; one shared by untitled projects."""
    if project_path is None:
        return folder / f"untitled{SUFFIX}"
    digest = hashlib.sha1(str(Path(project_path).resolve()).encode("utf-8")).hexdigest()[:10]
    return folder / f"{Path(project_path).name}.{digest}{SUFFIX}"


def weights_path(recovery: Path) -> Path:
    return Project.weights_path_for(recovery)


@dataclass(frozen=True)
class Recovery:
    """A recovery file waiting for the user's decision."""

    path: Path
    origin: Path | None  # the project it is a copy of; None for an untitled one
    saved: float  # when it was written (seconds since the epoch)


def _origin(path: Path) -> Path | None:
    """The project a recovery file belongs to; raises ProjectError when it cannot be read."""
    try:  # the same guarded read as any project: regular files only, bounded size and depth
        data = read_document(path)
    except ProjectError as exc:
        raise ProjectError(f"{path}: the recovery file is damaged ({exc})") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: the recovery file is damaged (not a project)")
    origin = (data.get("metadata") or {}).get("recovered_from")
    return Path(origin) if origin else None


def _newer_than_project(recovery: Path, origin: Path | None) -> bool:
    if origin is None or not origin.exists():
        return True
    return recovery.stat().st_mtime > origin.stat().st_mtime


def set_aside(path: Path) -> Path:
    """Rename an unreadable recovery file (and its weights) out of the way, keeping both."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.unreadable-{stamp}")
    os.replace(path, target)
    weights = weights_path(path)
    if weights.exists():
        os.replace(weights, weights.with_name(f"{weights.name}.unreadable-{stamp}"))
    return target


def pending_recoveries(folder: Path) -> tuple[list[Recovery], list[str]]:
    """Every recovery file newer than its project, newest first, and one sentence for each
    file that could not be read (those are renamed aside)."""
    found: list[Recovery] = []
    problems: list[str] = []
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            origin = _origin(path)
        except ProjectError as exc:
            problems.append(_aside(path, str(exc)))
            continue
        if _newer_than_project(path, origin):
            found.append(Recovery(path, origin, path.stat().st_mtime))
    found.sort(key=lambda r: -r.saved)
    return found, problems


def _aside(path: Path, reason: str) -> str:
    try:
        moved = set_aside(path)
    except OSError as exc:
        return f"{reason}; it could not be renamed aside either ({exc.strerror or exc})."
    return f"{reason}. It was renamed to {moved.name} and left in {moved.parent}."


def pending_recovery(folder: Path, project_path: Path | None) -> Path | None:
    """The recovery file left by a crash for this project, if it is newer than the project."""
    path = recovery_path(folder, project_path)
    if not path.exists():
        return None
    return path if _newer_than_project(path, project_path and Path(project_path)) else None


def load_recovery(path: Path) -> Project:
    """The recovered project, pointing at the file it is a copy of; ProjectError when the
    copy cannot be read (the caller sets it aside)."""
    try:
        project = Project.load(path)
    except ProjectError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable copy is one message, not a crash
        log.debug("recovery %s unreadable", path, exc_info=True)
        raise ProjectError(f"{path}: the recovery file is damaged ({exc})") from None
    origin = project.metadata.pop("recovered_from", None)
    project.path = Path(origin) if origin else None
    return project


def _write_weights(path: Path, weights: dict[str, list[Any]]) -> None:
    """Straight into the file: building the archive in memory first copied every array
    while holding the interpreter lock (0.2 s for ResNet-50's 100 MB, the window stopped)."""
    arrays = {f"{nid}/{i}": np.asarray(w) for nid, ws in weights.items() for i, w in enumerate(ws)}
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())


def _write(target: Path, data: dict[str, Any], weights: dict[str, list[Any]] | None) -> Path:
    """Worker-thread part: serialise (half a second for 771 layers), then write the weights
    first, so a copy never names weights it lacks. ``data`` is the UI thread's fresh
    ``to_dict()``: its containers are new and the records in it are never edited in place."""
    text = json.dumps(data, indent=1, default=_plain)
    target.parent.mkdir(parents=True, exist_ok=True)
    if weights is not None:
        if weights:
            atomic_write_with(weights_path(target), lambda tmp: _write_weights(tmp, weights))
        else:
            weights_path(target).unlink(missing_ok=True)
    atomic_write_text(target, text)
    return target


class Autosaver(QObject):
    """Writes the project ``delay_ms`` after the last edit while it has unsaved changes."""

    saved = Signal(Path)
    failed = Signal(str)

    def __init__(
        self,
        project: Callable[[], Project],
        stack: QUndoStack,
        folder: Path | None = None,
        delay_ms: int = DEFAULT_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._project = project
        self._stack = stack
        self.folder = Path(folder) if folder is not None else default_folder()
        self.runner = JobRunner(self)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_now)
        self._weights_written: tuple[Path, object] | None = None  # (file, weights dict)
        self._generation = 0  # bumped by discard: a write queued before it must not land
        self._own: set[Path] = set()  # copies this session wrote
        stack.indexChanged.connect(self._changed)
        stack.cleanChanged.connect(self._changed)

    @property
    def path(self) -> Path:
        return recovery_path(self.folder, self._project().path)

    def _changed(self, *_args: object) -> None:
        if not shiboken6.isValid(self._stack):  # the window is being torn down
            return
        if not self._stack.isClean():
            self.timer.start()
        elif self.path in self._own:
            # Undone back to the saved state: the copy holds nothing worth restoring.
            self.timer.stop()
            self._generation += 1
            self._own.discard(self.path)
            _remove(self.path)

    def save_now(self) -> Path | None:
        """Take a copy now and write it on the worker; returns where it will be."""
        self.timer.stop()
        if self._stack.isClean():
            return None
        project = self._project()
        data = project.to_dict()
        data["metadata"] = {
            **data.get("metadata", {}),
            "recovered_from": str(project.path) if project.path else None,
        }
        target = self.path
        weights_dict = project.graph.weights
        written = self._weights_written
        weights = None
        if written is None or written[0] != target or written[1] is not weights_dict:
            weights = {k: list(v) for k, v in weights_dict.items()}
            self._weights_written = (target, weights_dict)
        generation = self._generation
        self.runner.run(
            _write,
            target,
            data,
            weights,
            key=f"write:{target}",
            on_done=lambda outcome: self._written(target, outcome, generation),
        )
        return target

    def _written(self, target: Path, outcome: object, generation: int) -> None:
        if isinstance(outcome, JobFailed):
            self._weights_written = None  # write them again next time
            # A full disk must not interrupt editing: say so once, retry on the next change.
            self.failed.emit(f"Autosave could not write {target}: {outcome.message}")
            return
        if generation != self._generation:
            _remove(target)  # the user decided while it was being written: honour that
            return
        self._own.add(target)
        self.saved.emit(target)

    def wait(self, msecs: int = -1) -> bool:
        return self.runner.wait(msecs)

    def discard_file(self, path: Path) -> None:
        """Delete one recovery copy the user chose not to restore."""
        _remove(path)
        self._own.discard(path)

    def discard(self, project_path: Path | None = None) -> None:
        """Forget the recovery copy (after a clean save, a "Discard", or a restore answer)."""
        self.timer.stop()
        self._generation += 1
        self._weights_written = None
        for path in {self.path, recovery_path(self.folder, project_path)}:
            _remove(path)
            self._own.discard(path)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    weights_path(path).unlink(missing_ok=True)


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    raise TypeError(f"cannot store {type(value).__name__}")
