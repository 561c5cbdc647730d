"""The classic networks' views, driven through real widgets: the Classic inspect tab (RBF
centres, SOM maps, RBM filters, CartPole policy), the training panel's mode form and the
episode reward plot of a DQN run."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import Qt

from studio.data.bundled import load_bundled
from studio.layers.rbf import RBF
from studio.layers.rbm import RBM
from studio.layers.som import SelfOrganizingMap
from studio.training.engine import TrainingEngine
from studio.training.runs import RunStore
from studio.training.settings import TrainingSettings
from widgets.inspect.cartpole_view import CartPoleCanvas
from widgets.inspect.classics import ClassicView
from widgets.inspect.panel import InspectPanel
from widgets.training.panel import TrainingPanel

WAIT_MS = 60000
LEFT = Qt.MouseButton.LeftButton


def _train(model, data, **settings):
    base = {"loss": {"name": "MeanSquaredError", "params": {}}, "metrics": [], "epochs": 2,
            "batch_size": 32, "seed": 0}  # fmt: skip
    result = TrainingEngine().run(model, data, TrainingSettings.from_dict({**base, **settings}))
    assert result.ok, result.message
    return model


@pytest.fixture(scope="module")
def classic_model():
    """One model with every classic layer: an RBF head, a SOM and two stacked RBMs."""
    data = load_bundled("digits", size=200)
    inputs = keras.Input((8, 8, 1))
    pixels = keras.layers.Flatten()(inputs)
    rbm = RBM(8, name="rbm_2")(RBM(16, name="rbm_1")(pixels))
    som = SelfOrganizingMap(4, 5, name="som")(pixels)
    rbf = RBF(6, name="rbf")(pixels)
    model = keras.Model(inputs, [rbm, som, rbf])
    _train(model, data, mode="rbm", mode_options={"pretrain_epochs": 1, "fine_tune": False})
    _train(model, data, mode="som", epochs=1)
    return model, data


@pytest.fixture
def view(qtbot, classic_model) -> ClassicView:
    model, data = classic_model
    widget = ClassicView()
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.set_model(model)
    widget.set_dataset(data)
    widget.show()
    yield widget
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget) or not widget.is_busy, timeout=60000)


def _choose(qtbot, view: ClassicView, title: str) -> None:
    """Pick an entry with the keyboard, as a user would."""
    view.item_combo.setFocus()
    while view.item_combo.currentText() != title:
        index = view.item_combo.currentIndex()
        qtbot.keyClick(view.item_combo, Qt.Key.Key_Down)
        assert view.item_combo.currentIndex() != index, f"{title!r} not offered"


def test_classic_view_offers_one_picture_per_classic_layer(view: ClassicView) -> None:
    titles = [view.item_combo.itemText(i) for i in range(view.item_combo.count())]
    assert titles == ["RBM filters: rbm_1", "RBM filters: rbm_2", "SOM maps: som",
                      "RBF centres: rbf"]  # fmt: skip


def test_rbm_filters_are_8x8_tiles_and_the_upper_rbm_is_drawn_through_the_lower(
    qtbot, view: ClassicView
) -> None:
    qtbot.waitUntil(lambda: view.rbm_page.filters is not None, timeout=WAIT_MS)
    assert view.rbm_page.filters.images.shape == (16, 8, 8)
    assert view.rbm_page.grid.count == 16
    _choose(qtbot, view, "RBM filters: rbm_2")
    qtbot.waitUntil(lambda: view.rbm_page.filters.layer == "rbm_2", timeout=WAIT_MS)
    assert view.rbm_page.filters.images.shape == (8, 8, 8)
    assert "drawn through rbm_1" in view.rbm_page.info.text()


def test_som_maps_show_u_matrix_hit_map_and_prototype_images(
    qtbot, view: ClassicView, classic_model
) -> None:
    _choose(qtbot, view, "SOM maps: som")
    qtbot.waitUntil(lambda: view.som_page.maps is not None, timeout=WAIT_MS)
    maps = view.som_page.maps
    assert maps.u_matrix.shape == maps.hits.shape == (4, 5)
    assert int(maps.hits.sum()) == len(classic_model[1].x_train)  # each digit wins one unit
    assert view.som_page.maps_grid.count == 2
    assert view.som_page.planes_grid.count == 20  # one 8x8 prototype per unit
    assert "Prototypes" in view.som_page.planes_title.text()
    assert "units hit" in view.som_page.legend.text()


def test_rbf_centres_are_drawn_over_the_data(qtbot, view: ClassicView) -> None:
    _choose(qtbot, view, "RBF centres: rbf")
    qtbot.waitUntil(lambda: view.rbf_page.picture is not None, timeout=WAIT_MS)
    picture = view.rbf_page.picture
    assert picture.centres.shape == (6, 2) and picture.points.shape[1] == 2
    assert picture.axes[0].startswith("PC 1")
    assert len(view.rbf_page.plot.getPlotItem().items) >= 6 + 2  # rings, data, centres


def test_rbf_regression_picture_has_the_fitted_curve(qtbot) -> None:
    data = load_bundled("sine_curve", size=100)
    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1)(RBF(5, name="rbf")(inputs)))
    _train(model, data, mode="rbf", epochs=2)
    view = ClassicView()
    qtbot.addWidget(view)
    view.set_model(model)
    view.set_dataset(data)
    view.show()
    qtbot.waitUntil(lambda: view.rbf_page.picture is not None, timeout=WAIT_MS)
    picture = view.rbf_page.picture
    assert picture.axes == ("input", "target") and picture.curve is not None
    np.testing.assert_allclose(
        np.sort(picture.centres[:, 0]), np.sort(np.asarray(model.layers[1].centers)[:, 0])
    )
    qtbot.waitUntil(lambda: not view.is_busy, timeout=60000)


def test_policy_replays_a_cartpole_episode_and_runs_a_new_one(qtbot) -> None:
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    view = ClassicView()
    qtbot.addWidget(view)
    view.set_model(model)
    view.set_dataset(load_bundled("cartpole", size=50))
    view.show()
    assert view.item_combo.currentText() == "Policy: an episode of CartPole-v1"
    page = view.policy_page
    qtbot.waitUntil(lambda: page.episode is not None, timeout=WAIT_MS)
    assert len(page.episode.states) == len(page.episode.actions) + 1
    assert "reward" in page.info.text()
    qtbot.waitUntil(lambda: page.view.frame > 0 or len(page.episode.states) == 1, timeout=WAIT_MS)
    first = page.episode
    qtbot.mouseClick(page.run_button, LEFT)
    qtbot.waitUntil(lambda: page.episode is not first, timeout=WAIT_MS)
    assert page.seed == 1 and "seed 1" in page.info.text()
    qtbot.waitUntil(lambda: not view.is_busy, timeout=60000)


def test_cartpole_canvas_moves_the_cart_and_leans_the_pole(qtbot) -> None:
    canvas = CartPoleCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 200)
    pivot, tip = canvas.geometry_of(np.array([0.0, 0, 0.0, 0]))
    assert tip.x() == pytest.approx(pivot.x()) and tip.y() < pivot.y()
    right, leaning = canvas.geometry_of(np.array([1.0, 0, 0.3, 0]))
    assert right.x() > pivot.x() and leaning.x() > right.x()


def test_inspect_panel_has_the_classic_tab() -> None:
    panel = InspectPanel()
    assert "Classic" in [title for title, _ in panel.named_views()]
    assert isinstance(panel.classic, ClassicView)


@pytest.fixture
def som_panel(qtbot, tmp_path: Path):
    data = load_bundled("iris")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, SelfOrganizingMap(4, 4)(inputs))
    widget = TrainingPanel(lambda: model, lambda: data, lambda: RunStore(tmp_path / "runs"))
    qtbot.addWidget(widget)
    yield widget
    if widget.trainer is not None:
        widget.trainer.stop()
        widget.trainer.wait()


def test_mode_form_keeps_the_mode_and_the_options_edited(qtbot, som_panel) -> None:
    som_panel.set_settings(TrainingSettings(mode="som", mode_options={"sigma": 2.0}))
    form = som_panel.mode_form
    assert form.mode() == "som" and form.options_form.field("sigma").text() == "2.0"
    field = form.options_form.field("final_sigma")
    field.clear()
    qtbot.keyClicks(field, "0.25")
    with qtbot.waitSignal(som_panel.settingsChanged, timeout=WAIT_MS) as changed:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    settings = changed.args[0]
    assert settings.mode == "som"
    assert settings.mode_options == {"sigma": 2.0, "final_sigma": 0.25}
    with qtbot.waitSignal(som_panel.settingsChanged, timeout=WAIT_MS) as changed:
        form.combo.setCurrentIndex(form.combo.findData("supervised"))
    assert changed.args[0].mode == "supervised" and changed.args[0].mode_options == {}
    assert form.options_form.isHidden()


def test_panel_trains_a_som_and_plots_its_errors_per_epoch(qtbot, som_panel) -> None:
    som_panel.set_settings(TrainingSettings(mode="som", epochs=3, batch_size=16, metrics=[]))
    qtbot.mouseClick(som_panel.train_button, LEFT)
    with qtbot.waitSignal(som_panel.trainingFinished, timeout=WAIT_MS) as finished:
        pass
    assert finished.args[0].status == "completed"
    run_id = som_panel.plots.run_ids()[0]
    xs, ys = som_panel.plots.series(run_id, "quantization_error")
    assert xs == [1.0, 2.0, 3.0] and ys[-1] < ys[0]
    assert som_panel.plots.series(run_id, "val_topographic_error")[1]
    assert som_panel.episode_plot.isHidden()


def test_dqn_run_plots_episode_rewards_and_their_mean(qtbot, tmp_path) -> None:
    data = load_bundled("cartpole", size=50)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(8)(inputs)))
    panel = TrainingPanel(lambda: model, lambda: data, lambda: RunStore(tmp_path / "runs"))
    qtbot.addWidget(panel)
    panel.show()
    options = {"learning_starts": 10, "max_steps": 30}
    panel.set_settings(TrainingSettings(mode="dqn", mode_options=options, epochs=3,
                                        batch_size=8, metrics=[]))  # fmt: skip
    panel.loss_combo.setCurrentText("Huber")
    qtbot.mouseClick(panel.train_button, LEFT)
    with qtbot.waitSignal(panel.trainingFinished, timeout=WAIT_MS) as finished:
        pass
    assert finished.args[0].status == "completed", finished.args[0].message
    plot = panel.episode_plot
    assert plot.isVisible() and plot.episodes == [1.0, 2.0, 3.0]

    def drawn() -> list[float]:
        xs = plot.mean_curve.getData()[0]
        return [] if xs is None else list(xs)

    qtbot.waitUntil(lambda: drawn() == [1.0, 2.0, 3.0], timeout=WAIT_MS)
    assert plot.means[-1] == pytest.approx(np.mean(plot.rewards))
