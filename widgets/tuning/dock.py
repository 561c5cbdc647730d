"""Puts the Search panel into the app: one call from the workbench, all wiring here.

``SearchDock`` is the panel's host (project, dataset, runs, the tuner folder beside the
project, undoable edits) and the inspector's ``search_marks`` (right-click a parameter to
search it). It keeps the canvas badges, the inspector and the panel following the project's
search space after every edit, undo and newly opened project.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QUndoCommand

from studio.catalog import ParamSpec
from studio.data.dataset import Dataset
from studio.graph import Change, Op
from studio.project import Project
from studio.training.runs import RunStore
from studio.tuning.search import tuning_dir_for
from studio.tuning.space import SearchSpace, dimension_for_value
from widgets.tuning.badges import show_badges
from widgets.tuning.panel import SearchPanel

log = logging.getLogger(__name__)


class SpaceCommand(QUndoCommand):
    """Replace the project's search space; each marking is its own undo step (no merging)."""

    def __init__(self, dock: SearchDock, project: Project, new: dict, text: str) -> None:
        super().__init__(text)
        self._dock, self._project = dock, project
        self._old, self._new = dict(project.search), new

    def redo(self) -> None:
        self._project.search = self._new
        self._dock.space_changed()

    def undo(self) -> None:
        self._project.search = self._old
        self._dock.space_changed()


class SearchDock(QObject):
    def __init__(self, workbench: Any) -> None:
        super().__init__(workbench)
        self.workbench = workbench
        self.window = workbench.window
        self._scratch: Path | None = None
        self._unsubscribe = None
        self._badged = False
        self.panel = SearchPanel(self)
        self.window.add_panel("Search", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.window.inspector.search_marks = self
        # each trial is a run like any other: it appears in the Training panel's run list
        self.panel.trialEnded.connect(lambda _t: workbench.training_panel.refresh_runs())
        self.window.projectChanged.connect(self._follow_project)
        self.window.installEventFilter(self)
        self._follow_project(self.window.project)

    # ----- SearchHost ---------------------------------------------------------------------
    def project(self) -> Project:
        return self.window.project

    def dataset(self) -> Dataset | None:
        return self.workbench.dataset_panel.dataset()

    def run_store(self) -> RunStore | None:
        return self.workbench._run_store()

    def tuning_dir(self) -> Path:
        path = self.window.project.path
        if path is not None:
            return tuning_dir_for(Path(path))
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="model-studio-tuning-"))
        return self._scratch

    def set_space(self, space: SearchSpace, text: str) -> None:
        project = self.window.project
        new = space.to_dict() if space else {}
        if new == project.search:
            return
        self.window.stack.push(SpaceCommand(self, project, new, text))

    def push(self, op: Op, text: str) -> bool:
        return self.window.editor.push(op, text)

    def selection(self) -> tuple[list[str], str | None]:
        return self.window.selected_node_ids(), self.window.scene.selected_block()

    # ----- SearchMarks (the inspector) ----------------------------------------------------------
    def _space(self) -> SearchSpace:
        return self.panel.space

    def marked(self, node_id: str, param: str) -> str | None:
        dim = self._space().get("node", node_id, param)
        return dim.range_text() if dim else None

    def mark(self, node_ids: list[str], spec: ParamSpec) -> None:
        graph = self.window.project.graph
        first = graph.node(node_ids[0])
        existing = self._space().get("node", first.id, spec.name)
        now = first.params.get(spec.name, spec.default)
        choices = tuple(spec.choices) if spec.kind == "choice" else ()
        dim = existing or dimension_for_value("node", first.id, spec.name, now, choices)

        def chosen(d: Any) -> None:
            space = self._space()
            for nid in node_ids:
                space = space.with_dimension(dataclasses.replace(d, ref=nid))
            label = self._space().label(d, graph)
            more = f" (+{len(node_ids) - 1})" if len(node_ids) > 1 else ""
            self.set_space(space, f"Search {label}{more}")

        self.panel.open_range_dialog(dim, on_chosen=chosen)

    def unmark(self, node_ids: list[str], param: str) -> None:
        space = self._space()
        for nid in node_ids:
            dim = space.get("node", nid, param)
            if dim is not None:
                space = space.without(dim.key)
        name = self.window.project.graph.node(node_ids[0]).name
        self.set_space(space, f"Stop searching {name}.{param}")

    # ----- following ----------------------------------------------------------------------------
    def _follow_project(self, project: Project) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = project.graph.subscribe(self._graph_changed)
        self._scratch = None
        self.panel.refresh()
        self.panel.load_stored()
        self.space_changed()

    def _graph_changed(self, change: Change) -> None:
        if change.kind.startswith("Apply trial"):  # applied or undone: settings changed too
            self.workbench._field_undone("training")
        if not self.window.project.search and not self._badged:
            return  # nothing searched: an edit costs the canvas nothing extra
        self.panel.refresh()
        self._show_badges()

    def _show_badges(self) -> None:
        space = self._space()
        show_badges(self.window.scene, self.window.project.graph, space)
        self._badged = bool(space)

    def space_changed(self) -> None:
        """After a marking, its undo or redo: panel, canvas badges and inspector follow."""
        self.panel.refresh()
        self._show_badges()
        inspector = self.window.inspector
        if inspector.node_ids and inspector.controls and shiboken6.isValid(inspector):
            inspector.set_nodes(list(inspector.node_ids))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Close and watched is self.window:
            # the close may still be refused (unsaved changes); look once it has been handled
            QTimer.singleShot(0, self._after_close)
        return False

    def _after_close(self) -> None:
        if shiboken6.isValid(self.window) and not self.window.isVisible():
            self.panel.shutdown()


def install_search(workbench: Any) -> SearchDock:
    """Dock the Search panel in ``workbench``'s window and wire it up."""
    return SearchDock(workbench)


__all__ = ["SearchDock", "install_search"]
