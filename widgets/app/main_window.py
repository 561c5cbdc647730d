"""The main window: the canvas in the centre, palette, inspector and issues docked around it,
menus and a toolbar for file, edit and view commands.

The window owns the open ``Project`` and wires the views to one ``GraphEditor`` (so every edit
lands on one undo stack). Other panels (dataset, training, plots, inspection) dock in with
``add_panel`` and follow the window through ``projectChanged`` and ``selectionChanged``.
"""

from __future__ import annotations

import errno
import logging
import zlib
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCompleter,
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QWidget,
)

from studio.checks import Analyzer
from studio.common.paths import resource
from studio.graph import Graph
from studio.graph.layout import DIRECTIONS
from studio.project import Project, ProjectError, clipboard
from widgets.app import issue_fixes
from widgets.app.autosave import (
    DEFAULT_DELAY_MS,
    Autosaver,
    load_recovery,
    pending_recoveries,
    pending_recovery,
    set_aside,
)
from widgets.app.help_menu import add_help_menu
from widgets.app.issues_panel import IssuesPanel
from widgets.canvas import context_menu
from widgets.canvas.editor import NEXT_STEP, GraphEditor
from widgets.canvas.node_item import HEIGHT, WIDTH
from widgets.canvas.palette import Palette
from widgets.canvas.scene import GraphScene, format_count
from widgets.canvas.view import GraphView
from widgets.common.breathing import Breather, off_ui_thread
from widgets.common.jobs import JobFailed, JobRunner
from widgets.common.model_service import ModelService
from widgets.common.theme import apply_theme
from widgets.inspector import Inspector

log = logging.getLogger(__name__)

EXAMPLE = resource("examples", "starter_cnn.studio.json")
MAX_RECENT = 8
PANEL_MIN_HEIGHT = 240  # a panel needing more scrolls inside its dock
FILE_FILTER = "Model Studio projects (*.studio.json);;All files (*)"


def _import_model() -> Callable | None:
    try:
        from studio.interop.importer import import_model
    except ImportError:
        return None
    return import_model


def _import_and_check(
    import_model: Callable, path: str, expand_nested: bool, trust: bool
) -> tuple[object, Analyzer]:
    """Worker-thread part of an import: read the file (the importer lays it out) and run the
    first (slowest) analysis, so the UI thread only builds the scene."""
    result = import_model(path, expand_nested=expand_nested, trust=trust)
    analyzer = Analyzer(result.graph)
    analyzer.analysis()
    return result, analyzer


def os_error_sentence(action: str, path: Path | str, exc: OSError) -> str:
    """One sentence for a failed file operation: which file, and why, in the user's words."""
    reasons = {
        errno.EACCES: "permission denied (the folder or file is read-only)",
        errno.EPERM: "the operating system does not allow it",
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the disk is read-only",
        errno.ENOENT: "the folder does not exist",
        errno.EDQUOT: "the disk quota is exceeded",
    }
    reason = reasons.get(exc.errno or 0) or (exc.strerror or str(exc) or type(exc).__name__)
    return f"Could not {action} {path}: {reason}."


def problem_sentence(path: Path | str, exc: BaseException) -> str:
    """A project that cannot be opened, as one sentence (never a traceback)."""
    if isinstance(exc, OSError):
        return os_error_sentence("open", path, exc)
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ProjectError):
        return text if text.endswith(".") else text + "."
    return f"Could not open {path}: {text}."


class MainWindow(QMainWindow):
    selectionChanged = Signal(list)
    projectChanged = Signal(object)
    projectSaved = Signal(object, object)  # the Project, the path it had before (or None)
    closing = Signal()  # the user confirmed closing: panels finish their work
    importFinished = Signal(bool, str)  # succeeded, what the status bar says

    def __init__(
        self,
        settings: QSettings | None = None,
        recovery_dir: Path | None = None,
        autosave_ms: int = DEFAULT_DELAY_MS,
    ) -> None:
        super().__init__()
        self.settings = settings or QSettings("Model Studio", "Model Studio")
        self.project = Project(graph=Graph())
        self.editor = GraphEditor(self.project.graph, parent=self)
        self.stack = self.editor.stack
        # Analysis, compiling and code generation run here, off the UI thread.
        self.models = ModelService(self)
        self.scene = GraphScene(self.editor, parent=self, service=self.models)
        self.view = GraphView(self.scene, self)
        self.setCentralWidget(self.view)
        self.palette = Palette()
        self.inspector = Inspector(self.editor, lambda: self.scene.analysis)
        self.issues = IssuesPanel()
        self.docks: dict[str, QDockWidget] = {}
        self._pending_tabs: list[tuple[QDockWidget, QDockWidget]] = []
        self._shown_once = False
        self.add_panel("Layers", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.add_panel("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_panel("Issues", self.issues, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.autosaver = Autosaver(
            lambda: self.project, self.stack, recovery_dir, autosave_ms, self
        )
        self.params_label = QLabel("")
        self.jobs = JobRunner(self)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # "working", for jobs that cannot say how far they are
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.jobs.busyChanged.connect(self.busy.setVisible)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.params_label)
        # Dialog hooks: tests replace them so nothing blocks.
        self.ask_save_changes: Callable[[], str] = self._ask_save_changes
        # ask_restore answers True (restore), False (discard) or None (decide later).
        self.ask_restore: Callable[[Path], bool | None] = self._ask_restore
        self.ask_trust: Callable[[Path, str], bool] = self._ask_trust
        self.tell: Callable[[str, str], None] = self._tell
        self._build_actions()
        self._wire()
        self.theme_name = str(self.settings.value("theme", "light"))
        self.set_theme(self.theme_name)
        self._restore_window()
        self._update_title()

    # ----- what other panels use ------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self.project.graph

    @property
    def analyzer(self) -> Analyzer:
        return self.scene.analyzer

    def add_panel(
        self,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        """Dock a panel; panels sharing an area are tabbed. Its toggle goes in View."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        if widget.minimumSizeHint().height() > PANEL_MIN_HEIGHT:
            # A tall panel scrolls inside its dock: docks tabbed together need the tallest
            # one's minimum, and the training panel's 640 px made the window 1,670 px tall,
            # past the bottom of a laptop screen.
            scroll = QScrollArea()
            scroll.setObjectName(f"scroll_{dock.objectName()}")
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(widget)
            dock.setWidget(scroll)
        else:
            dock.setWidget(widget)
        existing = [d for d in self.docks.values() if self.dockWidgetArea(d) == area]
        self.addDockWidget(area, dock)
        if existing:
            # Qt leaves stale, visible tab bars behind when docks are tabified before the
            # window is first shown, so tabbing waits for the first show.
            if self.isVisible():
                self.tabifyDockWidget(existing[-1], dock)
            else:
                self._pending_tabs.append((existing[-1], dock))
        self.docks[title] = dock
        if hasattr(self, "panels_menu"):
            self.panels_menu.addAction(dock.toggleViewAction())
        return dock

    def selected_node_ids(self) -> list[str]:
        return self.scene.selected_node_ids()

    # ----- actions ---------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text.replace("&", ""))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self.actions_by_name = {}
        a["new"] = self._action("&New", self.new_project, K.New)
        a["open"] = self._action("&Open…", self.open_dialog, K.Open)
        a["save"] = self._action("&Save", self.save, K.Save)
        a["save_as"] = self._action("Save &As…", self.save_as_dialog, K.SaveAs)
        a["import"] = self._action("&Import Keras model…", self.import_dialog)
        a["import"].setEnabled(_import_model() is not None)
        a["expand_nested"] = self._action("Expand Nested Models on Import", lambda: None)
        a["expand_nested"].setCheckable(True)
        a["expand_nested"].setChecked(self.settings.value("expand_nested", False, type=bool))
        a["expand_nested"].toggled.connect(lambda on: self.settings.setValue("expand_nested", on))
        a["quit"] = self._action("&Quit", self.close, K.Quit)
        a["undo"] = self.stack.createUndoAction(self, "&Undo")
        a["undo"].setShortcut(QKeySequence(K.Undo))
        a["redo"] = self.stack.createRedoAction(self, "&Redo")
        a["redo"].setShortcut(QKeySequence(K.Redo))
        for name in ("undo", "redo"):
            self.addAction(a[name])
        a["cut"] = self._action("Cu&t", self.cut, K.Cut)
        a["copy"] = self._action("&Copy", self.copy, K.Copy)
        a["paste"] = self._action("&Paste", self.paste, K.Paste)
        a["duplicate"] = self._action("D&uplicate", self.duplicate, "Ctrl+D")
        a["delete"] = self._action("&Delete", self.delete_selection, K.Delete)
        a["select_all"] = self._action("Select &All", self.select_all, K.SelectAll)
        a["find"] = self._action("&Find Layer…", self.focus_find, K.Find)
        a["group"] = self._action("&Group into Block", self.group_selection, "Ctrl+G")
        a["ungroup"] = self._action("&Ungroup Block", self.ungroup_selection, "Ctrl+Shift+G")
        a["collapse"] = self._action("Collapse/&Expand Block", self.toggle_collapse, "Ctrl+E")
        a["freeze"] = self._action("&Freeze/Unfreeze", self.toggle_freeze, "Ctrl+L")
        a["zoom_in"] = self._action("Zoom &In", self.view.zoom_in, K.ZoomIn)
        a["zoom_out"] = self._action("Zoom &Out", self.view.zoom_out, K.ZoomOut)
        a["fit"] = self._action("&Fit to View", self.view.fit_all, "Ctrl+0")
        a["layout"] = self._action("&Auto-layout", self.auto_layout, "Ctrl+Shift+L")
        a["group_repeats"] = self._action(
            "Group &Repeated Blocks",
            self.group_repeated_blocks,
            "Ctrl+Shift+R",
            "Fold the model's stages, modules or cells into collapsed blocks",
        )
        self.direction_actions = QActionGroup(self)
        for key, text in DIRECTIONS.items():
            act = self._action(text, lambda k=key: self.set_layout_direction(k))
            act.setCheckable(True)
            self.direction_actions.addAction(act)
            a[f"direction_{key}"] = act
        a["labels"] = self._action("Edge Shape &Labels", self.toggle_labels)
        a["labels"].setCheckable(True)
        a["labels"].setChecked(True)

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for name in ("new", "open"):
            file_menu.addAction(a[name])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        for name in ("save", "save_as"):
            file_menu.addAction(a[name])
        file_menu.addSeparator()
        file_menu.addAction(a["import"])
        file_menu.addAction(a["expand_nested"])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit = bar.addMenu("&Edit")
        for name in (
            "undo",
            "redo",
            None,
            "cut",
            "copy",
            "paste",
            "duplicate",
            "delete",
            None,
            "select_all",
            "find",
            None,
            "group",
            "ungroup",
            "collapse",
            "freeze",
        ):
            edit.addSeparator() if name is None else edit.addAction(a[name])
        view = bar.addMenu("&View")
        for name in ("zoom_in", "zoom_out", "fit", None, "layout", "group_repeats", "labels"):
            view.addSeparator() if name is None else view.addAction(a[name])
        direction_menu = view.addMenu("Layout &Direction")
        for key in DIRECTIONS:
            direction_menu.addAction(a[f"direction_{key}"])
        theme_menu = view.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        for name in ("light", "dark"):
            act = QAction(name.capitalize(), self, checkable=True)
            act.triggered.connect(lambda _c=False, n=name: self.set_theme(n))
            self.theme_actions.addAction(act)
            theme_menu.addAction(act)
            a[f"theme_{name}"] = act
        self.panels_menu = view.addMenu("&Panels")
        for dock in self.docks.values():
            self.panels_menu.addAction(dock.toggleViewAction())

        add_help_menu(self)

        # The toolbar's Undo/Redo keep one short label (the menu's say what they undo), so no
        # button moves when the text of the next undo step changes length.
        a["undo_tool"] = self._action("Undo", self.stack.undo, tip="Undo")
        a["redo_tool"] = self._action("Redo", self.stack.redo, tip="Redo")
        a["undo_tool"].setShortcut(QKeySequence())
        a["redo_tool"].setShortcut(QKeySequence())
        self.stack.canUndoChanged.connect(a["undo_tool"].setEnabled)
        self.stack.canRedoChanged.connect(a["redo_tool"].setEnabled)
        self.stack.undoTextChanged.connect(
            lambda text: a["undo_tool"].setToolTip(f"Undo {text}".strip())
        )
        self.stack.redoTextChanged.connect(
            lambda text: a["redo_tool"].setToolTip(f"Redo {text}".strip())
        )
        a["undo_tool"].setEnabled(False)
        a["redo_tool"].setEnabled(False)
        tools = self.addToolBar("Main")
        tools.setObjectName("toolbar_main")
        self.toolbar = tools
        for name in (
            "new",
            "open",
            "save",
            None,
            "undo_tool",
            "redo_tool",
            None,
            "delete",
            "group",
            None,
            "zoom_in",
            "zoom_out",
            "fit",
            "layout",
            "group_repeats",
        ):
            tools.addSeparator() if name is None else tools.addAction(a[name])
        tools.addSeparator()
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find layer (Ctrl+F)")
        self.find_box.setMaximumWidth(220)
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(lambda: self.find_layer(self.find_box.text()))
        tools.addWidget(self.find_box)
        for action in tools.actions():
            button = tools.widgetForAction(action)
            if button is not None and action.text():
                button.setMinimumWidth(56)
        self._update_recent_menu()

    def _wire(self) -> None:
        self.editor.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.stack.indexChanged.connect(lambda _index: self._show_direction())
        self.scene.selectionChanged.connect(self._selection_changed)
        self.scene.analysisChanged.connect(self._analysis_changed)
        self.issues.nodeActivated.connect(self.reveal_node)
        self.issues.can_fix = lambda issue: issue_fixes.can_fix(self.graph, issue)
        self.issues.fixRequested.connect(self.apply_issue_fix)
        self.autosaver.failed.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.palette.addRequested.connect(self.add_from_palette)
        self.view.nodeAdded.connect(lambda _nid: self.view.setFocus())
        context_menu.install(self)

    # ----- follow the views -------------------------------------------------------------------
    def _selection_changed(self) -> None:
        ids = self.selected_node_ids()
        block = self.scene.selected_block()
        if block is not None:
            self.inspector.set_block(block)
        else:
            self.inspector.set_nodes(ids)
        self.selectionChanged.emit(ids)

    def apply_issue_fix(self, issue) -> bool:
        """Make the fix an issue suggests, as one undoable edit."""
        if issue_fixes.apply_fix(self.editor, issue):
            self.statusBar().showMessage(f"Applied: {issue.fix}", 5000)
            return True
        self.statusBar().showMessage(f"Cannot apply '{issue.fix}' here", 5000)
        return False

    def analysis_current(self) -> bool:
        """Whether the shapes, counts and issues shown are those of the graph as it is now."""
        analysis = self.scene.analysis
        return analysis is not None and analysis.revision == self.graph.revision

    def _analysis_changed(self, analysis) -> None:
        self.issues.show_analysis(analysis)
        self.params_label.setText(
            f"{len(self.graph)} layers · {format_count(analysis.total_params)}"
        )
        names = sorted(n.name for n in self.graph.nodes)
        if self.find_box.completer() is None or self.find_box.completer().model().rowCount() != len(
            names
        ):
            completer = QCompleter(names, self.find_box)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.activated.connect(self.find_layer)
            self.find_box.setCompleter(completer)

    def _update_title(self) -> None:
        if not shiboken6.isValid(self):  # the undo stack signals while the window is deleted
            return
        name = self.project.path.name if self.project.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — Model Studio")
        self.setWindowModified(not self.stack.isClean())

    # ----- documents --------------------------------------------------------------------------
    def start(self, path: str | Path | None = None) -> None:
        """Open what the app starts on (a file, or the example as an untitled copy), then
        offer every copy a crash left behind that is newer than its project."""
        if path is None or not self.open_project(path):
            self.open_example()
        self.offer_recoveries()

    def offer_recoveries(self) -> None:
        """Ask about each pending recovery file, newest first, until one is restored; a
        file that cannot be read is renamed aside and reported, never deleted."""
        found, problems = pending_recoveries(self.autosaver.folder)
        if problems:
            self.tell("Recovery file set aside", "\n\n".join(problems))
        for recovery in found:
            if self._offer(recovery.path):
                return

    def _offer(self, recovery: Path) -> bool:
        """Ask about one recovery file; True when it was restored."""
        answer = self.ask_restore(recovery)
        if answer is None:
            return False  # "later": keep the file for the next start or open
        if not answer:
            self.autosaver.discard_file(recovery)
            return False
        return self.restore(recovery)

    def set_project(self, project: Project, analyzer: Analyzer | None = None) -> None:
        self.project = project
        self.editor.set_graph(project.graph)
        self.scene.attach(project.graph, analyzer)
        self.inspector.attach(project.graph)
        if analyzer is not None and analyzer.graph is project.graph:
            self.scene.refresh_analysis()  # warmed on the worker: this is instant
        else:
            self.issues.show_pending()  # analysed on the worker; the scene asks for it
        self.view.fit_all()
        self._show_direction()
        self._update_title()
        # The new canvas is painted in a turn of the event loop of its own before the panels
        # follow: they reset widgets that repaint at once (a progress bar), and Qt then
        # painted every waiting region of the window with them, a 771-layer canvas too.
        with Breather(slice_s=0.0) as turn:
            turn.breathe()
        self.projectChanged.emit(project)

    def open_example(self) -> None:
        project = Project.load(EXAMPLE)
        project.path = None
        self.set_project(project)

    def new_project(self) -> None:
        if not self.maybe_save():
            return
        self.set_project(Project(graph=Graph()))

    def open_project(self, path: str | Path) -> bool:
        """Open a project file; a file that cannot be read is one message, not a traceback.
        A recovery copy newer than the file is offered straight after."""
        try:
            project = off_ui_thread(Project.load, path)  # a big file reads in ~0.2 s
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one sentence
            log.debug("could not open %s", path, exc_info=True)
            message = problem_sentence(path, exc)
            self.statusBar().showMessage(message, 10000)
            self.tell("Cannot open project", message)
            return False
        self.set_project(project)
        self._add_recent(Path(path))
        recovery = pending_recovery(self.autosaver.folder, Path(path))
        if recovery is not None:
            self._offer(recovery)
        return True

    def restore(self, recovery: Path) -> bool:
        """Load a recovery copy as unsaved changes to the project it came from. The copy
        stays until the user saves or discards those changes."""
        try:
            project = off_ui_thread(load_recovery, recovery)
        except ProjectError as exc:
            try:
                moved = set_aside(recovery)
                where = f" It was renamed to {moved.name}."
            except OSError:
                where = ""
            self.tell("Cannot restore", f"{problem_sentence(recovery, exc)}{where}")
            return False
        self.set_project(project)
        self.stack.resetClean()  # no clean state in this history: the title shows "*"
        self._update_title()
        self.statusBar().showMessage("Restored unsaved changes from the last session", 8000)
        return True

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", FILE_FILTER)
        if path:
            self.open_project(path)

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as_dialog()
        return self.save_to(self.project.path)

    def save_as_dialog(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project", "model.studio.json", FILE_FILTER
        )
        return self.save_to(Path(path)) if path else False

    def save_to(self, path: str | Path) -> bool:
        """Save; a read-only folder or a full disk is one sentence and the old files stay."""
        path = Path(path)
        if not path.name.endswith(".studio.json"):
            path = path.with_name(path.name.removesuffix(".json") + ".studio.json")
        previous = self.project.path
        try:
            self.project.save(path)
        except OSError as exc:
            message = os_error_sentence("save", path, exc)
        except ProjectError as exc:
            message = problem_sentence(path, exc)
        except (TypeError, ValueError) as exc:
            message = f"Could not save {path}: {exc}."
        else:
            message = ""
        if message:
            self.project.path = previous
            self.statusBar().showMessage(message, 10000)
            self.tell("Could not save", message)
            return False
        self.autosaver.discard(previous)
        self.stack.setClean()
        self._update_title()
        self._add_recent(path)
        self.projectSaved.emit(self.project, previous)
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def is_dirty(self) -> bool:
        return not self.stack.isClean()

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled."""
        if not self.is_dirty():
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.autosaver.discard(self.project.path)
            return True
        return False

    def _ask_save_changes(self) -> str:
        buttons = QMessageBox.StandardButton
        reply = QMessageBox.question(
            self,
            "Unsaved changes",
            "Save the changes to this model before closing it?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(reply, "cancel")

    def _ask_restore(self, path: Path) -> bool | None:
        try:
            origin = load_recovery(path).path
        except ProjectError:
            origin = None
        what = origin.name if origin else "an untitled model"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore unsaved work?",
            f"Model Studio did not close cleanly while {what} had unsaved changes. Restore them?",
            parent=self,
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Decide later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is restore:
            return True
        if box.clickedButton() is discard:
            return False
        return None

    def _tell(self, title: str, text: str) -> None:
        """One warning dialog (when the window is on screen), one sentence in it."""
        if self.isVisible():
            QMessageBox.warning(self, title, text)

    def _ask_trust(self, path: Path, reason: str) -> bool:
        answer = QMessageBox.warning(
            self,
            "Run code from this file?",
            f"{path.name} holds Python code (e.g. a Lambda layer): {reason}\n\nImporting it "
            "runs that code. Do you trust where the file came from?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import Keras model",
            "",
            "Keras models (*.keras *.h5 *.hdf5 *.json);;All files (*)",
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path, trust: bool = False) -> bool:
        """Start importing a Keras model file on the worker thread (a big model takes
        seconds); ``importFinished`` says how it ended. False when nothing was started.
        Nested models come in as one block or expanded, by the File menu's choice; code in
        the file (a Lambda) runs only with ``trust``, which the user is asked for."""
        import_model = _import_model()
        if import_model is None or (not trust and not self.maybe_save()):
            return False
        expand = self.actions_by_name["expand_nested"].isChecked()
        self.statusBar().showMessage(f"Importing {path}…")
        self.jobs.run(
            _import_and_check,
            import_model,
            str(path),
            expand,
            trust,
            on_done=lambda out: self._imported(path, out, trust),
        )
        return True

    def _imported(self, path: str | Path, outcome: object, trusted: bool = False) -> None:
        if (
            isinstance(outcome, JobFailed)
            and not trusted
            and "trust" in outcome.message
            and self.ask_trust(Path(path), outcome.message)
        ):
            self.import_file(path, trust=True)
            return
        if isinstance(outcome, JobFailed):
            message = f"Could not import {path}: {outcome.message}"
            self.statusBar().showMessage(message, 10000)
            self.importFinished.emit(False, message)
            return
        result, analyzer = outcome
        self.set_project(Project(graph=analyzer.graph), analyzer)
        notes = "; ".join(getattr(result, "messages", [])) or f"Imported {path}"
        self.statusBar().showMessage(notes, 10000)
        self.importFinished.emit(True, notes)

    # ----- recent files -----------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: Path) -> None:
        text = str(Path(path).resolve())
        files = [text, *(f for f in self.recent_files() if f != text)][:MAX_RECENT]
        self.settings.setValue("recent_files", files)
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(
                lambda _c=False, p=path: self.maybe_save() and self.open_project(p)
            )
        self.recent_menu.setEnabled(bool(self.recent_files()))

    # ----- editing commands -------------------------------------------------------------------
    def copy(self) -> None:
        ids = self.selected_node_ids()
        if ids:
            QGuiApplication.clipboard().setText(
                clipboard.to_text(clipboard.copy_payload(self.graph, ids))
            )

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self, payload: dict | None = None) -> list[str]:
        payload = payload or clipboard.from_text(QGuiApplication.clipboard().text())
        if not payload:
            self.statusBar().showMessage("The clipboard holds no layers", 4000)
            return []
        op, ids = clipboard.paste_op(self.graph, payload)
        if self.editor.push(op):
            self.scene.select_nodes(ids)
            return ids
        return []

    def duplicate(self) -> list[str]:
        """Copy the selection beside itself, on free canvas, not on top of other layers."""
        ids = self.selected_node_ids()
        if not ids:
            return []
        op, new_ids = clipboard.paste_op(
            self.graph, clipboard.copy_payload(self.graph, ids), self._free_offset(ids)
        )
        if self.editor.push(op, f"Duplicate {len(ids)} layer{'s' if len(ids) != 1 else ''}"):
            self.scene.select_nodes(new_ids)
            return new_ids
        return []

    def _free_offset(self, ids: list[str]) -> tuple[float, float]:
        """How far to shift a copy of ``ids`` so it overlaps no layer: right of them first,
        then below, further each time."""
        gap = 40.0
        chosen = set(ids)
        boxes = [self.graph.node(n).position for n in ids]
        left, top = min(x for x, _ in boxes), min(y for _, y in boxes)
        width = max(x for x, _ in boxes) - left + WIDTH
        height = max(y for _, y in boxes) - top + HEIGHT
        others = [n.position for n in self.graph.nodes if n.id not in chosen]

        def clear(dx: float, dy: float) -> bool:
            return not any(
                abs(x + dx - ox) < WIDTH + gap / 2 and abs(y + dy - oy) < HEIGHT + gap / 2
                for x, y in boxes
                for ox, oy in others
            )

        for step in range(1, 40):
            for dx, dy in (
                (width + gap, (step - 1) * (HEIGHT + gap)),
                (0.0, step * (height + gap)),
            ):
                if clear(dx, dy):
                    return dx, dy
        return width + gap, 0.0

    def delete_selection(self) -> None:
        self.editor.delete(self.selected_node_ids(), self.scene.selected_edges())

    def select_all(self) -> None:
        self.scene.select_items(
            i for i in (*self.scene.nodes.values(), *self.scene.blocks.values()) if i.isVisible()
        )

    def auto_layout(self) -> None:
        if self.editor.auto_layout():
            self.view.fit_all()

    def group_repeated_blocks(self) -> None:
        count = self.editor.group_repeated()
        if count:
            self.view.fit_all()
            self.statusBar().showMessage(f"Grouped {count} repeated blocks", 8000)

    def set_layout_direction(self, direction: str) -> None:
        if self.editor.set_direction(direction):
            self.view.fit_all()
        self._show_direction()

    def _show_direction(self) -> None:
        if not shiboken6.isValid(self):  # the undo stack signals while the window is deleted
            return
        act = self.actions_by_name.get(f"direction_{self.graph.direction}")
        if act is not None:
            act.setChecked(True)

    def group_selection(self, name: str = "block") -> str | None:
        return self.editor.group(self.selected_node_ids(), name)

    def ungroup_selection(self) -> None:
        for gid in self.scene.selected_groups():
            self.editor.ungroup(gid)

    def toggle_collapse(self) -> None:
        for gid in self.scene.selected_groups():
            self.editor.set_collapsed(gid, not self.graph.groups[gid].collapsed)

    def toggle_freeze(self) -> None:
        ids = self.selected_node_ids()
        if ids:
            frozen = all(not self.graph.node(n).trainable for n in ids)
            self.editor.set_trainable(ids, frozen)

    def toggle_labels(self) -> None:
        self.scene.set_show_labels(self.actions_by_name["labels"].isChecked())

    def add_from_palette(self, type_name: str) -> str | None:
        """Add at the view centre; after the one selected layer, wired to it."""
        selected = self.selected_node_ids()
        after = selected[0] if len(selected) == 1 else None
        if after is not None:
            x, y = self.graph.node(after).position
            at = (x + NEXT_STEP, y)
        else:
            c = self.view.visible_center()
            at = (c.x() - WIDTH / 2, c.y() - HEIGHT / 2)
        nid = self.editor.add_layer(type_name, at, after=after)
        if nid is not None:
            self.scene.select_nodes([nid])
            self.view.ensureVisible(at[0], at[1], WIDTH, HEIGHT)
        return nid

    def focus_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def find_layer(self, text: str) -> bool:
        needle = text.strip().lower()
        if not needle:
            return False
        node = self.graph.node_by_name(text.strip()) or next(
            (n for n in self.graph.nodes if needle in n.name.lower()), None
        )
        if node is None:
            self.statusBar().showMessage(f"No layer named like '{text}'", 4000)
            return False
        self.reveal_node(node.id)
        return True

    def reveal_node(self, node_id: str) -> None:
        if node_id in self.graph:
            self.scene.select_nodes([node_id])
            self.view.center_on_node(node_id)

    # ----- appearance and state ---------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        theme = apply_theme(name)
        self.theme_name = theme.name
        self.scene.set_theme(theme)
        self.view.viewport().update()
        self.actions_by_name[f"theme_{theme.name}"].setChecked(True)
        self.settings.setValue("theme", theme.name)

    def _restore_window(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._shown_once:
            return
        self._shown_once = True
        self._arrange_docks()

    def _layout_version(self) -> int:
        """Tags a saved arrangement with the set of docks it was made for, so an arrangement
        saved before a panel existed is not restored (Qt would leave the new panel loose)."""
        return zlib.crc32(",".join(sorted(self.docks)).encode()) & 0x7FFFFFFF

    def _arrange_docks(self) -> None:
        """Tab the docks, then restore the user's saved arrangement or size the default one so
        the canvas leads; the first dock of each area is the one in front."""
        for first, dock in self._pending_tabs:
            self.tabifyDockWidget(first, dock)
        self._pending_tabs.clear()
        state = self.settings.value("window_state")
        if state is not None and self.restoreState(state, self._layout_version()):
            return
        for name in ("Layers", "Inspector", "Issues"):
            self.docks[name].raise_()
        QTimer.singleShot(0, self._size_default_docks)  # once the layout has settled

    def _size_default_docks(self) -> None:
        self.resizeDocks(
            [self.docks["Layers"], self.docks["Inspector"]], [230, 380], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["Issues"]], [270], Qt.Orientation.Vertical)
        QTimer.singleShot(0, self.view.fit_all)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState(self._layout_version()))
        self.settings.sync()
        self.closing.emit()
        # Workers must not outlive the window that owns them (their objects go with it).
        self.models.runner.shutdown()
        self.jobs.shutdown()
        self.autosaver.runner.shutdown()
        # Any recovery copy was dealt with by maybe_save (saved or discarded); a copy the
        # user chose to decide about later stays for the next start.
        self.autosaver.wait(5000)
        event.accept()

    def scene_center(self) -> QPointF:
        return self.view.visible_center()
