"""The Search panel as a user meets it: mark a parameter from the inspector, see its badge on
the canvas, run a small search in the background, stop and resume it, apply the best trial and
undo it."""

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from studio.project import Project
from studio.tuning import Dimension, SearchSpace
from tests.helpers import chain
from widgets.app.workbench import build_app_window


def _mlp_project(tmp_path: Path, marked: bool) -> tuple[Path, list[str]]:
    graph, ids = chain(
        ("Input", {"shape": [4]}),
        ("Dense", {"units": 8, "activation": "relu"}),
        ("Dense", {"units": 3, "activation": "softmax"}),
        name="mlp",
    )
    project = Project(
        graph,
        training={"epochs": 1, "batch_size": 32},
        dataset={"kind": "bundled", "name": "iris"},
    )
    if marked:
        project.search = SearchSpace(
            (
                Dimension("node", ids[1], "units", "int", low=2, high=12, step=2),
                Dimension(
                    "training",
                    "learning_rate",
                    "learning_rate",
                    "float",
                    low=1e-3,
                    high=1e-1,
                    sampling="log",
                ),
            )
        ).to_dict()
    return project.save(tmp_path / "mlp.studio.json"), ids


@pytest.fixture
def app(qtbot, tmp_path: Path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window, bench = build_app_window(settings=settings, recovery_dir=tmp_path / "recovery")
    window.ask_save_changes = lambda: "discard"
    window.ask_restore = lambda path: False
    qtbot.addWidget(window)
    window.show()
    yield window, bench
    bench.search.panel.shutdown()


def _open(qtbot, window, bench, path: Path) -> None:
    assert window.open_project(path)
    qtbot.waitUntil(
        lambda: (
            bench.dataset_panel.dataset() is not None
            and bench.dataset_panel.dataset().name == "iris"
        ),
        timeout=20000,
    )


def _label(window, text: str) -> QLabel:
    body = window.inspector.scroll.widget()
    return next(
        lb for lb in body.findChildren(QLabel) if lb.text().split(" ")[0].rstrip("*") == text
    )


def _type_into(qtbot, box, value: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), value)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Tab)


def test_marking_a_parameter_in_the_inspector_shows_a_badge_and_undoes(app, qtbot, tmp_path):
    window, bench = app
    path, ids = _mlp_project(tmp_path, marked=False)
    _open(qtbot, window, bench, path)
    window.scene.select_nodes([ids[1]])
    qtbot.waitUntil(lambda: window.inspector.node_ids == [ids[1]])
    label = _label(window, "units")
    plain = label.text()
    label.customContextMenuRequested.emit(QPoint(2, 2))
    menu = window.inspector.search_menu
    assert menu.actions()[0].text() == "Search over values…"
    menu.actions()[0].trigger()
    dialog = bench.search.panel.dialog
    qtbot.waitUntil(dialog.isVisible)
    _type_into(qtbot, dialog.int_low, "4")
    _type_into(qtbot, dialog.int_high, "32")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert window.project.search["dimensions"] == [
        {"target": "node", "ref": ids[1], "param": "units", "kind": "int", "low": 4, "high": 32}
    ]
    assert window.scene.nodes[ids[1]].search_badge == "⚲ units 4–32"
    assert _label(window, "units").text() == f"{plain} ⚲"
    assert "searched over 4–32" in _label(window, "units").toolTip()
    assert bench.search.panel.space_table.item(0, 0).text() == "dense.units"
    window.stack.undo()
    assert window.project.search == {}
    assert window.scene.nodes[ids[1]].search_badge == ""
    assert _label(window, "units").text() == plain


def test_a_refused_range_explains_itself_and_keeps_the_dialog_open(app, qtbot, tmp_path):
    window, bench = app
    path, ids = _mlp_project(tmp_path, marked=False)
    _open(qtbot, window, bench, path)
    window.scene.select_nodes([ids[1]])
    qtbot.waitUntil(lambda: window.inspector.node_ids == [ids[1]])
    _label(window, "units").customContextMenuRequested.emit(QPoint(2, 2))
    window.inspector.search_menu.actions()[0].trigger()
    dialog = bench.search.panel.dialog
    _type_into(qtbot, dialog.int_low, "40")
    _type_into(qtbot, dialog.int_high, "8")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert dialog.isVisible()
    assert "lowest must not exceed highest; received 40..8" in dialog.error.text()
    assert window.project.search == {}


@pytest.mark.slow
def test_a_search_from_the_panel_runs_in_the_background_and_applies_as_one_undo(
    app, qtbot, tmp_path
):
    window, bench = app
    path, ids = _mlp_project(tmp_path, marked=True)
    _open(qtbot, window, bench, path)
    panel = bench.search.panel
    assert panel.space_table.rowCount() == 2
    assert window.scene.nodes[ids[1]].search_badge == "⚲ units 2–12 step 2"
    _type_into(qtbot, panel.trials_box, "2")
    with qtbot.waitSignal(panel.searchFinished, timeout=120000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        assert panel.is_running() and not panel.start_button.isEnabled()  # UI thread is free
    result = finished.args[0]
    assert result.status == "completed", result.message
    assert panel.table.rowCount() == 2
    assert {panel.table.item(r, 1).text() for r in range(2)} == {"completed"}
    assert len(panel.plots.trial_points.data) == 2
    front = {t.trial_id for t in result.pareto}
    assert {panel.table.item(r, 0).text() for r in range(2) if panel.table.item(r, 5).text()} == (
        front
    )
    assert len(panel.plots.front_line.xData) == len(front)
    best = panel.best()
    assert (tmp_path / "mlp.tuning" / "random").is_dir()
    assert {r.id for r in bench.training_panel._store().list()} == {t.run_id for t in result.trials}
    assert set(bench.training_panel.run_ids()) >= {t.run_id for t in result.trials}
    before_graph = window.project.graph.to_dict()
    before_training = dict(window.project.training)
    depth = window.stack.count()
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert window.stack.count() == depth + 1
    assert window.project.graph.node(ids[1]).params["units"] == best.values[f"node.{ids[1]}.units"]
    lr = best.values["training.learning_rate"]
    assert window.project.training["optimizer"]["params"]["learning_rate"] == pytest.approx(lr)
    assert bench.training_panel.settings().optimizer.params["learning_rate"] == pytest.approx(lr)
    window.stack.undo()
    assert window.project.graph.to_dict() == before_graph
    assert window.project.training == before_training
    assert bench.training_panel.settings().optimizer.params["learning_rate"] == pytest.approx(
        before_training.get("optimizer", {}).get("params", {}).get("learning_rate", 1e-3)
    )


@pytest.mark.slow
def test_stop_then_resume_continues_the_stored_search(app, qtbot, tmp_path):
    window, bench = app
    path, _ids = _mlp_project(tmp_path, marked=True)
    _open(qtbot, window, bench, path)
    panel = bench.search.panel
    _type_into(qtbot, panel.trials_box, "3")
    with qtbot.waitSignal(panel.searchFinished, timeout=120000) as finished:
        with qtbot.waitSignal(panel.trialEnded, timeout=120000):
            qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].status == "stopped"
    done = [t for t in panel.trials if t.status == "completed"]
    assert 1 <= len(done) < 3
    with qtbot.waitSignal(panel.searchFinished, timeout=120000) as resumed:
        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert resumed.args[0].status == "completed", resumed.args[0].message
    assert [t.trial_id for t in panel.trials] == ["0", "1", "2"]
    assert all(t.status == "completed" for t in panel.trials)


def test_blocks_and_training_settings_are_marked_from_the_panel(app, qtbot, tmp_path):
    from studio.graph.grouping import group_op

    window, bench = app
    graph, ids = chain(
        ("Input", {"shape": [4]}),
        ("Dense", {"units": 4, "activation": "relu"}),
        ("Dropout", {"rate": 0.1}),
        ("Dense", {"units": 3, "activation": "softmax"}),
        name="mlp",
    )
    op, gid = group_op(graph, [ids[1], ids[2]], "stage")
    graph.apply(op)
    project = Project(graph, training={"epochs": 1}, dataset={"kind": "bundled", "name": "iris"})
    _open(qtbot, window, bench, project.save(tmp_path / "blocks.studio.json"))
    panel = bench.search.panel
    qtbot.mouseClick(panel.optional_button, Qt.MouseButton.LeftButton)
    assert "Select one block" in panel.status.text()  # nothing selected yet
    window.scene.select_nodes([ids[1]])  # a collapsed block: selecting a member selects it
    qtbot.waitUntil(lambda: window.scene.selected_block() == gid)
    qtbot.mouseClick(panel.optional_button, Qt.MouseButton.LeftButton)
    assert window.scene.blocks[gid].search_badge == "⚲ optional"
    qtbot.mouseClick(panel.repeat_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    _type_into(qtbot, dialog.int_high, "3")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert window.scene.blocks[gid].search_badge == "⚲ optional  repeat ×1–3"
    action = next(a for a in panel.training_menu.actions() if a.text() == "batch_size")
    action.trigger()
    _type_into(qtbot, panel.dialog.int_low, "16")
    _type_into(qtbot, panel.dialog.int_high, "64")
    _type_into(qtbot, panel.dialog.int_step, "16")
    qtbot.mouseClick(
        panel.dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
        Qt.MouseButton.LeftButton,
    )
    space = SearchSpace.from_dict(window.project.search)
    assert [d.key for d in space.dimensions] == [
        f"block.{gid}.optional",
        f"block.{gid}.repeat",
        "training.batch_size",
    ]
    assert space.dimensions[2].range_text() == "16–64 step 16"
    assert [panel.space_table.item(r, 0).text() for r in range(3)] == [
        "stage optional",
        "stage repeat",
        "training.batch_size",
    ]
    for _ in range(3):
        window.stack.undo()
    assert window.project.search == {}
    assert window.scene.blocks[gid].search_badge == ""


def test_a_choice_parameter_is_searched_over_the_typed_values(app, qtbot, tmp_path):
    window, bench = app
    path, ids = _mlp_project(tmp_path, marked=False)
    _open(qtbot, window, bench, path)
    window.scene.select_nodes([ids[1]])
    qtbot.waitUntil(lambda: window.inspector.node_ids == [ids[1]])
    _label(window, "activation").customContextMenuRequested.emit(QPoint(2, 2))
    window.inspector.search_menu.actions()[0].trigger()
    dialog = bench.search.panel.dialog
    assert dialog.mode.currentText() == "Choice list"
    dialog.choices.selectAll()
    qtbot.keyClicks(dialog.choices, "relu, tanh, gelu")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    (dim,) = SearchSpace.from_dict(window.project.search).dimensions
    assert (dim.kind, dim.values) == ("choice", ("relu", "tanh", "gelu"))
    assert window.scene.nodes[ids[1]].search_badge == "⚲ activation relu|tanh|gelu"


def test_the_search_plots_redraw_only_when_the_trials_or_objective_change(qtbot, monkeypatch):
    """Every project open shows its stored search (most often none); relabelling the axes
    for the same nothing cost the UI tens of ms at each open."""
    from studio.tuning.objective import Objective
    from widgets.tuning.plots import SearchPlots

    plots = SearchPlots()
    qtbot.addWidget(plots)
    plots.show_trials([], Objective())
    labels: list[str] = []
    original = plots.per_trial.setLabel
    monkeypatch.setattr(
        plots.per_trial, "setLabel", lambda *a, **k: (labels.append(a[1]), original(*a, **k))
    )
    plots.show_trials([], Objective())
    assert labels == []
    plots.show_trials([], Objective("val_loss", "min"))
    assert labels == ["val_loss"]
    assert plots.per_trial.getAxis("left").labelText == "val_loss"
