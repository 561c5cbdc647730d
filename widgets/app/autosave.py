"""Crash recovery: a copy of the unsaved project written a few seconds after each change.

The recovery file lives in the app-data folder (``QStandardPaths.AppDataLocation``; tests pass
their own folder), named after the project file so two open projects do not overwrite each
other's copy. A clean save or close deletes it; a recovery file newer than its project at
start-up means the app did not close cleanly, and the window offers to restore it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack

from studio.project import Project, atomic_write_text

DEFAULT_DELAY_MS = 5000


def default_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".model-studio") / "recovery"


def recovery_path(folder: Path, project_path: Path | None) -> Path:
    """One recovery file per project file; one shared by untitled projects."""
    if project_path is None:
        return folder / "untitled.recovery.studio.json"
    digest = hashlib.sha1(str(Path(project_path).resolve()).encode("utf-8")).hexdigest()[:10]
    return folder / f"{Path(project_path).name}.{digest}.recovery.studio.json"


def pending_recovery(folder: Path, project_path: Path | None) -> Path | None:
    """The recovery file left by a crash, if it is newer than the project file."""
    path = recovery_path(folder, project_path)
    if not path.exists():
        return None
    if (
        project_path is not None
        and Path(project_path).exists()
        and Path(project_path).stat().st_mtime >= path.stat().st_mtime
    ):
        return None
    return path


class Autosaver(QObject):
    """Writes the project ``delay_ms`` after the last edit while it has unsaved changes."""

    saved = Signal(Path)

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
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_now)
        stack.indexChanged.connect(self._changed)

    @property
    def path(self) -> Path:
        return recovery_path(self.folder, self._project().path)

    def _changed(self, _index: int) -> None:
        if not shiboken6.isValid(self._stack):  # the window is being torn down
            return
        if not self._stack.isClean():
            self.timer.start()

    def save_now(self) -> Path | None:
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
        try:
            atomic_write_text(target, json.dumps(data, indent=1, default=_plain))
        except OSError:
            return None  # a full disk must not interrupt editing; the next change retries
        self.saved.emit(target)
        return target

    def discard(self, project_path: Path | None = None) -> None:
        """Forget the recovery copy (after a clean save or close)."""
        self.timer.stop()
        for path in {self.path, recovery_path(self.folder, project_path)}:
            path.unlink(missing_ok=True)


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    raise TypeError(f"cannot store {type(value).__name__}")
