"""The generative views driven like a user would: sample grids by epoch in the Train tab,
the latent space of a VAE or GAN, reconstructions and anomaly detection by their error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from studio.data import load_bundled
from studio.inspect import generative as gen
from studio.training.runs import RunStore
from studio.training.samples import SampleLog, tile
from studio.training.settings import LossSettings, TrainingSettings
from tests.generative_models import tiny_denoiser, tiny_gan, tiny_series_autoencoder, tiny_vae
from tests.helpers import train_from_panel
from widgets.inspect.latent import LatentView
from widgets.inspect.reconstruction import ReconstructionView
from widgets.training.generated_samples import GeneratedSamplesView
from widgets.training.panel import TrainingPanel

WAIT_MS = 60000
LEFT = Qt.MouseButton.LeftButton


def _grid(value: float) -> np.ndarray:
    return tile(np.full((4, 28, 28, 1), value, "float32"))


# -- generated samples -------------------------------------------------------------------
def test_samples_view_follows_new_grids_and_scrubs_back_by_epoch(qtbot) -> None:
    view = GeneratedSamplesView()
    qtbot.addWidget(view)
    view.show()
    view.start_run("r1")
    for epoch in range(4):
        view.add_grid("r1", epoch, _grid(epoch / 4))
    assert view.current_epoch() == 3 and view.epoch_label.text() == "3 of 3"
    assert view.image.pixmap().width() == _grid(0).shape[1] * 3
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key.Key_Home)
    assert view.current_epoch() == 0 and "untrained" in view.epoch_label.text()
    qtbot.keyClick(view.slider, Qt.Key.Key_Right)
    assert view.current_epoch() == 1
    assert view.current_grid()[5, 5] == _grid(0.25)[5, 5]
    view.add_grid("r1", 4, _grid(1.0))  # scrubbed back: a new grid does not yank the view
    assert view.current_epoch() == 1 and view.epochs() == [0, 1, 2, 3, 4]
    qtbot.keyClick(view.slider, Qt.Key.Key_End)
    view.add_grid("r1", 5, _grid(1.0))  # at the newest again: follow
    assert view.current_epoch() == 5


def test_samples_view_keeps_each_run_and_reads_finished_ones_from_disk(qtbot, tmp_path) -> None:
    log = SampleLog()
    for epoch in (0, 2, 4):
        log.add(epoch, _grid(epoch / 4))
    log.write(tmp_path / "old")
    view = GeneratedSamplesView()
    qtbot.addWidget(view)
    view.start_run("new")
    view.add_grid("new", 0, _grid(0.0))
    assert view.load_run("old", tmp_path / "old")
    assert view.run_ids == ["new", "old"] and view.epochs() == [0, 2, 4]
    view.run_combo.setCurrentText("new")
    assert view.epochs() == [0]
    assert not view.load_run("missing", tmp_path / "nothing")


@pytest.mark.slow
def test_gan_trained_from_the_panel_shows_its_grids_per_epoch(qtbot, tmp_path: Path) -> None:
    model, data = tiny_gan(), load_bundled("mnist_like", size=64)
    store = RunStore(tmp_path / "runs")
    settings = TrainingSettings(
        loss=LossSettings("BinaryCrossentropy"), metrics=[], epochs=2, batch_size=32, mode="gan"
    )
    panel = TrainingPanel(lambda: model, lambda: data, lambda: store, settings)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.settings().mode == "gan"  # the panel keeps the project's mode
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: panel.trainer is None, timeout=WAIT_MS)
    assert panel.last_result.status == "completed", panel.last_result.message
    assert panel.samples_view.isVisible()
    run_id = panel.last_result.record.id
    assert panel.samples_view.epochs(run_id) == [0, 1, 2]
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(panel.plots.metric_names())
    other = GeneratedSamplesView()  # a finished run reads back from its folder
    qtbot.addWidget(other)
    assert other.load_run(run_id, store.run_dir(run_id)) and other.epochs() == [0, 1, 2]


# -- latent space ------------------------------------------------------------------------
@pytest.fixture
def digits():
    return load_bundled("mnist_like", size=40)


def _latent_view(qtbot, model, dataset) -> LatentView:
    view = LatentView()
    qtbot.addWidget(view)
    view.size_spin.setValue(5)
    view.set_model(model)
    view.set_dataset(dataset)
    view.show()
    qtbot.waitUntil(lambda: view.result is not None and not view.busy, timeout=WAIT_MS)
    return view


def test_vae_latent_view_shows_grid_interpolation_and_samples(qtbot, digits) -> None:
    view = _latent_view(qtbot, tiny_vae(), digits)
    assert view.grid_view.count == 25
    assert view.interp_view.count == 2 * 8  # latent row + pixel-fading row
    assert view.samples_view.count == 16
    assert "VAE" in view.status.text()
    view.steps_spin.setFocus()
    first = view.result
    qtbot.keyClick(view.steps_spin, Qt.Key.Key_Up)  # 9 steps
    qtbot.waitUntil(lambda: view.result is not first and not view.busy, timeout=WAIT_MS)
    assert view.interp_view.count == 18
    fade = view.result["pixel_fade"]
    a, b = digits.x_val[0], digits.x_val[1]
    np.testing.assert_allclose(fade[0], a, atol=1e-6)
    np.testing.assert_allclose(fade[-1], b, atol=1e-6)
    before = view.result
    qtbot.mouseClick(view.new_samples, LEFT)
    qtbot.waitUntil(lambda: view.result is not before and not view.busy, timeout=WAIT_MS)
    assert view.seed_spin.value() == 1
    assert not np.allclose(view.result["samples"], before["samples"])


def test_gan_latent_view_has_no_interpolation_and_picks_two_of_its_dimensions(
    qtbot, digits
) -> None:
    view = _latent_view(qtbot, tiny_gan(), digits)
    assert view.dim_x.count() == 4 and view.dim_x.currentIndex() != view.dim_y.currentIndex()
    assert view.grid_view.count == 25 and view.samples_view.count == 16
    assert view.interp_view.count == 0 and "encoder" in view.interp_view._label.text()


def test_latent_view_explains_a_model_that_is_not_generative(qtbot, digits) -> None:
    view = LatentView()
    qtbot.addWidget(view)
    view.set_model(tiny_series_autoencoder())
    view.show()
    assert "neither" in view.status.text() and view.result is None
    assert view.grid_view.count == 0 and not view.message.isVisible()  # a note, not an error


def test_reconstruction_view_explains_a_model_that_does_not_reconstruct(qtbot, digits) -> None:
    view = ReconstructionView()
    qtbot.addWidget(view)
    view.set_model(tiny_gan())
    view.set_dataset(digits)
    view.show()
    assert "autoencoder" in view.status.text() and view.result is None
    assert not view.anomaly_box.isVisible()


def test_latent_grid_spans_the_two_chosen_dimensions() -> None:
    lm = gen.latent_model(tiny_vae())
    images, coords = gen.latent_grid(lm, size=3, span=1.5)
    assert images.shape == (9, 28, 28, 1)
    assert coords[0].tolist() == [-1.5, 1.5] and coords[-1].tolist() == [1.5, -1.5]
    with pytest.raises(gen.GenerativeError, match="two different"):
        gen.latent_grid(lm, dims=(0, 0))


# -- reconstruction and anomalies ---------------------------------------------------------
@pytest.fixture(scope="module")
def ecg_model():
    data = load_bundled("ecg", size=600)
    model = tiny_series_autoencoder()
    model.compile(optimizer="adam", loss="mse")
    model.fit(data.x_train, data.x_train, epochs=15, batch_size=32, verbose=0)
    return model, data


def _reconstruction_view(qtbot, model, dataset) -> ReconstructionView:
    view = ReconstructionView()
    qtbot.addWidget(view)
    view.set_model(model)
    view.set_dataset(dataset)
    view.show()
    qtbot.waitUntil(lambda: view.result is not None and not view.busy, timeout=WAIT_MS)
    return view


def test_denoising_view_shows_noisy_inputs_originals_and_reconstructions(qtbot) -> None:
    data = load_bundled("mnist_like", size=40)
    view = _reconstruction_view(qtbot, tiny_denoiser(), data)
    assert view.noise_spin.value() == pytest.approx(0.2)  # read from the GaussianNoise layer
    assert view.images.count == 3 * 8 and "noisy" in view.status.text()
    first = view.result
    view.noise_spin.setValue(0.0)
    qtbot.waitUntil(lambda: view.result is not first and not view.busy, timeout=WAIT_MS)
    assert view.images.count == 2 * 8
    assert not view.anomaly_box.isVisible()  # digits carry no anomaly labels


def test_anomaly_threshold_slider_trades_precision_for_recall(qtbot, ecg_model) -> None:
    model, data = ecg_model
    view = _reconstruction_view(qtbot, model, data)
    assert view.anomaly_box.isVisible() and view.shown.currentWidget() is view.curves
    labels = data.metadata["val_labels"]
    expected = "(normal)" if labels[0] == 0 else "(abnormal: "
    assert expected in view.status.text()
    errors = view.result["errors"]
    assert errors[labels == 1].mean() > errors[labels == 0].mean()  # anomalies reconstruct worse
    d = view.detection
    assert d.threshold == pytest.approx(view.result["suggested"])
    assert d == gen.detect(errors, labels, d.threshold)
    assert f"precision {d.precision:.3f}" in view.scores_label.text()
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key.Key_Home)  # lowest threshold: everything flagged
    assert view.detection.recall == 1.0 and view.detection.false_negatives == 0
    assert view.threshold_line.value() == pytest.approx(errors.min())
    qtbot.keyClick(view.slider, Qt.Key.Key_End)  # highest: nothing flagged
    assert view.detection.true_positives + view.detection.false_positives == 0
    view.threshold_line.setValue(float(np.median(errors)))  # dragging the line moves the slider
    assert view.detection.threshold == pytest.approx(float(np.median(errors)))
    assert 0 < view.slider.value() < view.slider.maximum()


def test_detection_counts_and_scores() -> None:
    d = gen.detect(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]), 0.25)
    assert (d.true_positives, d.false_positives, d.false_negatives, d.true_negatives) == (
        1,
        1,
        1,
        1,
    )
    assert d.precision == 0.5 and d.recall == 0.5 and d.accuracy == 0.5
    assert gen.suggested_threshold(np.array([1.0, 3.0])) == pytest.approx(3.0)


def test_ecg_set_trains_on_normal_beats_and_labels_its_validation_mix() -> None:
    data = load_bundled("ecg", size=500)
    assert data.x_train.shape == (400, 140) and data.task == "reconstruction"
    assert np.array_equal(data.y_train, data.x_train)
    labels = data.metadata["val_labels"]
    assert len(labels) == 100 and 0.2 < labels.mean() < 0.6
    assert 0.0 <= data.x_val.min() and data.x_val.max() <= 1.0


@pytest.mark.slow
def test_dcgan_template_trains_from_the_app_window(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from studio.gallery.templates import new_from_template
    from widgets.app.workbench import build_app_window

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window, bench = build_app_window(settings=settings, recovery_dir=tmp_path / "recovery")
    window.ask_save_changes = lambda: "discard"
    window.ask_restore = lambda path: False
    qtbot.addWidget(window)
    window.show()
    window.start()
    project = new_from_template("dcgan_digits")
    project.dataset["options"]["size"] = 100
    window.set_project(project)
    qtbot.waitUntil(
        lambda: getattr(bench.dataset_panel.dataset(), "name", "") == "mnist_like",
        timeout=WAIT_MS,
    )
    assert bench.dataset_panel.dataset().num_train <= 100
    panel = bench.training_panel
    assert panel.settings().mode == "gan"
    panel.epochs_spin.setValue(1)
    result = train_from_panel(qtbot, panel)
    assert result.status == "completed", result.message
    assert panel.samples_view.epochs(result.record.id) == [0, 1]
    assert {"d_loss", "g_loss"} <= set(result.record.final_metrics)
