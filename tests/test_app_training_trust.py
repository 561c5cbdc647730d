"""Issue 11, training side: trained weights are work the user can lose, so they are document
edits (title, save prompt, autosave); runs live beside the saved project and come back; a new
project shows nothing of the old one's training; a second run says what it starts from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QScrollArea

from studio.gallery.templates import new_from_template
from studio.project import Project
from tests.helpers import train_from_panel
from widgets.app.autosave import recovery_path, weights_path
from widgets.app.workbench import build_app_window


@pytest.fixture
def app(qtbot, tmp_path: Path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window, bench = build_app_window(
        settings=settings, recovery_dir=tmp_path / "recovery", autosave_ms=30
    )
    window.ask_restore = lambda path: False
    window.ask_save_changes = lambda: "discard"
    window.tell = lambda title, text: None
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: bench.dataset_panel.dataset() is not None, timeout=30000)
    bench.training_panel.epochs_spin.setValue(1)
    bench.training_panel.batch_spin.setValue(64)
    window.stack.clear()  # the settings above are not what these tests are about
    window.stack.setClean()
    return window, bench


def train_once(qtbot, bench) -> None:
    panel = bench.training_panel
    result = train_from_panel(qtbot, panel)
    assert result.status == "completed", result.message


@pytest.mark.slow
def test_training_marks_the_model_modified_and_asks_before_it_is_lost(app, qtbot):
    window, bench = app
    window.docks["Inspect"].raise_()
    qtbot.waitUntil(bench.inspect_current, timeout=30000)
    assert not window.isWindowModified()
    train_once(qtbot, bench)
    assert window.isWindowModified()
    qtbot.waitUntil(bench.inspect_current, timeout=30000)  # inspect shows the trained model
    assert window.stack.undoText() == "Keep trained weights"
    asked = []
    window.ask_save_changes = lambda: asked.append(1) or "cancel"
    assert not window.maybe_save() and asked
    copy = recovery_path(window.autosaver.folder, None)
    qtbot.waitUntil(lambda: weights_path(copy).exists(), timeout=5000)  # autosave has them
    window.ask_save_changes = lambda: "discard"


@pytest.mark.slow
def test_runs_move_beside_the_saved_project_and_come_back(app, qtbot, tmp_path):
    window, bench = app
    train_once(qtbot, bench)
    run_id = bench.training_panel.last_result.record.id
    target = tmp_path / "shapes.studio.json"
    assert window.save_to(target)
    runs = tmp_path / "shapes.runs"
    assert (runs / run_id / "run.json").exists()
    assert list(tmp_path.glob("shapes.*.weights.npz"))  # named by their content hash
    assert bench.training_panel.run_ids() == [run_id]
    window.new_project()
    assert bench.training_panel.run_ids() == []
    assert window.open_project(target)
    assert bench.training_panel.run_ids() == [run_id]
    dense = window.graph.node_by_name("classifier").id
    saved = Project.load(target).graph.weights[dense][0]
    assert np.array_equal(window.graph.weights[dense][0], saved)


@pytest.mark.slow
def test_another_template_shows_nothing_of_the_previous_training(app, qtbot):
    window, bench = app
    window.ask_save_changes = lambda: "discard"
    train_once(qtbot, bench)
    panel = bench.training_panel
    assert panel.run_ids() and bench.plots.run_ids() and panel.eta_label.text()
    assert window.maybe_save()
    bench.open_template_project(new_from_template("mnist_softmax"))
    assert panel.run_ids() == [] and bench.plots.run_ids() == []
    assert panel.eta_label.text() == "" and panel.last_result is None
    assert panel.progress.value() == 0 and bench.inspect_panel.evaluation.result is None


@pytest.mark.slow
def test_a_second_run_asks_whether_to_continue_or_start_fresh(app, qtbot):
    window, bench = app
    train_once(qtbot, bench)
    asked = []
    bench.ask_weights = lambda: asked.append(1) or "cancel"
    qtbot.mouseClick(bench.training_panel.train_button, Qt.MouseButton.LeftButton)
    assert asked and bench.training_panel.trainer is None
    assert "not started" in bench.training_panel.message_label.text()
    built = []
    original = window.models.request_model

    def spy(graph, on_done, **kwargs):
        built.append(kwargs.get("with_weights"))
        return original(graph, on_done, **kwargs)

    window.models.request_model = spy
    bench.ask_weights = lambda: "fresh"
    train_once(qtbot, bench)
    assert built[0] is False  # fresh weights: the graph's weights were not loaded


@pytest.mark.slow
def test_a_run_says_it_is_starting_then_where_it_trains_and_the_window_keeps_working(app, qtbot):
    """Training runs in the training process: the first run waits for it to start, so the
    panel says so at once; the app's model gets the trained weights and the plots the curves."""
    window, bench = app
    panel = bench.training_panel
    before = [w.copy() for ws in window.graph.weights.values() for w in ws]
    shown: list[str] = []
    label_set = panel.eta_label.setText
    panel.eta_label.setText = lambda text: shown.append(text) or label_set(text)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert panel.eta_label.text() == "Building the model…"
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=90000)
    assert shown.index("Starting the run…") < shown.index("Training on CPU…")
    assert panel.last_result.status == "completed", panel.last_result.message
    assert panel.plots.series(panel.plots.run_ids()[-1], "loss")[1]
    after = [w for ws in window.graph.weights.values() for w in ws]
    assert len(after) and (not before or any((a != b).any() for a, b in zip(before, after)))


def test_a_long_progress_line_wraps_instead_of_widening_the_training_panel(app, qtbot):
    """The progress line is long ("Epoch 7/10 · batch 2/50 · epoch ETA … · total ETA …"):
    unwrapped it widened the panel inside its scrolling dock and cut off the Stop button."""
    window, bench = app
    panel = bench.training_panel
    window.docks["Training"].raise_()
    scroll = window.findChild(QScrollArea, "scroll_dock_training")
    qtbot.waitUntil(lambda: scroll.isVisible(), timeout=5000)
    assert scroll.horizontalScrollBar().maximum() == 0
    panel._batch_progress(
        {"fraction": 0.6, "paused": False, "epoch": 7, "epochs": 10, "batch": 2,
         "batches": 50, "epoch_eta": 1.0, "overall_eta": 3700.0, "logs": None}
    )  # fmt: skip
    assert "total ETA" in panel.eta_label.text()
    label = panel.eta_label
    settings_box = panel.findChild(QScrollArea)

    def laid_out() -> bool:  # the new text (and the memory line, filled in on its own time)
        return (  # go through a few rounds of layout requests and resizes
            scroll.horizontalScrollBar().maximum() == 0
            and label.height() >= label.sizeHint().height()
            and settings_box.geometry().bottom() < panel.device_label.geometry().top()
        )

    try:
        qtbot.waitUntil(laid_out, timeout=5000)
    except qtbot.TimeoutError:
        pass  # the assertions below say which part is wrong
    assert scroll.horizontalScrollBar().maximum() == 0, "the panel grew wider than its dock"
    assert label.height() >= label.sizeHint().height(), "its rows were squeezed together"
    assert settings_box.geometry().bottom() < panel.device_label.geometry().top()


@pytest.mark.slow
def test_a_run_leaves_the_shown_model_as_it_was_and_inspect_then_shows_the_trained_one(app, qtbot):
    """The run trains a copy built from the design in the Keras process: the model the
    inspect views show is not changed under them, and once the weights are kept the views get
    a model that has them, compiled with the run's loss for Evaluation."""
    window, bench = app
    shown: list = []
    bench.inspectModelChanged.connect(shown.append)
    window.docks["Inspect"].raise_()
    bench.inspect_panel.setCurrentWidget(bench.inspect_panel.filters)  # draws the model
    qtbot.waitUntil(lambda: bench.inspect_current() and bool(shown), timeout=60000)
    before_model = shown[-1]
    before = [w.copy() for w in before_model.get_weights()]
    train_once(qtbot, bench)
    for kept, now in zip(before, before_model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)
    qtbot.waitUntil(
        lambda: bench.inspect_current() and shown[-1] is not before_model, timeout=60000
    )
    trained = shown[-1]
    assert trained.compiled and trained.loss is not None
    graph = window.graph
    for node in graph.nodes:
        if node.id in graph.weights:
            for stored, used in zip(
                graph.weights[node.id], trained.get_layer(node.name).get_weights(), strict=True
            ):
                np.testing.assert_array_equal(stored, used)
    assert any((a != b).any() for a, b in zip(before, trained.get_weights(), strict=True)), (
        "the views show the trained weights"
    )
