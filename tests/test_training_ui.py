"""The Train tab: settings chosen in the panel drive a real run on a worker thread."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from PySide6.QtCore import Qt

from studio.data.dataset import Dataset
from studio.training.runs import RunStore
from widgets.training.panel import TrainingPanel

WAIT_MS = 30000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def panel(qtbot, tmp_path: Path) -> TrainingPanel:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4096, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    dataset = Dataset("toy", x, y, class_names=["neg", "pos"])
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    )
    store = RunStore(tmp_path / "runs")
    widget = TrainingPanel(lambda: model, lambda: dataset, lambda: store)
    qtbot.addWidget(widget)
    yield widget
    if widget.trainer is not None:
        widget.trainer.stop()
        widget.trainer.wait()


def test_train_from_chosen_settings_then_stop_lists_the_run(qtbot, panel: TrainingPanel) -> None:
    panel.optimizer_combo.setCurrentText("SGD")
    panel.optimizer_form.field("learning_rate").setText("0.05")
    panel.loss_combo.setCurrentText("SparseCategoricalCrossentropy")
    panel.loss_form.field("from_logits").setChecked(True)
    panel.epochs_spin.setValue(200)
    panel.batch_spin.setValue(16)
    panel.split_spin.setValue(0.2)
    with qtbot.waitSignal(panel.settingsChanged, timeout=WAIT_MS) as changed:
        panel.shuffle_check.setChecked(False)
    settings = changed.args[0]
    assert settings.optimizer.name == "SGD" and settings.optimizer.params["learning_rate"] == 0.05
    assert settings.loss.params == {"from_logits": True} and "accuracy" in settings.metrics

    qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.trainer is not None
    with qtbot.waitSignal(panel.trainer.epochEnded, timeout=WAIT_MS):
        pass
    run_id = panel.plots.run_ids()[0]
    qtbot.waitUntil(lambda: len(panel.plots.series(run_id, "loss")[1]) >= 1, timeout=WAIT_MS)
    assert panel.plots.series(run_id, "val_loss")[1]
    assert {"loss", "accuracy"} <= set(panel.plots.metric_names())

    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=WAIT_MS)
    assert panel.last_result.status == "stopped"
    assert panel.run_ids() == [panel.last_result.record.id]
    assert panel.train_button.isEnabled()


def test_loading_settings_of_the_same_optimizer_shows_their_values_in_the_same_rows(
    qtbot, panel: TrainingPanel
) -> None:
    """Opening another project with the same optimizer and loss sets the forms' values in
    place (rebuilding the rows cost 66 ms of the UI thread at each open); another optimizer
    still gets its own rows."""
    from studio.training.settings import LossSettings, OptimizerSettings, TrainingSettings

    rate = panel.optimizer_form.field("learning_rate")
    rate.setText("0.05")
    rate.editingFinished.emit()
    logits = panel.loss_form.field("from_logits")
    changes: list[object] = []
    panel.settingsChanged.connect(changes.append)
    panel.set_settings(
        TrainingSettings(
            optimizer=OptimizerSettings("Adam", {"learning_rate": 0.002}),
            loss=LossSettings("SparseCategoricalCrossentropy", {"from_logits": True}),
        )
    )
    assert panel.optimizer_form.field("learning_rate") is rate and rate.text() == "0.002"
    assert panel.loss_form.field("from_logits") is logits and logits.isChecked()
    assert panel.settings().optimizer.params["learning_rate"] == 0.002
    assert panel.settings().loss.params == {"from_logits": True}
    panel.set_settings(TrainingSettings(optimizer=OptimizerSettings("SGD", {"momentum": 0.5})))
    assert panel.optimizer_form.field("momentum").text() == "0.5"
    assert panel.optimizer_form.field("learning_rate").text() == "0.01"  # SGD's own default
    assert not panel.loss_form.field("from_logits").isChecked()


def test_the_curves_plots_are_ready_before_the_first_run_and_survive_another_project(
    qtbot, panel: TrainingPanel
) -> None:
    """Making a plot costs 15-30 ms of the UI thread: the default run's plots exist from the
    start, and forgetting a project's runs keeps them (empty) for the next one; plots for
    metrics the next run does not log go when it starts."""
    plots = panel.plots
    assert plots.metric_names() == ["loss", "accuracy"]
    made = dict(plots._plots)
    assert not any(plot.legend.isVisible() for plot in made.values())  # no empty box
    plots.start_run("r1")
    plots.add_epoch("r1", 1, {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6})
    plots._flush()
    assert all(plot.legend.isVisible() for plot in made.values())
    assert plots.series("r1", "val_loss")[1] == [0.6]
    panel.reset()  # what opening another project does
    assert plots.run_ids() == [] and plots.series("r1", "loss") == ([], [])
    assert all(plots._plots[name] is made[name] for name in ("loss", "accuracy"))
    assert all(not plot.listDataItems() for plot in made.values())
    assert all(not plot.legend.items for plot in made.values())
    assert not any(plot.legend.isVisible() for plot in made.values())
    plots.prepare(["loss", "accuracy"])
    assert all(plots._plots[name] is made[name] for name in ("loss", "accuracy"))
    plots.prepare(["d_loss", "g_loss"])  # a GAN project's run
    assert plots.metric_names() == ["d_loss", "g_loss"]


def test_bad_hyperparameter_is_shown_not_raised(qtbot, panel: TrainingPanel) -> None:
    panel.optimizer_form.field("learning_rate").setText("fast")
    qtbot.mouseClick(panel.train_button, LEFT)
    assert "learning_rate" in panel.message_label.text()
    assert panel.trainer is None


def test_runs_can_be_compared_exported_and_loaded(
    qtbot, panel: TrainingPanel, tmp_path: Path
) -> None:
    panel.epochs_spin.setValue(1)
    panel.batch_spin.setValue(512)
    for _ in range(2):
        qtbot.mouseClick(panel.train_button, LEFT)
        qtbot.waitUntil(lambda: panel.trainer is None, timeout=WAIT_MS)
    assert len(panel.run_ids()) == 2
    panel.runs_list.selectAll()
    panel.show_selected_runs()
    assert len(panel.plots.run_ids()) == 2
    panel.plots.export_png(tmp_path / "plot.png")
    panel.plots.export_csv(tmp_path / "history.csv")
    assert (tmp_path / "plot.png").stat().st_size > 0
    assert "loss" in (tmp_path / "history.csv").read_text()
    panel.runs_list.setCurrentRow(0)
    with qtbot.waitSignal(panel.weightsLoaded, timeout=WAIT_MS):
        panel.load_selected_weights("best")
    panel.delete_selected_runs()
    assert len(panel.run_ids()) == 1
