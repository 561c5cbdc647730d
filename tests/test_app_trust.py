"""Issue 11, as a user meets it: the window never freezes, never shows stale numbers and never
loses work. Each test is a user's steps on the real window (the bundled starter CNN), and
each failed on the code before the fix."""

from __future__ import annotations

import errno
import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QScrollArea

from studio.graph import AddNode, Batch, Graph, Node
from widgets.app.autosave import recovery_path
from widgets.app.workbench import build_app_window, with_extension
from widgets.canvas import context_menu
from widgets.canvas.node_item import HEIGHT, WIDTH
from widgets.canvas.view import LAYER_MIME


def make_app(qtbot, tmp_path: Path, restore=False, start=True):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window, bench = build_app_window(
        settings=settings, recovery_dir=tmp_path / "recovery", autosave_ms=30
    )
    window.ask_save_changes = lambda: "discard"
    window.ask_restore = lambda path: restore
    told: list[tuple[str, str]] = []
    window.tell = lambda title, text: told.append((title, text))
    window.told = told
    qtbot.addWidget(window)
    window.show()
    if start:
        window.start()
        qtbot.waitUntil(window.analysis_current, timeout=20000)
    return window, bench


@pytest.fixture
def app(qtbot, tmp_path: Path):
    return make_app(qtbot, tmp_path)


def node_id(window, name: str) -> str:
    node = window.graph.node_by_name(name)
    assert node is not None, name
    return node.id


def type_into(qtbot, box, text: str) -> None:
    """Select the spin box's text and type ``text`` then Enter, as a user would."""
    edit = box.lineEdit()
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


# ----- freezes: the work happens off the UI thread --------------------------------------------
def test_analysis_after_an_edit_runs_off_the_ui_thread(app, qtbot, monkeypatch):
    window, _bench = app
    from studio.checks import analysis as analysis_module

    threads = []
    original = analysis_module.Analyzer._analyze

    def spy(self):
        if len(self.graph) > 3:  # the whole model, not the inspector's one-layer trial
            threads.append(threading.current_thread())
        return original(self)

    monkeypatch.setattr(analysis_module.Analyzer, "_analyze", spy)
    window.scene.select_nodes([node_id(window, "dense")])
    type_into(qtbot, window.inspector.controls["units"].box, "48")
    qtbot.waitUntil(window.analysis_current, timeout=20000)
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_code_panel_regenerates_off_the_ui_thread_and_skips_moves(app, qtbot, monkeypatch):
    window, bench = app
    window.docks["Code"].raise_()
    qtbot.waitUntil(window.docks["Code"].isVisible)
    code = bench.code_view
    qtbot.waitUntil(code.is_current, timeout=20000)
    from studio.compile import codegen

    threads = []
    original = codegen.generate
    monkeypatch.setattr(
        codegen,
        "generate",
        lambda g, **k: threads.append(threading.current_thread()) or original(g, **k),
    )
    made = code.generated
    dense = node_id(window, "dense")
    window.editor.push_move({dense: (900.0, 600.0)}, window.editor.new_gesture())
    window.scene.select_nodes([dense])
    qtbot.wait(300)  # a debounce and more: nothing may be regenerated for a move
    assert code.generated == made and code.is_current() and not threads
    type_into(qtbot, window.inspector.controls["units"].box, "40")
    qtbot.waitUntil(lambda: code.generated == made + 1 and code.is_current(), timeout=20000)
    assert "units=40" in code.editor.toPlainText()
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_hidden_code_panel_does_no_work(app, qtbot):
    window, bench = app
    window.docks["Code"].hide()
    made = bench.code_view.generated
    window.editor.set_param([node_id(window, "dense")], "units", 12)
    qtbot.waitUntil(window.analysis_current, timeout=20000)
    qtbot.wait(300)
    assert bench.code_view.generated == made
    window.docks["Code"].show()
    qtbot.waitUntil(bench.code_view.is_current, timeout=20000)


# ----- stale or mixed data ---------------------------------------------------------------------
def test_issues_summary_follows_an_edit_that_leaves_the_rows_alone(app, qtbot):
    window, _bench = app
    before = window.issues.summary.text()
    assert before.startswith("No problems")
    window.scene.select_nodes([node_id(window, "dense")])
    type_into(qtbot, window.inspector.controls["units"].box, "128")
    qtbot.waitUntil(window.analysis_current, timeout=20000)
    total = window.scene.analysis.total_params
    assert window.issues.summary.text() == f"No problems · {total:,} parameters" != before


@pytest.mark.slow
def test_inspect_summary_follows_edits_undo_and_redo(app, qtbot):
    window, bench = app
    window.docks["Inspect"].raise_()
    qtbot.waitUntil(window.docks["Inspect"].isVisible)
    summary = bench.inspect_panel.summary
    bench.inspect_panel.setCurrentWidget(summary)

    def shows(total: int):
        return lambda: f"Total params {total:,}" in summary.totals.text()

    first = window.scene.analysis.total_params
    qtbot.waitUntil(shows(first), timeout=20000)  # shown without clicking any node
    window.editor.set_param([node_id(window, "dense")], "units", 10)
    qtbot.waitUntil(window.analysis_current, timeout=20000)
    second = window.scene.analysis.total_params
    assert second != first
    qtbot.waitUntil(shows(second), timeout=20000)
    window.stack.undo()
    qtbot.waitUntil(shows(first), timeout=20000)
    window.stack.redo()
    qtbot.waitUntil(shows(second), timeout=20000)
    window.editor.delete([node_id(window, "dropout")])
    qtbot.waitUntil(lambda: bench.inspect_current() and "dropout" not in _rows(summary))


def test_summary_follows_an_edit_without_compiling_and_other_tabs_compile_when_shown(app, qtbot):
    window, bench = app
    window.docks["Inspect"].raise_()
    qtbot.waitUntil(window.docks["Inspect"].isVisible)
    panel = bench.inspect_panel
    panel.setCurrentWidget(panel.summary)
    qtbot.waitUntil(bench.inspect_current, timeout=20000)
    compiles: list[object] = []
    request = window.models.request_model

    def counting(graph, on_done, **kwargs):
        if kwargs.get("key") == "inspect":
            compiles.append(graph.revision)
        return request(graph, on_done, **kwargs)

    window.models.request_model = counting
    window.editor.set_param([node_id(window, "dense")], "units", 12)
    qtbot.waitUntil(bench.inspect_current, timeout=20000)
    total = window.scene.analysis.total_params
    assert f"Total params {total:,}" in panel.summary.totals.text()
    dense = next(row for row in panel.summary.table_model.table.rows if row.name == "dense")
    assert dense.output_shape.endswith(", 12)")
    qtbot.waitUntil(lambda: not bench._inspect_timer.isActive(), timeout=5000)
    assert compiles == []  # the Summary tab drew the design; nothing was compiled for it
    panel.setCurrentWidget(panel.histograms)
    qtbot.waitUntil(lambda: bool(compiles), timeout=5000)
    qtbot.waitUntil(bench.inspect_current, timeout=30000)
    assert panel.histograms.model is not None
    assert panel.histograms.model.get_layer("dense").units == 12


def _rows(summary) -> list[str]:
    table = summary.table_model.table
    return [row.name for row in table.rows] if table else []


def test_opening_a_project_shows_it_in_inspect_without_a_click(app, qtbot, tmp_path):
    window, bench = app
    target = tmp_path / "mine.studio.json"
    window.editor.set_param([node_id(window, "dense")], "units", 20)
    assert window.save_to(target)
    window.new_project()
    window.docks["Inspect"].raise_()
    assert window.open_project(target)
    summary = bench.inspect_panel.summary
    bench.inspect_panel.setCurrentWidget(summary)
    qtbot.waitUntil(lambda: "dense" in _rows(summary), timeout=20000)
    assert window.selected_node_ids() == []


# ----- lost work ------------------------------------------------------------------------------
def test_a_batch_that_fails_half_way_leaves_the_graph_as_it_was(app, qtbot):
    window, _bench = app
    graph = window.graph
    before, revision, heard = graph.to_dict(), graph.revision, []
    graph.subscribe(heard.append)
    fresh = Node("fresh", "Dense", "fresh", {"units": 3})
    clash = Node(node_id(window, "dense"), "Dense", "again", {"units": 3})  # id taken
    assert not window.editor.push(Batch([AddNode(fresh), AddNode(clash)], "Add two"))
    assert graph.to_dict() == before and graph.revision == revision and not heard
    assert "fresh" not in graph and window.stack.count() == 0
    assert "exists already" in window.statusBar().currentMessage()


def test_batch_rolls_back_in_the_core_too():
    graph = Graph()
    graph.add_layer("Input", {"shape": [4]}, name="x")
    snapshot = graph.to_dict()
    with pytest.raises(ValueError):
        graph.apply(
            Batch(
                [AddNode(Node("a", "Dense", "a", {"units": 2})), AddNode(Node("a", "Dense", "b"))]
            )
        )
    assert graph.to_dict() == snapshot and graph.revision == 1


def test_saving_to_a_full_disk_says_so_in_one_sentence_and_keeps_the_old_file(
    app, qtbot, tmp_path, monkeypatch
):
    window, _bench = app
    target = tmp_path / "kept.studio.json"
    assert window.save_to(target)
    old = target.read_text()
    window.editor.set_param([node_id(window, "dense")], "units", 7)
    from studio.project import files

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "atomic_write_text", full)
    assert not window.save()
    ((title, text),) = window.told
    assert text.lower().startswith(f"could not save {target}: the disk is full")
    assert "internal error" not in text and target.read_text() == old
    assert window.isWindowModified() and window.project.path == target


def test_saving_into_a_folder_that_cannot_be_written_names_file_and_cause(app, qtbot, tmp_path):
    window, _bench = app
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    assert not window.save_to(blocker / "model.studio.json")
    ((_title, text),) = window.told
    assert text.lower().startswith(f"could not save {blocker / 'model.studio.json'}: ")
    assert text.endswith(".") and "\n" not in text and "Traceback" not in text


def test_opening_a_damaged_project_is_one_message(app, qtbot, tmp_path):
    window, _bench = app
    bad = tmp_path / "broken.studio.json"
    bad.write_text("{ not json")
    assert not window.open_project(bad)
    ((title, text),) = window.told
    assert title == "Cannot open project" and str(bad) in text and "JSON" in text
    assert "Traceback" not in text and window.graph.node_by_name("dense") is not None


@pytest.mark.slow
def test_autosave_writes_within_a_second_off_the_ui_thread(qtbot, tmp_path, monkeypatch):
    from widgets.app import autosave

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window, _bench = build_app_window(settings=settings, recovery_dir=tmp_path / "rec")
    qtbot.addWidget(window)
    window.ask_save_changes = lambda: "discard"
    window.show()
    window.start()
    assert window.autosaver.timer.interval() <= 1000
    threads = []
    original = autosave._write
    monkeypatch.setattr(
        autosave, "_write", lambda *a: threads.append(threading.current_thread()) or original(*a)
    )
    window.editor.set_param([node_id(window, "dense")], "units", 9)
    copy = recovery_path(tmp_path / "rec", None)
    qtbot.waitUntil(copy.exists, timeout=2500)
    assert threads and threads[0] is not threading.main_thread()
    assert json.loads(copy.read_text())["graph"]["nodes"]


def _crash_with_edits(qtbot, tmp_path: Path) -> tuple[Path, Path]:
    """Save a project, edit it, let autosave run, then 'crash' (the window just vanishes)."""
    first, _bench = make_app(qtbot, tmp_path)
    project = tmp_path / "work.studio.json"
    assert first.save_to(project)
    first.editor.set_param([node_id(first, "dense")], "units", 33)
    copy = recovery_path(tmp_path / "recovery", project)
    qtbot.waitUntil(copy.exists, timeout=3000)
    first.autosaver.wait()
    first.ask_save_changes = lambda: "cancel"  # the crash: nothing is decided or deleted
    return project, copy


@pytest.mark.slow
def test_a_plain_restart_offers_the_copy_of_a_saved_project(qtbot, tmp_path):
    project, copy = _crash_with_edits(qtbot, tmp_path)
    asked = []
    second, _ = make_app(qtbot, tmp_path, start=False)
    second.ask_restore = lambda path: asked.append(path) or True
    second.start()  # no file on the command line: the example opens, then the offer
    assert asked == [copy]
    assert second.project.path == project and second.isWindowModified()
    assert second.graph.node_by_name("dense").params["units"] == 33
    assert copy.exists()  # kept until the user saves or discards these changes


@pytest.mark.slow
def test_decide_later_keeps_the_copy_and_open_recent_offers_it_again(qtbot, tmp_path):
    project, copy = _crash_with_edits(qtbot, tmp_path)
    second, _ = make_app(qtbot, tmp_path, start=False)
    answers = iter([None, True])
    second.ask_restore = lambda path: next(answers)
    second.start()
    assert copy.exists() and second.project.path is None
    second.close()  # a clean quit must not delete a copy nobody decided about
    assert copy.exists()
    third, _ = make_app(qtbot, tmp_path, start=False)
    third.ask_restore = lambda path: None
    third.start()
    assert third.project.path is None and copy.exists()
    asked = []
    third.ask_restore = lambda path: asked.append(path) or True
    third.recent_menu.actions()[0].trigger()  # File → Open Recent → work.studio.json
    assert asked == [copy] and third.project.path == project
    assert third.graph.node_by_name("dense").params["units"] == 33 and third.isWindowModified()


def test_a_damaged_recovery_file_is_set_aside_and_the_app_starts(qtbot, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    damaged = folder / "old.studio.json.0123456789.recovery.studio.json"
    damaged.write_text("{ half a file")
    window, _ = make_app(qtbot, tmp_path)
    assert not damaged.exists()
    aside = list(folder.glob("old.studio.json.0123456789.recovery.studio.json.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ half a file"
    ((title, text),) = window.told
    assert "damaged" in text and aside[0].name in text
    assert window.graph.node_by_name("dense") is not None  # started on the example


def test_a_recovery_file_from_a_newer_version_is_set_aside_when_restored(qtbot, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    newer = recovery_path(folder, None)
    newer.write_text(json.dumps({"format": "model-studio-project", "version": 999, "metadata": {}}))
    window, _ = make_app(qtbot, tmp_path, restore=True)
    assert not newer.exists() and len(list(folder.glob("*.unreadable-*"))) == 1
    assert window.told and "newer" in window.told[-1][1]


# ----- small things ---------------------------------------------------------------------------
def test_typing_minus_three_is_reported_not_flipped_to_three(app, qtbot):
    window, _bench = app
    conv = node_id(window, "conv2d")
    window.scene.select_nodes([conv])
    control = window.inspector.controls["filters"]
    type_into(qtbot, control.box, "-3")
    assert window.graph.node(conv).params["filters"] == 16
    error = window.inspector.errors["filters"]
    assert error.isVisible() and "received -3" in error.text()
    control.box.stepBy(-100)  # the arrows stay inside the range
    assert control.box.value() >= 1


def test_export_as_hdf5_adds_the_extension(app, qtbot, tmp_path, monkeypatch):
    window, bench = app
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: (str(tmp_path / "model"), "HDF5 model (*.h5)"),
    )
    with qtbot.waitSignal(bench.exportFinished, timeout=60000) as blocker:
        bench.export_action.trigger()
    assert getattr(blocker.args[0], "verified", False), blocker.args[0]
    assert (tmp_path / "model.h5").exists()
    assert with_extension("net.H5", "h5").name == "net.H5"
    assert with_extension("dir", "savedmodel").name == "dir"


def test_toolbar_buttons_stay_put_when_the_undo_text_changes(app, qtbot):
    window, _bench = app
    buttons = [window.toolbar.widgetForAction(a) for a in window.toolbar.actions()]
    before = [b.geometry() for b in buttons if b is not None]
    window.editor.set_param([node_id(window, "dense")], "units", 5)
    window.editor.set_trainable([node_id(window, "conv2d")], False)
    qtbot.wait(50)
    assert [b.geometry() for b in buttons if b is not None] == before
    assert window.actions_by_name["undo_tool"].isEnabled()


def test_training_buttons_say_what_can_be_done(app):
    _window, bench = app
    panel = bench.training_panel
    assert panel.train_button.isEnabled()
    assert not panel.pause_button.isEnabled() and not panel.resume_button.isEnabled()
    assert not panel.stop_button.isEnabled() and not bench.stop_action.isEnabled()
    assert panel.settings_scroll.minimumHeight() >= 250


def test_empty_issues_dock_is_small_and_dataset_panel_scrolls(app):
    window, bench = app
    assert window.issues.tree.topLevelItemCount() == 0
    assert window.issues.sizeHint().height() < 100
    assert isinstance(bench.dataset_panel.scroll_area, QScrollArea)


def test_ctrl_d_puts_the_copy_beside_not_on_top(app, qtbot):
    window, _bench = app
    window.scene.select_nodes([node_id(window, "dense")])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    (copy,) = window.selected_node_ids()
    x, y = window.graph.node(copy).position
    mine = QRectF(x, y, WIDTH, HEIGHT)
    for node in window.graph.nodes:
        if node.id != copy:
            assert not mine.intersects(QRectF(*node.position, WIDTH, HEIGHT)), node.name


def test_a_dropped_layer_lands_under_the_mouse(app, qtbot):
    window, _bench = app
    view = window.view
    at = QPoint(view.viewport().width() - 25, view.viewport().height() - 25)
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Dense")
    event = QDropEvent(
        QPointF(at),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(event)
    qtbot.wait(20)
    (nid,) = window.selected_node_ids()
    x, y = window.graph.node(nid).position
    centre = view.mapFromScene(QPointF(x + WIDTH / 2, y + HEIGHT / 2))
    assert abs(centre.x() - at.x()) <= 2 and abs(centre.y() - at.y()) <= 2


def test_context_menus_on_node_edge_canvas_palette(app, qtbot):
    window, _bench = app
    dense = window.scene.nodes[node_id(window, "dense")]
    names = [a.text() for a in context_menu.node_menu(window, dense).actions()]
    assert {"Cut", "Copy", "Duplicate", "Delete"} <= set(names)
    edge = next(iter(window.scene.edges.values()))
    menu = context_menu.edge_menu(window, edge, QPointF(0, 0))
    assert menu.actions()[0].text() == "Delete connection"
    menu.actions()[0].trigger()
    assert edge.edge not in window.graph.edges
    canvas = [a.text() for a in context_menu.canvas_menu(window, QPointF(0, 0)).actions()]
    assert "Paste" in canvas and "Auto-layout" in canvas
    palette = context_menu.palette_menu(window, "Dense")
    count = len(window.graph)
    palette.actions()[0].trigger()
    assert len(window.graph) == count + 1


def _apply_fix_from_row(window, qtbot, fix_text: str) -> None:
    """Right-click the issue row whose fix reads ``fix_text`` and choose "Apply fix"."""
    tree = window.issues.tree
    qtbot.waitUntil(
        lambda: any(
            tree.topLevelItem(i).text(2) == fix_text for i in range(tree.topLevelItemCount())
        ),
        timeout=20000,
    )
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    row = next(r for r in rows if r.text(2) == fix_text)
    menu = window.issues.context_menu_for(row)
    fix = next(a for a in menu.actions() if a.text().startswith("Apply fix"))
    assert fix.isEnabled()
    fix.trigger()


def test_an_issue_fix_is_applied_from_the_issues_panel(app, qtbot):
    window, _bench = app
    window.editor.delete([node_id(window, "flatten")])  # Dropout is left without an input
    _apply_fix_from_row(window, qtbot, "connect a layer's output to it")
    dropout = node_id(window, "dropout")
    assert [e.src for e in window.graph.in_edges(dropout)] == [node_id(window, "max_pooling2d_1")]
    _apply_fix_from_row(window, qtbot, "insert Flatten")  # Dense now gets a 4-D tensor
    assert len([n for n in window.graph.nodes if n.type == "Flatten"]) == 1
    qtbot.waitUntil(lambda: window.issues.summary.text().startswith("No problems"), timeout=20000)
    window.stack.undo()
    assert not [n for n in window.graph.nodes if n.type == "Flatten"]


def test_help_menu_lists_shortcuts_and_says_where_the_docs_are(app, qtbot):
    window, _bench = app
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-1] == "&Help"
    window.actions_by_name["shortcuts"].trigger()
    table = window.shortcuts_dialog.table
    commands = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    assert commands["Duplicate"] == "Ctrl+D" and "Undo" in commands
    window.shortcuts_dialog.close()
