"""The whole app as a user meets it: pick data and settings, train with live curves, stop, see
the run; the trained weights stay with the model; export and pictures from the File menu."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QListWidgetItem

from studio.project import Project
from tests.conftest import open_window
from widgets.app.workbench import build_app_window


@pytest.fixture
def app(qtbot, tmp_path: Path):
    window, bench = open_window(qtbot, tmp_path, workbench=True, autosave_ms=None)
    qtbot.waitUntil(lambda: bench.dataset_panel.dataset() is not None, timeout=20000)
    return window, bench


def _click_bundled(qtbot, bench, name: str) -> None:
    panel = bench.dataset_panel
    items = [panel.bundled_list.item(i) for i in range(panel.bundled_list.count())]
    item: QListWidgetItem = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == name)
    rect = panel.bundled_list.visualItemRect(item)
    with qtbot.waitSignal(panel.datasetChanged, timeout=20000):
        qtbot.mouseClick(
            panel.bundled_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )


def test_all_panels_dock_and_follow_the_project(app, qtbot):
    window, bench = app
    assert {"Dataset", "Training", "Plots", "Inspect", "Code"} <= set(window.docks)
    assert bench.dataset_panel.ref().name == "shapes"
    qtbot.waitUntil(lambda: "keras.Input" in bench.code_view.text(), timeout=20000)
    assert window.stack.count() == 0 and not window.isWindowModified()  # loading is no edit
    assert window.tabifiedDockWidgets(window.docks["Layers"]) == [window.docks["Dataset"]]


def test_an_arrangement_saved_before_new_panels_is_not_restored(qtbot, tmp_path):
    from widgets.app.main_window import MainWindow

    settings = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    old = MainWindow(settings=settings, recovery_dir=tmp_path / "r")
    qtbot.addWidget(old)
    old.show()
    settings.setValue("window_state", old.saveState(old._layout_version()))
    window, _bench = build_app_window(settings=settings, recovery_dir=tmp_path / "r")
    qtbot.addWidget(window)
    window.show()
    assert window.docks["Dataset"] in window.tabifiedDockWidgets(window.docks["Layers"])


@pytest.mark.slow
def test_train_from_the_window_shows_curves_and_keeps_the_run(app, qtbot, tmp_path):
    window, bench = app
    assert window.save_to(tmp_path / "cnn.studio.json")
    panel = bench.training_panel
    panel.epochs_spin.setValue(3)
    panel.batch_spin.setValue(64)
    assert Project.load(tmp_path / "cnn.studio.json").training["epochs"] == 10
    assert window.project.training["epochs"] == 3 and window.isWindowModified()
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.trainer is not None, timeout=20000)  # built off the UI thread
    with qtbot.waitSignal(panel.trainer.epochEnded, timeout=60000):
        pass
    run_id = bench.plots.run_ids()[0]
    xs, ys = bench.plots.series(run_id, "loss", "epoch")
    assert len(xs) >= 1 and np.isfinite(ys).all()
    with qtbot.waitSignal(panel.trainingFinished, timeout=60000):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert panel.last_result.status in ("stopped", "completed")
    assert panel.run_ids() == [panel.last_result.record.id]
    assert (tmp_path / "cnn.runs" / panel.last_result.record.id / "run.json").exists()
    dense = window.graph.node_by_name("classifier").id
    assert window.graph.weights[dense][0].shape == (64, 4)  # trained weights kept


def test_settings_change_is_undoable(app, qtbot):
    window, bench = app
    bench.training_panel.batch_spin.setValue(16)
    assert window.project.training["batch_size"] == 16
    window.stack.undo()
    assert window.project.training["batch_size"] == 32
    assert bench.training_panel.batch_spin.value() == 32


def test_data_that_does_not_fit_is_reported_in_words(app, qtbot):
    window, bench = app
    _click_bundled(qtbot, bench, "digits")  # 8×8×1 images with 10 classes
    asked = []
    bench.ask_fix = lambda text: asked.append(text) or False
    qtbot.mouseClick(bench.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bench.training_panel.message_label.text() != "", timeout=20000)
    assert not asked  # no single fix makes 8×8 images fit a 28×28 input
    message = bench.training_panel.message_label.text()
    assert "model input expects (28, 28, 1), data is (8, 8, 1)" in message
    assert "10 classes in data, last Dense has 4 units" in message
    assert bench.training_panel.trainer is None


def test_accepting_the_units_fix_changes_the_model(app, qtbot):
    window, bench = app
    window.editor.set_param([window.graph.node_by_name("classifier").id], "units", 5)
    asked = []
    bench.ask_fix = lambda text: asked.append(text) or True
    model = bench._model_for_training()
    assert any("4 classes in data, last Dense has 5 units" in a for a in asked)
    assert window.graph.node_by_name("classifier").params["units"] == 4
    assert model.output.shape[-1] == 4


@pytest.mark.slow
def test_selecting_a_node_shows_its_feature_maps(app, qtbot):
    window, bench = app
    window.docks["Inspect"].raise_()
    qtbot.waitUntil(window.docks["Inspect"].isVisible)
    maps = bench.inspect_panel.feature_maps
    bench.inspect_panel.setCurrentWidget(maps)
    conv = window.graph.node_by_name("conv2d").id
    window.scene.select_nodes([conv])
    qtbot.waitUntil(
        lambda: maps.layer_name == "conv2d" and maps.grid.count == 16, timeout=20000
    )  # filters=16: one map per filter


def test_export_from_the_window_writes_a_verified_file(app, qtbot, tmp_path, monkeypatch):
    """The export reads a snapshot of the design: a serialising copy took 16 ms of the UI
    thread for NASNetMobile."""
    import threading

    from studio.graph import Graph

    window, bench = app
    copied_here = []
    real_copy = Graph.copy

    def watched_copy(graph):
        copied_here.append(threading.current_thread() is threading.main_thread())
        return real_copy(graph)

    monkeypatch.setattr(Graph, "copy", watched_copy)
    with qtbot.waitSignal(bench.exportFinished, timeout=60000) as blocker:
        bench.export_to("keras", tmp_path / "model.keras")
    assert not any(copied_here), "the graph was copied on the UI thread"
    report = blocker.args[0]
    assert getattr(report, "verified", False), report
    assert (tmp_path / "model.keras").exists()


def test_graph_picture_as_png_and_svg(app, tmp_path):
    window, bench = app
    png = bench.export_picture(tmp_path / "graph.png")
    svg = bench.export_picture(tmp_path / "graph.svg")
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert image.width() > 200 and len(colours) > 3  # boxes, headers and text, not blank
    assert "<svg" in svg.read_text() and "conv2d" in svg.read_text()


def test_export_failure_is_reported_not_raised(app, qtbot, tmp_path):
    window, bench = app
    window.editor.set_param([window.graph.node_by_name("dense").id], "units", 0)
    with qtbot.waitSignal(bench.exportFinished, timeout=60000) as blocker:
        bench.export_to("keras", tmp_path / "broken.keras")
    assert "units must be at least 1" in blocker.args[0].message
    assert not (tmp_path / "broken.keras").exists() and bench.export_action.isEnabled()


def test_importing_a_model_file_runs_in_the_background(app, qtbot, tmp_path):
    import keras

    window, _bench = app
    inp = keras.Input((4,), name="features")
    out = keras.layers.Dense(3, activation="softmax", name="species")(
        keras.layers.Dense(5, activation="relu", name="hidden")(inp)
    )
    keras.Model(inp, out).save(tmp_path / "iris.keras")
    with qtbot.waitSignal(window.importFinished, timeout=60000) as blocker:
        assert window.import_file(tmp_path / "iris.keras")
        assert window.jobs.busy
    assert blocker.args[0] is True
    assert [n.name for n in window.graph.nodes] == ["features", "hidden", "species"]


@pytest.mark.slow
def test_transfer_template_without_network_keeps_random_weights_and_says_so(
    app, qtbot, monkeypatch
):
    import keras

    from studio.gallery.templates import new_from_template

    window, bench = app

    def offline(*_args, **_kwargs):
        raise OSError("URL fetch failure: network is unreachable")

    monkeypatch.setattr(keras.applications, "MobileNetV2", offline)
    with qtbot.waitSignal(bench.pretrainedFinished, timeout=60000) as blocker:
        bench.open_template_project(new_from_template("transfer_mobilenetv2"))
    assert not blocker.args[0].loaded and "could not be downloaded" in blocker.args[0].note
    assert "could not be downloaded" in window.statusBar().currentMessage()
    assert window.scene.refresh_analysis().ok


def _lambda_model_file(tmp_path):
    import keras

    inp = keras.Input((4,), name="x")
    doubled = keras.layers.Lambda(lambda t: t * 2.0, name="double")(inp)
    out = keras.layers.Dense(2, name="head")(doubled)
    path = tmp_path / "lambda.keras"
    keras.Model(inp, out).save(path)
    return path


@pytest.mark.parametrize("trusted", [False, True])
def test_code_in_a_model_file_runs_only_when_the_user_trusts_it(app, qtbot, tmp_path, trusted):
    window, _bench = app
    path = _lambda_model_file(tmp_path)
    asked = []
    window.ask_trust = lambda p, reason: asked.append(reason) or trusted
    before = [n.name for n in window.graph.nodes]
    with qtbot.waitSignal(window.importFinished, timeout=60000) as blocker:
        window.import_file(path)
    assert asked and "safe mode" in asked[0]
    assert blocker.args[0] is trusted
    if trusted:
        assert window.graph.node_by_name("double").opaque
    else:
        assert [n.name for n in window.graph.nodes] == before


def test_nested_models_import_as_a_block_or_expanded_by_choice(app, qtbot, tmp_path):
    import keras

    window, _bench = app
    inner_in = keras.Input((8,))
    inner = keras.Model(
        inner_in, keras.layers.Dense(4, name="inner_dense")(inner_in), name="backbone"
    )
    outer_in = keras.Input((8,), name="features")
    keras.Model(outer_in, keras.layers.Dense(2, name="head")(inner(outer_in))).save(
        tmp_path / "nested.keras"
    )
    for expand, expected in ((False, "backbone"), (True, "inner_dense")):
        window.actions_by_name["expand_nested"].setChecked(expand)
        with qtbot.waitSignal(window.importFinished, timeout=60000):
            window.import_file(tmp_path / "nested.keras")
        assert window.graph.node_by_name(expected) is not None


def test_a_graph_imported_from_code_opens_laid_out(app, qtbot):
    import keras

    from studio.interop.importer import import_model

    window, bench = app
    inp = keras.Input((4,), name="features")
    model = keras.Model(
        inp, keras.layers.Dense(3, name="species")(keras.layers.Dense(5, name="hidden")(inp))
    )
    graph = import_model(model).graph
    with qtbot.waitSignal(window.projectChanged):
        bench.code_view.graphImported.emit(graph)
    assert window.graph is graph
    ys = [window.graph.node_by_name(n).position[1] for n in ("features", "hidden", "species")]
    assert ys == sorted(ys) and len(set(ys)) == 3  # layered top to bottom
