"""Compare and diagnose in the app: the compare view, the diff picture, health badges on the
canvas after a NaN, and the memory budget's "largest batch that fits"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QListWidget

from studio.checks.sizes import param_sizes
from studio.graph.diff import diff_graphs
from studio.project import Project
from studio.training.memory import DeviceMemory
from studio.training.runs import RunStore
from tests.conftest import open_window
from tests.helpers import chain
from tests.test_compare_diff import _edited_cnn, _store_run
from tests.test_health_memory import blowup_graph
from tests.test_workbench import _click_bundled
from widgets.canvas.diff_overlay import COLORS, DiffDialog
from widgets.canvas.health_badge import badge_of
from widgets.training.compare_view import CompareView, RestoreRunCommand


def _tick(qtbot, runs_list: QListWidget, row: int) -> None:
    """Click a run to make it current, then Space toggles its check box, as a user would."""
    item = runs_list.item(row)
    rect = runs_list.visualItemRect(item)
    qtbot.mouseClick(runs_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.keyClick(runs_list.viewport(), Qt.Key.Key_Space)


@pytest.fixture
def runs(tmp_path: Path) -> RunStore:
    store = RunStore(tmp_path / "model.runs")
    _store_run(store, "20260101-100000-aaaaaa", [0.9, 0.5, 0.6], lr=0.001)
    _store_run(store, "20260101-110000-bbbbbb", [0.8, 0.3], lr=0.01, units=5)
    return store


def test_compare_view_overlays_curves_tables_and_restores_as_one_undo_step(qtbot, tmp_path, runs):
    graph, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 5}), name="m")
    project = Project(graph, training={"batch_size": 8})
    view = CompareView(lambda: graph)
    qtbot.addWidget(view)
    view.show()
    view.set_runs_folder(runs.folder)
    assert view.runs_list.count() == 2 and not view.restore_button.isEnabled()
    _tick(qtbot, view.runs_list, 0)
    assert view.comparison is None  # one run is not a comparison
    _tick(qtbot, view.runs_list, 1)
    comparison = view.comparison
    assert comparison is not None and comparison.runs == ("run aaaaaa", "run bbbbbb")
    # Curves on shared axes: one item per run, fed with the run's points.
    assert view.metric_combo.currentText() == "loss"
    xs, ys = view.curves["run bbbbbb"].getData()
    assert list(xs) == [1.0, 2.0] and list(ys) == [0.8, 0.3]
    view.metric_combo.setCurrentText("accuracy")
    assert list(view.curves["run aaaaaa"].getData()[1]) == pytest.approx([0.1, 0.5, 0.4])
    # The metrics table: final and best, time and size.
    rows = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
    best_loss = rows.index("best loss")
    assert view.table.item(best_loss, 0).text() == "0.5 (epoch 2)"
    assert view.table.item(rows.index("parameters"), 1).text() == "25"
    settings_rows = [
        view.settings_table.verticalHeaderItem(r).text()
        for r in range(view.settings_table.rowCount())
    ]
    assert settings_rows == ["optimizer.params.learning_rate"]
    assert view.settings_table.item(0, 1).text() == "0.01"
    # Restore run b (its Dense has 5 units, like the design).
    view.restore_combo.setCurrentIndex(1)
    with qtbot.waitSignal(view.restoreReady, timeout=30000) as blocker:
        qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    plan = blocker.args[0]
    stack = QUndoStack()
    stack.push(RestoreRunCommand(project, graph, plan))
    assert project.training["optimizer"]["params"]["learning_rate"] == 0.01
    assert graph.weights[ids[1]][0].shape == (4, 5)
    assert stack.count() == 1
    stack.undo()
    assert project.training == {"batch_size": 8} and graph.weights == {}
    stack.redo()
    assert project.training["optimizer"]["params"]["learning_rate"] == 0.01


def test_restoring_into_a_design_that_no_longer_fits_says_so(qtbot, runs):
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 9}), name="m")
    view = CompareView(lambda: graph)
    qtbot.addWidget(view)
    view.show()
    view.set_runs_folder(runs.folder)
    _tick(qtbot, view.runs_list, 0)
    _tick(qtbot, view.runs_list, 1)
    with qtbot.waitSignal(view.message, timeout=30000, check_params_cb=lambda t: "Cannot" in t):
        qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    assert "do not fit" in view.status.text()


def test_runs_of_another_project_join_the_comparison(qtbot, tmp_path, runs):
    other = RunStore(tmp_path / "other.runs")
    _store_run(other, "20260102-100000-cccccc", [0.4], lr=0.1)
    view = CompareView()
    qtbot.addWidget(view)
    view.set_runs_folder(runs.folder)
    assert view.add_folder(tmp_path / "other.studio.json") == 1
    assert view.runs_list.count() == 3
    view.check_runs(["20260101-100000-aaaaaa", "20260102-100000-cccccc"])
    assert view.comparison.runs == ("run aaaaaa", "run cccccc")
    assert view.add_folder(tmp_path / "empty.runs") == 0
    assert "No runs found" in view.status.text()


def test_diff_dialog_marks_added_removed_and_changed_layers(qtbot):
    a, b = _edited_cnn()
    dialog = DiffDialog(diff_graphs(a, b, "before", "after", sizes=param_sizes), a, b)
    qtbot.addWidget(dialog)
    dialog.show()
    items = dialog.items
    assert items["dropout"].pen().color() == COLORS["added"]
    removed = items["max_pooling2d"]
    assert removed.pen().color() == COLORS["removed"]
    assert removed.pen().style() == Qt.PenStyle.DashLine
    assert items["conv2d"].pen().color() == COLORS["changed"]
    assert items["input"].pen().color() == COLORS["same"]
    others = [i for name, i in items.items() if name != "max_pooling2d"]
    assert not any(removed.sceneBoundingRect().intersects(i.sceneBoundingRect()) for i in others)
    assert "filters: 8 → 16" in items["conv2d"].toolTip()
    assert dialog.changes.count() == 5  # every layer but the unchanged input
    assert "1 added, 1 removed, 3 changed" in dialog.summary.text()
    assert "+94,720" in dialog.summary.text()
    first = dialog.changes.item(0)
    rect = dialog.changes.visualItemRect(first)
    qtbot.mouseClick(dialog.changes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.changes.currentItem() is first


# ----- in the whole app ------------------------------------------------------------------------
@pytest.fixture
def app(qtbot, tmp_path: Path):
    window, bench = open_window(qtbot, tmp_path, workbench=True, autosave_ms=None)
    qtbot.waitUntil(lambda: bench.dataset_panel.dataset() is not None, timeout=20000)
    return window, bench


@pytest.mark.slow
def test_health_badges_show_nan_on_the_layer_that_overflowed(app, qtbot):
    window, bench = app
    graph, ids = blowup_graph()
    window.set_project(Project(graph=graph))  # a new project starts without the old data
    _click_bundled(qtbot, bench, "iris")
    panel = bench.training_panel
    panel.epochs_spin.setValue(2)
    with qtbot.waitSignal(panel.trainingFinished, timeout=60000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert panel.last_result.status == "failed"
    assert "'blowup' (Dense layer)" in panel.message_label.text()
    qtbot.waitUntil(lambda: badge_of(window.scene.nodes[ids[2]]) is not None)
    bad = badge_of(window.scene.nodes[ids[2]])
    assert bad.level == "bad" and bad.text == "NaN" and bad.isVisible()
    upstream = badge_of(window.scene.nodes[ids[1]])
    # Its output is fine (a ReLU layer's figures) but the gradient through it is not.
    assert upstream is not None and "dead" in upstream.text and "∇NaN" in upstream.text
    assert "gradient is NaN/Inf" in upstream.toolTip()
    # The badge rides on its node.
    assert bad.parentItem() is window.scene.nodes[ids[2]]
    bench.diagnose.health_action.trigger()  # off: badges go
    assert badge_of(window.scene.nodes[ids[2]]) is None


def test_memory_budget_offers_the_largest_batch_that_fits_as_an_undoable_fix(app, qtbot):
    window, bench = app
    panel = bench.training_panel
    budget = panel.memory_budget
    # Shown once the example's first analysis (on the worker) has arrived.
    qtbot.waitUntil(lambda: budget.isVisible() and "Memory for batch" in budget.label.text())
    before = panel.batch_spin.value()
    one = budget.refresh(panel.settings())
    # Pretend the machine has room for the fixed part and exactly 40 samples.
    free = int((one.fixed + 40 * one.per_sample) / 0.9) + 1
    budget.set_device(DeviceMemory(free, "RAM"))
    panel.batch_spin.setValue(500)
    assert budget.estimate.batch_size == 500 and budget.estimate.fits is False
    assert budget.fix_button.isVisible() and budget.fix_button.text() == "Use batch 40"
    qtbot.mouseClick(budget.fix_button, Qt.MouseButton.LeftButton)
    assert panel.batch_spin.value() == 40
    assert window.project.training["batch_size"] == 40
    assert budget.estimate.fits and not budget.fix_button.isVisible()
    window.stack.undo()  # settings edits in a row merge into one step (spin-box policy)
    assert window.project.training["batch_size"] == before
    assert panel.batch_spin.value() == before


def test_compare_from_the_model_menu_restores_a_run_into_the_project(app, qtbot, tmp_path):
    window, bench = app
    assert window.save_to(tmp_path / "p.studio.json")
    from studio.compile.compiler import compile_graph
    from studio.training.runs import RunRecord

    store = RunStore(tmp_path / "p.runs")
    model = compile_graph(window.graph)
    for run_id, lr in (("20260101-100000-aaaaaa", 0.001), ("20260101-110000-bbbbbb", 0.05)):
        settings = dict(window.project.training or {})
        settings = {**settings, "optimizer": {"name": "Adam", "params": {"learning_rate": lr}}}
        record = RunRecord(
            id=run_id,
            started=run_id,
            status="completed",
            settings=settings,
            epochs=[{"epoch": 1, "loss": lr * 10, "seconds": 1.0, "val_seconds": 0.0}],
            final_metrics={"loss": lr * 10},
        )
        store.save(record, model)
    view = bench.diagnose.open_compare()
    assert view.runs_list.count() == 2
    _tick(qtbot, view.runs_list, 0)
    _tick(qtbot, view.runs_list, 1)
    view.restore_combo.setCurrentIndex(1)
    before = window.stack.count()
    with qtbot.waitSignal(view.restoreReady, timeout=60000):
        qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    assert window.stack.count() == before + 1
    assert window.project.training["optimizer"]["params"]["learning_rate"] == 0.05
    assert bench.training_panel.settings().optimizer.params["learning_rate"] == 0.05
    assert window.graph.weights and window.isWindowModified()
    window.stack.undo()
    assert bench.training_panel.settings().optimizer.params["learning_rate"] != 0.05


def test_diff_against_the_last_save_shows_the_edit(app, qtbot, tmp_path):
    window, bench = app
    assert window.save_to(tmp_path / "p.studio.json")
    dense = next(n for n in window.graph.nodes if n.type == "Dense")
    old_units = dense.params.get("units")
    assert window.editor.set_param([dense.id], "units", int(old_units or 4) + 3)
    dialog = bench.diagnose.diff_against_saved()
    qtbot.addWidget(dialog)
    row = next(r for r in dialog.diff.nodes if r.name == dense.name)
    assert row.status == "changed"
    assert ("units", old_units, int(old_units or 4) + 3) in [
        (c.name, c.before, c.after) for c in row.changes
    ]
    assert dialog.items[dense.name].pen().color() == COLORS["changed"]


@pytest.mark.slow
def test_a_big_model_gets_its_badges_in_slices_and_a_newer_sample_wins(app, qtbot, monkeypatch):
    """160 layers are badged with the event loop running between slices: a timer fires
    during the pass, and the sample that arrives meanwhile is the one left on the boxes."""
    from PySide6.QtCore import QTimer

    from studio.training.health import HealthSample, NodeHealth
    from widgets.canvas import health_badge
    from widgets.common import breathing

    window, _ = app
    graph, ids = chain(("Input", {"shape": [4]}), *[("Dense", {"units": 4})] * 159)
    window.set_project(Project(graph=graph))
    qtbot.waitUntil(lambda: len(window.scene.nodes) == 160, timeout=20000)
    names = [graph.node(nid).name for nid in ids]
    first = HealthSample(1, 1, 0.0, {n: NodeHealth(n, dead_share=0.9) for n in names})
    newer = HealthSample(1, 2, 1.0, {n: NodeHealth(n, nonfinite=True) for n in names})
    answers: list[int] = []
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: answers.append(health_badge.show_health(window.scene, newer)))
    monkeypatch.setattr(breathing, "SLICE_S", 0.0)  # the event loop runs after every badge
    original = health_badge.set_badge

    def badge_and_start_the_timer(item, health):
        if not answers and not timer.isActive():
            timer.start(0)
        return original(item, health)

    monkeypatch.setattr(health_badge, "set_badge", badge_and_start_the_timer)
    health_badge.show_health(window.scene, first)
    assert answers == [0], "the newer sample arrived while the first was being drawn"
    texts = {badge_of(window.scene.nodes[nid]).text for nid in ids[1:]}
    assert texts == {"NaN"}  # every box shows the newer sample


def test_clearing_the_badges_touches_only_the_boxes_that_carry_one(app, qtbot, monkeypatch):
    """Opening another project (or starting a run) clears the badges. On NASNetMobile's 771
    boxes, a Qt call on every box while the new project's analysis ran cost the UI 380 ms."""
    from studio.training.health import HealthSample, NodeHealth
    from widgets.canvas import health_badge

    window, _ = app
    graph, ids = chain(("Input", {"shape": [4]}), *[("Dense", {"units": 4})] * 11)
    window.set_project(Project(graph=graph))
    qtbot.waitUntil(lambda: len(window.scene.nodes) == 12)
    sick = [graph.node(nid).name for nid in ids[3:5]]
    assert (
        health_badge.show_health(
            window.scene, HealthSample(1, 1, 0.0, {n: NodeHealth(n, dead_share=0.9) for n in sick})
        )
        == 2
    )
    touched: list[object] = []
    original = health_badge.set_badge

    def noting(item, health):
        touched.append(item)
        return original(item, health)

    monkeypatch.setattr(health_badge, "set_badge", noting)
    health_badge.show_health(window.scene, None)
    assert {id(item) for item in touched} == {id(window.scene.nodes[nid]) for nid in ids[3:5]}
    assert len(touched) == 2
    assert all(badge_of(item) is None for item in window.scene.nodes.values())
    touched.clear()
    window.set_project(Project(graph=chain(("Input", {"shape": [4]}), ("Dense", {"units": 2}))[0]))
    assert touched == []  # the new project's boxes have no badges to take off
