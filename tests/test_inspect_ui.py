"""The inspect views on a tiny CNN: right number of maps, sorting/export, no blank screens."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from studio.data.dataset import Dataset
from widgets.inspect.evaluation import EvaluationView
from widgets.inspect.feature_maps import FeatureMapsView
from widgets.inspect.filters import FiltersView
from widgets.inspect.histograms import HistogramsView
from widgets.inspect.panel import InspectPanel
from widgets.inspect.saliency import SaliencyView
from widgets.inspect.summary import SummaryView


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(0)
    inp = keras.Input((12, 12, 1))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Flatten(name="flat")(x)
    out = keras.layers.Dense(3, activation="softmax", name="head")(x)
    m = keras.Model(inp, out)
    m.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.random((60, 12, 12, 1), dtype="float32")
    y = rng.integers(0, 3, 60)
    return Dataset("toy", x[:40], y[:40], x[40:], y[40:], class_names=["a", "b", "c"])


def _variance(widget) -> float:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    bits = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return float(bits.var())


def _settle(qtbot, view) -> None:
    """Wait for the view's work on the inspect worker thread to be drawn."""
    qtbot.waitUntil(lambda: not view.is_busy, timeout=20000)


def _ready(qtbot, view, model, dataset, layer: str | None = None):
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_model(model)
    view.set_dataset(dataset)
    if layer:
        view.set_layer(layer)
    _settle(qtbot, view)
    return view


def _shoot(view, artifacts_dir, name: str) -> None:
    assert not view.message.isVisible(), view.message.text()
    view.grab().save(str(artifacts_dir / f"inspect_{name}.png"))
    assert _variance(view) > 0


def test_feature_maps_show_one_map_per_filter_and_step_with_keys(
    qtbot, model, dataset, artifacts_dir
):
    view = _ready(qtbot, FeatureMapsView(), model, dataset, "conv1")
    view.set_sample_index(2)
    _settle(qtbot, view)
    assert view.grid.count == 8
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.sample_index == 3
    view.prev_sample()
    assert view.sample_index == 2
    view.set_layer("head")
    _settle(qtbot, view)
    assert view.stack.currentWidget() is view.plot
    view.set_layer("conv1")
    _settle(qtbot, view)
    _shoot(view, artifacts_dir, "feature_maps")


def test_feature_maps_are_drawn_on_the_worker_not_the_ui_thread(qtbot, model, dataset, monkeypatch):
    """A NASNet conv layer has a thousand maps: drawing their labelled grid on the UI
    thread stalled it 80 ms when the Feature maps tab was opened."""
    import threading

    from widgets.inspect import image_grid

    threads = []
    real = image_grid.render_grid

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(image_grid, "render_grid", recorded)
    monkeypatch.setattr("widgets.inspect.feature_maps.render_grid", recorded, raising=False)
    view = _ready(qtbot, FeatureMapsView(), model, dataset, "conv1")
    assert view.grid.count == 8
    maps = [t for t in threads if t is not threading.main_thread()]
    assert maps, "the maps were not drawn on a worker"
    threads.clear()
    view.set_sample_index(1)
    _settle(qtbot, view)
    assert view.grid.count == 8
    # the input preview (one small tile) is the only picture drawn on the UI thread
    assert threads.count(threading.main_thread()) <= 1, threads


def test_feature_maps_load_an_image_file(qtbot, model, dataset, tmp_path):
    from PIL import Image

    path = tmp_path / "digit.png"
    Image.fromarray((np.eye(20) * 255).astype(np.uint8)).save(path)
    view = _ready(qtbot, FeatureMapsView(), model, dataset, "conv1")
    view.load_image(path)
    _settle(qtbot, view)
    assert view.loaded_sample.shape == (12, 12, 1)
    assert "loaded image" in view.info.text()


def test_unknown_layer_is_shown_not_raised(qtbot, model, dataset):
    view = _ready(qtbot, FeatureMapsView(), model, dataset, "no_such_layer")
    assert view.message.isVisible() and "no_such_layer" in view.message.text()


def test_filters_view_shows_eight_filters(qtbot, model, dataset, artifacts_dir):
    view = _ready(qtbot, FiltersView(), model, dataset, "conv1")
    assert view.grid.count == 8
    view.channel_combo.setCurrentText("per_channel")
    _settle(qtbot, view)
    assert view.grid.count == 8
    view.set_layer("pool")
    assert "no kernel" in view.grid._label.text()
    view.set_layer("conv1")
    _settle(qtbot, view)
    _shoot(view, artifacts_dir, "filters")


def test_the_filters_labels_are_stamped_from_glyphs_drawn_once(qtbot, model, dataset, monkeypatch):
    """Each filter's name is written above its tile and cut at the tile's width, and the
    label text is not rasterised per label (each ``drawText`` held the interpreter lock
    while the UI thread waited): a thousand labels draw each character once at most."""
    from widgets.inspect import image_grid

    view = _ready(qtbot, FiltersView(), model, dataset, "conv1")
    corners, tile_w = image_grid.mosaic(np.zeros((8, 3, 3, 3), np.uint8), cell=view.grid.cell)[1:]

    def bright(picture: QImage, x0: int, x1: int, y: int) -> int:
        return sum(
            picture.pixelColor(px, py).lightness() > 120
            for px in range(x0, x1)
            for py in range(y - image_grid.LABEL_HEIGHT, y)
        )

    (x, y) = corners[0]
    assert bright(view.grid.image(), x, x + tile_w, y) > 5  # "f0" above the first tile
    long = image_grid.render_grid(np.random.rand(2, 3, 3), ["a label far too long"] * 2, 2, cell=24)
    assert long is not None
    _, ((x, y), (next_x, _)), tile = image_grid.mosaic(np.zeros((2, 3, 3, 3), np.uint8), 2, 24)
    assert bright(long[0], x, x + tile, y) > 5
    assert bright(long[0], x + tile, next_x, y) == 0  # cut at the tile: none in the gap

    drawn: list[str] = []
    real = image_grid._draw_glyph
    monkeypatch.setattr(image_grid, "_glyphs", {})
    monkeypatch.setattr(image_grid, "_draw_glyph", lambda c: (drawn.append(c), real(c))[1])
    labels = [f"f{i} c{i % 3}" for i in range(1000)]
    rendered = image_grid.render_grid(np.random.rand(1000, 3, 3), labels)
    assert rendered is not None and rendered[1] == 1000
    assert sorted(drawn) == sorted(set("".join(labels)))


def test_saliency_view_overlays_grad_cam(qtbot, model, dataset, artifacts_dir):
    view = _ready(qtbot, SaliencyView(), model, dataset, "conv1")
    assert view.grid.count == 3
    assert view.info.text().startswith("gradcam at conv1")
    view.method_combo.setCurrentText("Gradient saliency")
    _settle(qtbot, view)
    assert view.info.text().startswith("saliency")
    view.method_combo.setCurrentText("Grad-CAM")
    _settle(qtbot, view)
    _shoot(view, artifacts_dir, "saliency")


def test_histograms_view_weights_and_activations(qtbot, model, dataset, artifacts_dir):
    view = _ready(qtbot, HistogramsView(), model, dataset, "conv1")
    assert [h.name for h in view.histograms()] == ["conv1/kernel", "conv1/bias"]
    view.kind_combo.setCurrentText("activations")
    _settle(qtbot, view)
    assert view.histograms()[0].size == 20 * 10 * 10 * 8
    _shoot(view, artifacts_dir, "histograms")


def test_summary_view_sorts_and_exports(qtbot, model, dataset, artifacts_dir, tmp_path):
    view = _ready(qtbot, SummaryView(), model, dataset)
    assert view.table_model.rowCount() == len(model.layers)
    view.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # params
    top = view.table_model.index(0, 0).data()
    assert top == "head"
    md = view.export(tmp_path / "summary.md").read_text()
    assert md.index("head") < md.index("conv1")
    _shoot(view, artifacts_dir, "summary")


def test_evaluation_view_confusion_and_misclassified_first(qtbot, model, dataset, artifacts_dir):
    view = _ready(qtbot, EvaluationView(), model, dataset)
    r = view.result
    assert r is not None and r.confusion.sum() == 20
    assert view.class_table.rowCount() == 3
    assert view.class_table.cell(0, 3) == str(int(r.report.support[0]))
    assert view.class_table.cell(1, 0) == f"{r.report.precision[1]:.3f}"
    view.confusion.normalised.setChecked(True)
    assert view.samples.count == 20
    _shoot(view, artifacts_dir, "evaluation")
    for index, name in [(2, "samples"), (4, "pca")]:
        view.tabs.setCurrentIndex(index)
        _settle(qtbot, view)
        _shoot(view, artifacts_dir, f"evaluation_{name}")


def test_evaluation_view_regression(qtbot, artifacts_dir):
    inp = keras.Input((3,))
    reg = keras.Model(inp, keras.layers.Dense(1, name="out")(inp))
    rng = np.random.default_rng(0)
    x = rng.random((50, 3), dtype="float32")
    ds = Dataset("r", x, x.sum(1), task="regression")
    view = _ready(qtbot, EvaluationView(), reg, ds)
    assert view.result.residuals is not None and view.tabs.currentIndex() == 3
    _shoot(view, artifacts_dir, "evaluation_regression")


def test_panel_forwards_selection_to_every_view(qtbot, model, dataset, artifacts_dir):
    panel = InspectPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 650)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_model(model)
    panel.set_dataset(dataset)
    panel.set_layer("conv1")
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=20000)
    assert all(view.layer_name == "conv1" for view in panel.views())
    with qtbot.waitSignal(panel.layerChosen) as blocker:
        panel.histograms.layer_combo.setCurrentText("head")
    assert blocker.args == ["head"] and panel.summary.layer_name == "head"
    panel.set_layer("conv1")
    for i, (title, view) in enumerate(panel.named_views()):
        panel.setCurrentIndex(i)
        qtbot.waitUntil(lambda view=view: not view.is_busy, timeout=20000)
        assert not view.message.isVisible(), (title, view.message.text())
        panel.grab().save(str(artifacts_dir / f"inspect_panel_{i}_{title.replace(' ', '_')}.png"))
        assert _variance(panel) > 0
    assert panel.feature_maps.grid.count == 8
