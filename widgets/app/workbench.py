"""The whole app: the editor window plus the dataset, training, inspect and code panels.

The editor window knows nothing of training or datasets; this module docks those panels into
it and keeps them following the open project: the dataset and training settings live in the
project (changed through undoable commands), a finished run's weights go back to the graph,
and selecting a node or an edge on the canvas shows that layer in the inspect views.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPainter
from PySide6.QtWidgets import QFileDialog, QGraphicsItem, QMessageBox

from studio.data import Dataset, DatasetRef, apply_fix
from studio.gallery.templates import apply_pretrained
from studio.graph import Graph
from studio.project import Project
from studio.training.engine import compile_as_trained
from studio.training.modes import get_mode
from studio.training.modes.session import checks_targets
from studio.training.preflight import check_model_data, model_fix
from studio.training.runs import RunStore, copy_runs, move_runs
from studio.training.settings import TrainingError, TrainingSettings
from widgets.app.gallery_dialog import GalleryDialog
from widgets.app.main_window import MainWindow
from widgets.code.view import CodeView
from widgets.common.breathing import Breather, off_ui_thread, start_heartbeat, ui_busy
from widgets.common.commands import ProjectFieldCommand, WeightsCommand
from widgets.common.idle_gc import start_idle_collector
from widgets.common.jobs import JobFailed, work_in_flight
from widgets.common.model_service import snapshot as graph_snapshot
from widgets.data.panel import DatasetPanel
from widgets.inspect.panel import InspectPanel
from widgets.training.diagnose import DiagnoseTools
from widgets.training.panel import TrainingPanel
from widgets.tuning.dock import install_search

EXPORT_FILTERS: dict[str, str] = {
    "keras": "Keras model (*.keras)",
    "h5": "HDF5 model (*.h5)",
    "json": "Architecture JSON (*.json)",
    "python": "Python script (*.py)",
    "savedmodel": "TensorFlow SavedModel (folder) (*)",
    "onnx": "ONNX model (*.onnx)",
    "tflite": "LiteRT / TFLite model (*.tflite)",
}

FOLLOW_SLICE_S = 0.01  # UI-thread work per turn while the panels follow a new project
INSPECT_DELAY_MS = 120  # edits come in bursts: compile for the inspect views once

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@dataclass(frozen=True)
class _Trained:
    """The weights a run (or a run's loaded weights) gave the design, at a content revision:
    the in-app model that holds them, or how to prepare the model compiled from them."""

    revision: int
    weights: object
    model: Any = None
    prepare: Callable[[Any], None] | None = None


def _same(a: tuple[int, object] | None, b: tuple[int, object] | None) -> bool:
    """Same content revision and the very same weights mapping (compared by identity:
    comparing two mappings of arrays by value is both slow and ambiguous)."""
    return a is not None and b is not None and a[0] == b[0] and a[1] is b[1]


def with_extension(path: str | Path, fmt: str) -> Path:
    """``path`` ending in the extension of the chosen export type: a name typed without
    one (``model`` for "HDF5 (*.h5)") gets it, instead of failing inside Keras."""
    path = Path(path)
    pattern = EXPORT_FILTERS.get(fmt, "")
    ext = pattern[pattern.rfind("(*") + 2 : -1] if "(*." in pattern else ""
    if ext and path.suffix.lower() != ext.lower():
        path = path.with_name(path.name + ext)
    return path


class Workbench(QObject):
    """Owns the non-editor panels of one main window and the glue between them."""

    exportFinished = Signal(object)  # an ExportReport, or a JobFailed with the reason
    pretrainedFinished = Signal(object)  # studio.gallery.templates.PretrainedResult
    inspectModelChanged = Signal(object)  # the keras.Model the inspect views now show

    def __init__(self, window: MainWindow, scratch_runs: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self._scratch_base = scratch_runs
        self._scratch: Path | None = None  # runs of the current project until it is saved
        self._move_runs_pending = False
        self._following = False  # True while panels are being set from the project
        # What the last run or loaded weights left: see ``_Trained``.
        self._trained: _Trained | None = None
        self._inspect_key: tuple[int, object] | None = None  # what the inspect views show
        self._training_graph: Graph | None = None
        self._dataset: Dataset | None = None
        # Dialog hooks: tests replace them so nothing blocks.
        self.ask_fix: Callable[[str], bool] = self._ask_fix
        self.ask_weights: Callable[[], str] = self._ask_weights
        self.dataset_panel = DatasetPanel()
        self.training_panel = TrainingPanel(
            self._model_for_training, self._dataset_for_training, self._run_store
        )
        self.training_panel.prepare_model = self._prepare_model
        self.inspect_panel = InspectPanel()
        self.code_view = CodeView(window.graph, service=window.models)
        window.add_panel("Dataset", self.dataset_panel, LEFT)
        window.add_panel("Training", self.training_panel, RIGHT)
        window.add_panel("Code", self.code_view, RIGHT)
        # The curves want width: they live beside the inspect views, under the canvas.
        self.plots = self.training_panel.plots
        self.plots.setParent(None)
        window.add_panel("Plots", self.plots, BOTTOM)
        window.add_panel("Inspect", self.inspect_panel, BOTTOM)
        self.inspect_panel.setMinimumHeight(140)  # its views scroll; the canvas needs room
        self.dataset_panel.setMinimumHeight(160)
        self._inspect_timer = QTimer(self)
        self._inspect_timer.setSingleShot(True)
        self._inspect_timer.setInterval(INSPECT_DELAY_MS)
        self._inspect_timer.timeout.connect(self._update_inspect_model)
        self._add_actions()
        self._wire()
        self._follow_project(window.project)
        self.diagnose = DiagnoseTools(self)  # compare runs, diffs, health badges, memory
        self.search = install_search(self)  # the Search (AutoML) panel and its wiring

    # ----- menus ------------------------------------------------------------------------------
    def _add_actions(self) -> None:
        w = self.window
        file_menu = w.menuBar().actions()[0].menu()
        first = file_menu.actions()[1] if len(file_menu.actions()) > 1 else None
        self.new_template_action = w._action(
            "New from &Template…", self.new_from_template, QKeySequence("Ctrl+Shift+N")
        )
        file_menu.insertAction(first, self.new_template_action)
        self.import_code_action = w._action("Import from &Code…", self.import_from_code)
        self.export_action = w._action(
            "&Export Model…", self.export_dialog, QKeySequence("Ctrl+Shift+E")
        )
        self.picture_action = w._action("Export Graph &Picture…", self.picture_dialog)
        quit_action = file_menu.actions()[-1]
        for action in (self.import_code_action, self.export_action, self.picture_action):
            file_menu.insertAction(quit_action, action)
        file_menu.insertSeparator(quit_action)
        model_menu = w.menuBar().addMenu("&Model")
        help_action = w.menuBar().actions()[-2] if len(w.menuBar().actions()) > 1 else None
        if help_action is not None and help_action.text() == "&Help":
            w.menuBar().insertMenu(help_action, model_menu)  # Help stays last
        self.train_action = w._action("&Train", self.training_panel.train, QKeySequence("F5"))
        self.stop_action = w._action(
            "&Stop Training", self.training_panel.stop, QKeySequence("Shift+F5")
        )
        self.stop_action.setEnabled(False)
        for action in (self.train_action, self.stop_action):
            model_menu.addAction(action)

    def _wire(self) -> None:
        w = self.window
        w.projectChanged.connect(self._follow_project)
        w.projectSaved.connect(self._project_saved)
        w.closing.connect(self._window_closing)
        w.selectionChanged.connect(self._selection_changed)
        w.scene.selectionChanged.connect(self._edge_selection)
        w.scene.analysisChanged.connect(self._analysis_changed)
        self.inspect_panel.currentChanged.connect(lambda _index: self.schedule_inspect())
        w.docks["Inspect"].visibilityChanged.connect(
            lambda shown: shown and self.schedule_inspect()
        )
        self.dataset_panel.datasetChanged.connect(self._dataset_chosen)
        self.training_panel.settingsChanged.connect(self._settings_changed)
        self.training_panel.trainingFinished.connect(self._training_finished)
        self.training_panel.weightsLoaded.connect(self._weights_loaded)
        self.training_panel.runningChanged.connect(self._running_changed)
        self.inspect_panel.layerChosen.connect(self._layer_chosen)
        self.code_view.graphImported.connect(self._graph_imported)
        self.exportFinished.connect(self._export_finished)

    def _window_closing(self) -> None:
        """Closing while training: stop the run cleanly (its record is written) instead of
        letting the thread die with the window."""
        trainer = self.training_panel.trainer
        if trainer is not None and trainer.isRunning():
            trainer.stop()
            trainer.wait(120_000)
        self.inspect_panel.runner.shutdown()
        self.code_view.service.runner.shutdown()

    def _running_changed(self, busy: bool) -> None:
        self.train_action.setEnabled(not busy)
        self.stop_action.setEnabled(self.training_panel.is_running())

    # ----- project <-> panels -----------------------------------------------------------------
    def _follow_project(self, project: Project) -> None:
        """Every panel shows the new project and nothing of the previous one.

        What forgets the old project goes first and at once; filling the panels for the new
        one (forms, plots, the dataset) then takes turns of the event loop: done in one
        turn it stalled a NASNet open by 40-90 ms. A result that arrives in between (the
        new project's analysis) is for the new project and is kept."""
        self._following = True
        try:
            self._scratch = None
            self._move_runs_pending = False
            self._trained = None
            self._inspect_key = None
            self._training_graph = None
            self.inspect_panel.summary.set_design(None, None)
            self.inspect_panel.reset()  # and no model until the new one is compiled
            self.code_view.set_graph(project.graph)
            with Breather(slice_s=FOLLOW_SLICE_S) as turn:
                for step in (
                    lambda: self._show_settings(project),
                    self.training_panel.reset,
                    lambda: self._show_dataset(project),
                ):
                    if self.window.project is not project:
                        return  # another project was opened meanwhile: it is followed
                    step()
                    turn.breathe()
                self.inspect_panel.set_dataset(self.dataset_panel.dataset())
        finally:
            self._following = False
        self.schedule_inspect()

    def _show_settings(self, project: Project) -> None:
        try:
            self.training_panel.set_settings(TrainingSettings.from_dict(project.training))
        except TrainingError as exc:
            self.training_panel.show_message(str(exc))

    def _show_dataset(self, project: Project) -> None:
        if project.dataset:
            self.dataset_panel.set_ref(DatasetRef.from_dict(project.dataset))
        else:
            self.dataset_panel.clear()
            self._dataset = None

    def _push_field(self, field: str, value: Any, text: str) -> None:
        if self._following or getattr(self.window.project, field) == value:
            return
        self.window.stack.push(
            ProjectFieldCommand(self.window.project, field, value, text, self._field_undone)
        )

    def _field_undone(self, field: str) -> None:
        """After undo/redo of a settings change, show the restored value in its panel."""
        if self._following:
            return
        self._following = True
        try:
            project = self.window.project
            if field == "training":
                self.training_panel.set_settings(TrainingSettings.from_dict(project.training))
            elif field == "dataset" and project.dataset:
                self.dataset_panel.set_ref(DatasetRef.from_dict(project.dataset))
        finally:
            self._following = False

    def _dataset_chosen(self, ref: DatasetRef) -> None:
        self._dataset = self.dataset_panel.dataset()
        self.inspect_panel.set_dataset(self._dataset)
        current = self.window.project.dataset
        if current and DatasetRef.from_dict(current) == ref:
            return  # the project's own dataset finished loading: nothing was edited
        self._push_field("dataset", ref.to_dict(), f"Use dataset {ref.label}")

    def _settings_changed(self, settings: TrainingSettings) -> None:
        self._push_field("training", settings.to_dict(), "Change training settings")

    # ----- training ---------------------------------------------------------------------------
    def _compiled(self, with_weights: bool = True):
        return self.window.models.compile_now(self.window.graph, with_weights=with_weights)

    def _model_for_training(self):
        """Compile the graph here and now and check the data fits it, offering the obvious
        fix. The app trains through ``_prepare_model`` instead, which compiles off the UI
        thread; this stays for scripts and tests that want the model at once."""
        dataset = self.dataset_panel.dataset()
        if dataset is None:
            raise ValueError("Choose a dataset in the Dataset panel first.")
        model = self._compiled()
        settings = self.training_panel.settings()
        mode = get_mode(settings.mode)
        if mode is not None and hasattr(mode, "check"):  # GAN, VAE: their own fit check
            problems = mode.check(model, dataset)
            if problems:
                raise ValueError(problems[0])
            self._dataset = dataset
            return model
        loss = settings.loss.name
        for _ in range(3):  # each accepted fix can reveal the next mismatch
            # Modes that learn without targets (SOM, DQN) skip the targets check.
            problems = (
                check_model_data(model, dataset, loss) if checks_targets(settings.mode) else []
            )
            if not problems:
                break
            problem = problems[0]
            if problem.fix is None or not self.ask_fix(
                f"{problem.message}.\n\nFix: {problem.fix.description}?"
            ):
                raise ValueError("; ".join(p.message for p in problems))
            if problem.fix.on_data:
                dataset = apply_fix(dataset, problem.fix)
            else:
                self._fix_model(problem.fix.id, problem.fix.params)
                model = self._compiled()
        self._dataset = dataset
        return model

    def _prepare_model(self, done: Callable[[Any], None], purpose: str) -> None:
        """Build the model to train (or to load a run's weights into) on the worker thread;
        ``done`` gets the model or a sentence saying why there is none. A model that already
        holds weights asks whether to continue from them or start from fresh ones."""
        dataset = self.dataset_panel.dataset()
        if dataset is None:
            done("Choose a dataset in the Dataset panel first.")
            return
        if not self.window.analysis_current():
            analysis = self.window.scene.refresh_analysis()
        else:
            analysis = self.window.scene.analysis
        if analysis is not None and not analysis.ok:
            done(f"The model has problems to fix first: {analysis.errors[0].message}.")
            return
        with_weights = True
        graph = self.window.graph
        if purpose == "train" and graph.weights:
            answer = self.ask_weights()
            if answer == "cancel":
                done("Training not started.")
                return
            with_weights = answer == "continue"
        self._training_graph = graph if purpose == "train" else None
        self._build_for(done, purpose, dataset, with_weights, attempt=0)

    def _build_for(
        self,
        done: Callable[[Any], None],
        purpose: str,
        dataset: Dataset,
        with_weights: bool,
        attempt: int,
    ) -> None:
        graph = self.window.graph
        self.window.statusBar().showMessage("Building the model…")
        # Training reads the shared model (its checks, the design the Keras process compiles
        # for the run) and leaves it as it is; loading a run's weights changes them in place.
        self.window.models.request_model(
            graph,
            lambda outcome: self._built(done, purpose, dataset, with_weights, attempt, outcome),
            with_weights=with_weights,
            cached=purpose == "train",
            key=f"build-{purpose}",
        )

    def _built(
        self,
        done: Callable[[Any], None],
        purpose: str,
        dataset: Dataset,
        with_weights: bool,
        attempt: int,
        outcome: Any,
    ) -> None:
        self.window.statusBar().clearMessage()
        if isinstance(outcome, JobFailed):
            done(f"The model could not be built: {outcome.message}")
            return
        model = outcome
        if purpose != "train":
            done(model)
            return
        settings = self.training_panel.settings()
        mode = get_mode(settings.mode)
        if mode is not None and hasattr(mode, "check"):  # GAN, VAE: their own model/data fit
            mode_problems = mode.check(model, dataset)
            if mode_problems:
                done(mode_problems[0])
                return
        if (mode is not None and hasattr(mode, "check")) or not checks_targets(settings.mode):
            self._dataset = dataset  # SOM, DQN learn without targets: nothing to compare
            done(model)
            return
        loss = settings.loss.name
        for _ in range(3):  # each accepted fix can reveal the next mismatch
            problems = check_model_data(model, dataset, loss)
            if not problems:
                self._dataset = dataset
                done(model)
                return
            problem = problems[0]
            if problem.fix is None or not self.ask_fix(
                f"{problem.message}.\n\nFix: {problem.fix.description}?"
            ):
                done("; ".join(p.message for p in problems))
                return
            if not problem.fix.on_data:
                break
            dataset = apply_fix(dataset, problem.fix)
        else:
            done("; ".join(p.message for p in problems))
            return
        if attempt >= 3:
            done("; ".join(p.message for p in problems))
            return
        try:
            self._fix_model(problem.fix.id, problem.fix.params)
        except ValueError as exc:
            done(str(exc))
            return
        self._build_for(done, purpose, dataset, with_weights, attempt + 1)

    def _fix_model(self, fix_id: str, params: dict[str, Any]) -> None:
        settings = self.training_panel.settings()
        op, fixed = model_fix(self.window.graph, settings, fix_id, params)
        if op is not None:
            self.window.editor.push(op, "Fix model for the dataset")
        elif fixed != settings:
            self.training_panel.set_settings(fixed)
            self._settings_changed(self.training_panel.settings())

    def _dataset_for_training(self) -> Dataset:
        if self._dataset is None:
            raise ValueError("Choose a dataset in the Dataset panel first.")
        return self._dataset

    def _run_store(self) -> RunStore | None:
        """The project's ``NAME.runs/`` once saved; before that a temporary folder of this
        project alone, whose runs move beside the project on its first save."""
        project = self.window.project
        if project.runs_dir is not None:
            return RunStore(project.runs_dir)
        if self._scratch is None:
            import tempfile
            import uuid

            base = Path(self._scratch_base or tempfile.gettempdir())
            self._scratch = base / f"model-studio-runs-{uuid.uuid4().hex[:10]}"
        return RunStore(self._scratch)

    def _project_saved(self, project: Project, previous: Path | None) -> None:
        """Runs follow the project file: out of the temporary folder on the first save,
        copied along on Save As."""
        if project is not self.window.project or project.runs_dir is None:
            return
        if self.training_panel.is_running():
            self._move_runs_pending = previous is None
            return
        try:
            if previous is None and self._scratch is not None:
                move_runs(self._scratch, project.runs_dir)
                self._scratch = None
            elif previous is not None and Project.runs_dir_for(previous) != project.runs_dir:
                copy_runs(Project.runs_dir_for(previous), project.runs_dir)
        except OSError as exc:
            from widgets.app.main_window import os_error_sentence

            self.window.tell(
                "Runs not moved", os_error_sentence("move the runs to", project.runs_dir, exc)
            )
        self.training_panel.refresh_runs()

    def _training_finished(self, result: Any, model: Any) -> None:
        graph, self._training_graph = self._training_graph, None
        if self._move_runs_pending:
            self._move_runs_pending = False
            self._project_saved(self.window.project, None)
        if model is None or result.status == "failed":
            return
        if graph is not None and graph is not self.window.graph:
            return  # another project was opened meanwhile: these weights are not its own
        if result.node_weights is not None:  # trained from the design; the model is as it was
            self._keep_trained(result.node_weights)
            return
        self._keep_weights(model, "Keep trained weights")

    def _keep_trained(self, node_weights: dict[str, Any]) -> None:
        """The run's weights become the graph's (one undoable edit). The inspect views
        compile the trained design when they need it, with the run's loss and metrics so
        Evaluation reports them."""
        graph = self.window.graph
        kept = {nid: values for nid, values in node_weights.items() if nid in graph}
        new = {**graph.weights, **kept}
        self.window.stack.push(
            WeightsCommand(graph, new, "Keep trained weights", self.schedule_inspect)
        )
        settings = self.training_panel.settings()
        self._trained = _Trained(
            self.window.models.content_revision(graph),
            new,
            prepare=lambda model: compile_as_trained(model, settings),
        )

    def _weights_loaded(self, model: Any) -> None:
        self._keep_weights(model, "Load run weights")

    def _keep_weights(self, model: Any, text: str) -> None:
        """The model's weights become the graph's, as one undoable edit (the title shows
        the change, the save prompt and autosave cover it). Reading them is Keras work (every
        variable of NASNetMobile's 771 layers): a worker does it while the window draws."""
        from studio.compile.compiler import model_weights_for

        graph = self.window.graph
        new = {**graph.weights, **off_ui_thread(model_weights_for, graph, model)}
        if graph is not self.window.graph:
            return  # another project was opened meanwhile
        self.window.stack.push(WeightsCommand(graph, new, text, self.schedule_inspect))
        self._trained = _Trained(self.window.models.content_revision(graph), new, model=model)
        self.window.statusBar().showMessage("Trained weights are kept with the model", 5000)
        self.schedule_inspect()

    def _ask_weights(self) -> str:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Train again",
            "This model already holds weights (from an earlier run, a loaded run or a "
            "pretrained backbone). Continue training from them, or start from fresh weights?",
            parent=self.window,
        )
        keep = box.addButton("Continue from these weights", QMessageBox.ButtonRole.AcceptRole)
        fresh = box.addButton("Start from fresh weights", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is keep:
            return "continue"
        if box.clickedButton() is fresh:
            return "fresh"
        return "cancel"

    # ----- inspect follows the document -------------------------------------------------------
    def schedule_inspect(self) -> None:
        """Bring the inspect views to the current design soon (edits come in bursts)."""
        if shiboken6.isValid(self._inspect_timer):
            self._inspect_timer.start()

    def _analysis_changed(self, analysis: Any) -> None:
        graph = self.window.graph
        if analysis is not None and analysis.revision == graph.revision:
            self.inspect_panel.summary.set_design(graph, analysis)
        self.schedule_inspect()

    def _design_shown(self) -> bool:
        """The shown Inspect tab draws the design alone (Summary, given an analysis)."""
        view = self.inspect_panel.currentWidget()
        return (
            not getattr(view, "needs_model", True) and self.inspect_panel.summary.design is not None
        )

    def inspect_current(self) -> bool:
        """Whether the inspect views show the graph as it is now: the shown tab, and for the
        tabs that draw a compiled model, that model."""
        graph = self.window.graph
        if self._design_shown():
            summary = self.inspect_panel.summary
            return summary.design_revision == graph.revision and summary.design_current()
        return _same(self._inspect_key, (self.window.models.content_revision(graph), graph.weights))

    def _update_inspect_model(self) -> None:
        """Compile the current design for the inspect views on the worker (cached by content
        and weights, so moves and selections cost nothing); an outdated result is dropped.
        While the shown tab draws from the design alone (Summary), nothing is compiled: a large
        model takes seconds, and the other tabs ask when they are shown."""
        if not self.window.docks["Inspect"].isVisible():
            return  # caught up when the dock is shown
        graph = self.window.graph
        key = (self.window.models.content_revision(graph), graph.weights)
        if _same(key, self._inspect_key):
            return
        if self._design_shown():
            return  # caught up when a tab that needs the model is shown
        analysis = self.window.scene.analysis
        if analysis is None or analysis.revision != graph.revision:
            return  # the analysis will arrive and ask again
        if not analysis.ok:
            self._show_inspect_model(key, None)
            return
        trained = self._trained
        prepare = None
        if trained is not None and _same((trained.revision, trained.weights), key):
            if trained.model is not None:
                self._show_inspect_model(key, trained.model)
                return
            prepare = trained.prepare  # the trained design, compiled as the run compiled it
        self.window.models.request_model(
            graph,
            lambda outcome: self._inspect_model_built(graph, key, outcome),
            key="inspect",
            prepare=prepare,
        )

    def _inspect_model_built(self, graph: Graph, key: tuple[int, object], outcome: Any) -> None:
        if graph is not self.window.graph:
            return
        if not _same(key, (self.window.models.content_revision(graph), graph.weights)):
            return  # the design changed while it compiled: a newer request follows
        self._show_inspect_model(key, None if isinstance(outcome, JobFailed) else outcome)

    def _show_inspect_model(self, key: tuple[int, object], model: Any) -> None:
        self._inspect_key = key
        self.inspect_panel.set_dataset(self._dataset or self.dataset_panel.dataset())
        self.inspect_panel.set_model(model)
        self.inspectModelChanged.emit(model)

    def _show_layer(self, name: str) -> None:
        self.inspect_panel.set_layer(name)

    def _selection_changed(self, ids: list[str]) -> None:
        self.code_view.set_selected(ids)
        if len(ids) == 1 and ids[0] in self.window.graph:
            self._show_layer(self.window.graph.node(ids[0]).name)

    def _edge_selection(self) -> None:
        if not shiboken6.isValid(self.window.scene):  # the scene signals while being deleted
            return
        edges = self.window.scene.selected_edges()
        if len(edges) == 1 and not self.window.selected_node_ids():
            self._show_layer(self.window.graph.node(edges[0].src).name)

    def _layer_chosen(self, name: str) -> None:
        node = self.window.graph.node_by_name(name)
        if node is not None and self.window.selected_node_ids() != [node.id]:
            self.window.reveal_node(node.id)

    # ----- files ------------------------------------------------------------------------------
    def new_from_template(self) -> None:
        dialog = GalleryDialog(self.window)
        if dialog.exec() and dialog.project() is not None and self.window.maybe_save():
            self.open_template_project(dialog.project())

    def open_template_project(self, project: Project) -> None:
        """Open a template; one with a pretrained backbone fetches its weights in the
        background (downloaded once, then cached), and says so when offline."""
        self.window.set_project(project)
        if isinstance(project.metadata.get("pretrained"), dict):
            from studio.gallery.templates import fetch_pretrained, snapshot

            self.window.statusBar().showMessage("Fetching pretrained weights…")
            self.window.jobs.run(
                fetch_pretrained,
                snapshot(project),
                on_done=lambda result: self._pretrained(project, result),
            )

    def _pretrained(self, project: Project, result: Any) -> None:
        note = result.message if isinstance(result, JobFailed) else result.note
        self.window.statusBar().showMessage(note, 15000)
        if (
            project is self.window.project
            and not isinstance(result, JobFailed)
            and apply_pretrained(project, result)
        ):
            self.window.scene.refresh_analysis()
        self.pretrainedFinished.emit(result)

    def import_from_code(self) -> None:
        self.code_view.open_import_dialog()

    def _graph_imported(self, graph: Graph) -> None:
        if not self.window.maybe_save():
            return
        self.window.set_project(Project(graph=graph))

    def export_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self.window, "Export model", "", ";;".join(EXPORT_FILTERS.values())
        )
        if path:
            fmt = next((k for k, v in EXPORT_FILTERS.items() if v == chosen), "keras")
            self.export_to(fmt, with_extension(path, fmt))

    def export_to(self, fmt: str, path: str | Path) -> None:
        """Export off the UI thread; ``exportFinished`` carries the report or the error."""
        self.window.statusBar().showMessage(f"Exporting {fmt} to {path}…")
        self.export_action.setEnabled(False)
        from studio.interop.child_process import export_in_child

        # A private copy of the graph: edits made meanwhile cannot race with the export (a
        # snapshot shares the frozen records; a serialising copy took 16 ms of this thread
        # for NASNetMobile). It runs in a separate process: Keras holds the interpreter lock
        # while it builds and saves a big model, which froze this window for 1.8 s.
        self.window.jobs.run(
            export_in_child,
            graph_snapshot(self.window.graph),
            fmt,
            Path(path),
            on_done=self.exportFinished.emit,
        )

    def _export_finished(self, outcome: Any) -> None:
        self.export_action.setEnabled(True)
        if isinstance(outcome, JobFailed):
            message = f"Export failed: {outcome.message}"
            self.window.statusBar().showMessage(message, 10000)
            self._tell("Export failed", message)
            return
        check = "verified" if outcome.verified else f"not verified: {outcome.message}"
        self.window.statusBar().showMessage(f"Exported {outcome.path} ({check})", 10000)

    def picture_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export graph picture", "", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            try:
                self.export_picture(path)
            except OSError as exc:
                self._tell("Cannot save the picture", str(exc))

    def export_picture(self, path: str | Path) -> Path:
        """The whole graph as PNG or SVG, drawn by the canvas itself."""
        path = Path(path)
        scene = self.window.scene
        # Cached items would be pasted in as bitmaps: draw them afresh, as vectors in SVG.
        modes = [(item, item.cacheMode()) for item in scene.items()]
        for item, _mode in modes:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        try:
            self._render_picture(scene, path)
        finally:
            for item, mode in modes:
                item.setCacheMode(mode)
        self.window.statusBar().showMessage(f"Saved the graph as {path}", 5000)
        return path

    def _render_picture(self, scene: Any, path: Path) -> None:
        rect = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        size = QSize(max(1, int(rect.width())), max(1, int(rect.height())))
        if path.suffix.lower() == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(size)
            generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
            generator.setTitle(self.window.graph.name)
            painter = QPainter(generator)
            scene.render(painter, QRectF(0, 0, size.width(), size.height()), rect)
            painter.end()
        else:
            image = QImage(size * 2, QImage.Format.Format_ARGB32)
            image.fill(scene.backgroundBrush().color())
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            scene.render(painter, QRectF(0, 0, size.width() * 2, size.height() * 2), rect)
            painter.end()
            if not image.save(str(path)):
                raise OSError(f"could not write {path}")

    def _tell(self, title: str, text: str) -> None:
        """A warning that does not block: the work that failed ran off the UI thread, and the
        user may be in the middle of something else."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _ask_fix(self, text: str) -> bool:
        answer = QMessageBox.question(self.window, "Data and model do not fit", text)
        return answer == QMessageBox.StandardButton.Yes


UI_SWITCH_INTERVAL_S = 0.0005
_FROZEN = False  # the startup objects were moved out of the collector's sight


def build_app_window(**kwargs: Any) -> tuple[MainWindow, Workbench]:
    """The main window with every panel docked; ``kwargs`` go to ``MainWindow``.

    The interpreter is told to hand its lock between threads every 0.5 ms instead of 5 ms.
    Work on the UI thread is many short Python calls from Qt (paint, data, bounding boxes),
    and each one waits for the lock while a worker generates code or compiles; at 5 ms a wait,
    2,500 such calls froze the window for seconds. The workers lose a few per cent.

    Once the window is built, everything alive (about 570,000 objects: TensorFlow, Keras, Qt
    and the app's own modules, none of which ever becomes garbage) is moved out of the cyclic
    garbage collector's sight. A full collection walked them all holding the lock, 330 ms
    measured, on whichever thread happened to allocate; later ones walk only what the user's
    models add, and only while the app is quiet (``widgets.common.idle_gc``). Once per
    process: what a later window leaves behind must stay collectable.

    The UI thread's heartbeat starts here too: long jobs pause for a moment when it is late
    (``widgets.common.breathing.give_way``)."""
    global _FROZEN
    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    start_heartbeat()  # long jobs give way to the UI thread when it waits (``give_way``)
    window = MainWindow(**kwargs)
    workbench = Workbench(window)
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()
        start_idle_collector(lambda: ui_busy() or work_in_flight() > 0)
    return window, workbench
