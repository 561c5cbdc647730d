"""Studio layers for the classic networks: what they compute, their shapes, their errors, and
that a saved ``.keras`` file loads with one ``import studio.layers``."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest

import studio.layers  # noqa: F401 - registers the layers
from studio.catalog import categories, get_spec
from studio.layers.dueling import DuelingQ
from studio.layers.rbf import RBF
from studio.layers.rbm import RBM
from studio.layers.som import SelfOrganizingMap

LAYERS = {
    "RBF": lambda: RBF(5, initial_width=0.7),
    "SelfOrganizingMap": lambda: SelfOrganizingMap(3, 4),
    "SelfOrganizingMap_distances": lambda: SelfOrganizingMap(2, 2, output_mode="distances"),
    "RBM": lambda: RBM(6),
    "DuelingQ": lambda: DuelingQ(3),
}
SHAPES = {
    "RBF": (7, 5),
    "SelfOrganizingMap": (7, 2),
    "SelfOrganizingMap_distances": (7, 4),
    "RBM": (7, 6),
    "DuelingQ": (7, 3),
}


def _model(layer: keras.layers.Layer) -> keras.Model:
    inputs = keras.Input((4,), name="x")
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_round_trips_through_a_keras_file(name: str, tmp_path) -> None:
    model = _model(LAYERS[name]())
    for weight in model.weights:  # not the initial values, so loading them is checked
        weight.assign(np.random.default_rng(1).normal(size=weight.shape).astype("float32"))
    x = np.random.default_rng(0).random((7, 4), dtype=np.float32)
    before = model.predict(x, verbose=0)
    assert before.shape == SHAPES[name]
    assert tuple(model.outputs[0].shape[1:]) == SHAPES[name][1:]
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, rtol=1e-5, atol=1e-6)
    assert loaded.layers[1].get_config() == model.layers[1].get_config()


@pytest.mark.slow
def test_a_saved_file_loads_in_a_fresh_python_with_one_import(tmp_path) -> None:
    inputs = keras.Input((4,))
    x = RBF(3)(inputs)
    x = RBM(2)(x)
    model = keras.Model(inputs, DuelingQ(2)(x))
    path = tmp_path / "m.keras"
    model.save(path)
    script = (
        "import keras, studio.layers; "
        f"m = keras.models.load_model({str(path)!r}); print(m.count_params())"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=True)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == str(model.count_params())


def test_rbf_unit_is_a_gaussian_of_the_distance_to_its_centre() -> None:
    layer = RBF(2)
    layer.build((None, 2))
    layer.set_centers(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([1.0, 0.5]))
    x = np.array([[0.0, 0.0], [1.0, 1.0]], dtype="float32")
    got = keras.ops.convert_to_numpy(layer(x))
    d2 = ((x[:, None] - np.array([[0.0, 0.0], [1.0, 2.0]])[None]) ** 2).sum(-1)
    expected = np.exp(-d2 / (2 * np.array([1.0, 0.5]) ** 2))
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert got[0, 0] == pytest.approx(1.0)


def test_som_outputs_the_grid_position_of_the_best_matching_unit() -> None:
    layer = SelfOrganizingMap(2, 3)
    layer.build((None, 2))
    prototypes = np.arange(12, dtype="float32").reshape(6, 2)
    layer.prototypes.assign(prototypes)
    x = prototypes[[4, 1]] + 0.1
    got = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(got, [[1, 1], [0, 1]])  # unit 4 is row 1, column 1
    assert not layer.trainable_weights  # competitive learning moves it, not gradients


def test_rbm_outputs_hidden_probabilities_and_reconstructs_visible_ones() -> None:
    layer = RBM(3)
    layer.build((None, 4))
    v = np.ones((2, 4), "float32")
    h = keras.ops.convert_to_numpy(layer(v))
    expected = 1 / (1 + np.exp(-(v @ np.asarray(layer.kernel))))
    np.testing.assert_allclose(h, expected, rtol=1e-5)
    assert keras.ops.convert_to_numpy(layer.reconstruct(h)).shape == (2, 4)
    assert [w.name for w in layer.trainable_weights] == ["kernel", "hidden_bias"]


def test_dueling_q_values_average_to_the_state_value() -> None:
    layer = DuelingQ(3)
    features = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    q = keras.ops.convert_to_numpy(layer(features))
    value = keras.ops.convert_to_numpy(layer.value(features))
    np.testing.assert_allclose(q.mean(axis=1, keepdims=True), value, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: RBF(0), "received units=0"),
        (lambda: RBF(3, initial_width=0), "received initial_width=0"),
        (lambda: SelfOrganizingMap(0, 3), "received rows=0"),
        (lambda: SelfOrganizingMap(2, 2, output_mode="bmu"), "received output_mode='bmu'"),
        (lambda: RBM(-1), "received units=-1"),
        (lambda: DuelingQ(0), "received actions=0"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(make, text: str) -> None:
    with pytest.raises(ValueError, match=text):
        make()


def test_palette_lists_the_classic_layers_with_their_parameters() -> None:
    names = [spec.type_name for spec in categories()["Classic networks"]]
    assert {"RBF", "SelfOrganizingMap", "RBM", "DuelingQ"} <= set(names)
    som = get_spec("SelfOrganizingMap")
    assert som.key_params == ("rows", "columns")
    assert {p.name: p.default for p in som.params}["output_mode"] == "coordinates"
    assert som.keras_class() is SelfOrganizingMap


def test_generated_code_imports_the_studio_layers_it_uses() -> None:
    from studio.compile.codegen import generate_script
    from studio.gallery.templates import new_from_template

    source = generate_script(new_from_template("dbn_digits").graph)
    assert "import studio.layers" in source  # registers RBM and the other studio layers
    namespace: dict = {}
    exec(compile(source, "generated", "exec"), namespace)  # noqa: S102 - our own output
    assert namespace["build_model"]().count_params() == 51_146
