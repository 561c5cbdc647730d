"""Compare and diagnose, wired into the app: run comparison, architecture diffs, training health
on the canvas and the memory budget before Train.

The workbench creates one ``DiagnoseTools``; everything it adds hangs off the Model menu and
the training panel's signals, so the panel and the canvas stay unaware of each other:

* each training run gets a ``HealthMonitor`` whose samples (queued to the UI thread) become
  badges on the canvas nodes, and the design it trained is kept beside the run;
* "Compare Runs…" opens the compare view; its restore is one ``RestoreRunCommand`` on the
  undo stack;
* "Diff Against Last Save" / "Diff With Project…" and the compare view's diff open a
  ``DiffDialog``;
* the panel's memory budget is fed from the graph's cached analysis.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QVBoxLayout

from studio.checks.sizes import param_sizes
from studio.graph import Graph
from studio.graph.diff import diff_graphs
from studio.training.compare import save_run_graph
from studio.training.health import HealthMonitor, HealthSample
from studio.training.memory import DeviceMemory, MemoryEstimate, estimate_for_settings
from widgets.canvas.diff_overlay import DiffDialog
from widgets.canvas.health_badge import show_health
from widgets.common.model_service import snapshot
from widgets.training.compare_view import CompareView, RestoreRunCommand

if TYPE_CHECKING:
    from widgets.app.workbench import Workbench

log = logging.getLogger(__name__)


class DiagnoseTools(QObject):
    """``healthSampled`` carries each ``HealthSample`` from the training thread."""

    healthSampled = Signal(object)

    def __init__(self, bench: Workbench) -> None:
        super().__init__(bench)
        self.bench = bench
        self.window = bench.window
        self.panel = bench.training_panel
        self.health_enabled = True
        self.last_health: HealthSample | None = None
        self.monitor: HealthMonitor | None = None
        self._training_graph: Graph | None = None
        self.compare_dialog: QDialog | None = None
        self.compare_view: CompareView | None = None
        self.diff_dialog: DiffDialog | None = None
        self.healthSampled.connect(self._show_health)
        self.panel.trainerCreated.connect(self._trainer_created)
        self.panel.trainingFinished.connect(self._training_finished)
        self.panel.memory_budget.set_source(self.memory_estimate)
        self.window.scene.analysisChanged.connect(lambda _analysis: self.refresh_budget())
        self.window.projectChanged.connect(self._project_changed)
        self._add_actions()
        self.refresh_budget()

    # ----- menu -------------------------------------------------------------------------------
    def _add_actions(self) -> None:
        w = self.window
        menu = next(a.menu() for a in w.menuBar().actions() if a.menu() and a.text() == "&Model")
        menu.addSeparator()
        self.compare_action = w._action("&Compare Runs…", self.open_compare)
        self.diff_saved_action = w._action("&Diff Against Last Save", self.diff_against_saved)
        self.diff_project_action = w._action("Diff &With Project…", self.diff_with_project_dialog)
        self.health_action = QAction("Training &Health on Canvas", w)
        self.health_action.setCheckable(True)
        self.health_action.setChecked(True)
        self.health_action.toggled.connect(self.set_health_enabled)
        for action in (
            self.compare_action,
            self.diff_saved_action,
            self.diff_project_action,
            self.health_action,
        ):
            menu.addAction(action)

    # ----- memory budget ------------------------------------------------------------------------
    def memory_estimate(self, settings: Any, device: DeviceMemory) -> MemoryEstimate | None:
        analysis = self.window.scene.analysis
        if analysis is None or not analysis.ok or not len(self.window.graph):
            return None
        return estimate_for_settings(self.window.graph, settings, analysis=analysis, device=device)

    def refresh_budget(self) -> None:
        try:
            settings = self.panel.settings()
        except Exception:  # noqa: BLE001 - a field that does not parse shows its own message
            log.debug("no settings for the memory budget", exc_info=True)
            return
        self.panel.memory_budget.refresh(settings)

    def _project_changed(self, _project: Any) -> None:
        show_health(self.window.scene, None)
        self.last_health = None
        if self.compare_view is not None:
            self.compare_view.set_runs_folder(self._runs_folder())
        self.refresh_budget()

    # ----- training health ----------------------------------------------------------------------
    def set_health_enabled(self, enabled: bool) -> None:
        self.health_enabled = enabled
        if not enabled:
            show_health(self.window.scene, None)

    def _trainer_created(self, trainer: Any, dataset: Any) -> None:
        """Runs on the UI thread just before the trainer starts."""
        self._training_graph = snapshot(self.window.graph)  # milliseconds, not a serialising copy
        self.monitor = None
        show_health(self.window.scene, None)
        if not self.health_enabled or getattr(dataset, "y_train", None) is None:
            return
        try:
            self.monitor = HealthMonitor(
                dataset.x_train, dataset.y_train, on_sample=self.healthSampled.emit
            )
        except (TypeError, ValueError, IndexError):  # data it cannot slice: train without
            log.debug("no health monitor for this dataset", exc_info=True)
            return
        trainer.engine.extra_callbacks.append(self.monitor)

    def _show_health(self, sample: HealthSample) -> None:
        if not shiboken6.isValid(self.window.scene) or not self.health_enabled:
            return
        self.last_health = sample
        show_health(self.window.scene, sample)

    def _training_finished(self, result: Any, _model: Any) -> None:
        graph = self._training_graph
        self._training_graph = None
        store = self.bench._run_store()
        if graph is None or store is None:
            return
        # Written on a worker: serialising a big design is tens of milliseconds, at the
        # moment the panels redraw for the finished run.
        self.window.jobs.run(
            _keep_run_graph, store, result.record.id, graph, on_done=self._run_graph_kept
        )

    def _run_graph_kept(self, _outcome: Any) -> None:
        if self.compare_view is not None and shiboken6.isValid(self.compare_view):
            self.compare_view.reload()

    # ----- comparing runs -----------------------------------------------------------------------
    def _runs_folder(self) -> Path | None:
        store = self.bench._run_store()
        return store.folder if store is not None else None

    def open_compare(self) -> CompareView:
        if self.compare_dialog is None:
            dialog = QDialog(self.window)
            dialog.setWindowTitle("Compare runs")
            dialog.resize(1000, 620)
            view = CompareView(lambda: self.window.graph, dialog, jobs=self.window.jobs)
            QVBoxLayout(dialog).addWidget(view)
            view.restoreReady.connect(self.apply_restore)
            view.diffRequested.connect(self.show_diff)
            view.message.connect(lambda text: self.window.statusBar().showMessage(text, 8000))
            self.compare_dialog, self.compare_view = dialog, view
        assert self.compare_view is not None
        self.compare_view.set_runs_folder(self._runs_folder())
        self.compare_dialog.show()
        self.compare_dialog.raise_()
        return self.compare_view

    def apply_restore(self, plan: Any) -> None:
        command = RestoreRunCommand(self.window.project, self.window.graph, plan, self._restored)
        self.window.stack.push(command)
        self.window.statusBar().showMessage(plan.message, 8000)

    def _restored(self) -> None:
        """After a restore (or its undo): the panel shows the project's settings again and the
        next model is built with the graph's (restored) weights."""
        self.bench._field_undone("training")
        self.bench._model = None
        self.bench.inspect_panel.set_model(None)
        self.refresh_budget()

    # ----- architecture diff --------------------------------------------------------------------
    def show_diff(self, a: Graph, b: Graph, name_a: str, name_b: str) -> DiffDialog:
        diff = diff_graphs(a, b, name_a, name_b, sizes=param_sizes)
        if self.diff_dialog is not None and shiboken6.isValid(self.diff_dialog):
            self.diff_dialog.close()
        self.diff_dialog = DiffDialog(diff, a, b, self.window)
        self.diff_dialog.show()
        return self.diff_dialog

    def diff_against_saved(self) -> DiffDialog | None:
        from studio.project import Project, ProjectError

        path = self.window.project.path
        if path is None or not Path(path).exists():
            self.window.statusBar().showMessage("The project has not been saved yet.", 6000)
            return None
        try:
            saved = Project.load(path).graph
        except ProjectError as exc:
            self.window.statusBar().showMessage(str(exc), 8000)
            return None
        return self.show_diff(saved, self.window.graph, f"{Path(path).name} (saved)", "now")

    def diff_with_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Diff with project", "", "Model Studio project (*.studio.json)"
        )
        if path:
            self.diff_with_project(path)

    def diff_with_project(self, path: str | Path) -> DiffDialog | None:
        from studio.project import Project, ProjectError

        try:
            other = Project.load(path).graph
        except ProjectError as exc:
            self.window.statusBar().showMessage(str(exc), 8000)
            return None
        return self.show_diff(other, self.window.graph, Path(path).name, "this project")


def _keep_run_graph(store: Any, run_id: str, graph: Graph) -> None:
    """Worker side: the design beside its run; a failure only costs the comparison."""
    try:
        save_run_graph(store, run_id, graph)
    except OSError:
        log.debug("could not keep the design with run %s", run_id, exc_info=True)
