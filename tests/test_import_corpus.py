"""A corpus of real-world Keras patterns, each through the whole round trip.

Every model is saved as ``.keras``, imported, summarised (parameters equal ``count_params()``,
no errors), exported to ``.keras`` and compared output for output with the original, and
exported to Python, which runs in a contained child and must rebuild the same model.
Custom classes live in a Python file, as a user would have them, and are loaded through
``load_custom_objects`` (the "Load custom objects from a Python file…" path).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import keras
import numpy as np
import pytest

from studio.checks import Analyzer
from studio.compile.compiler import compile_graph
from studio.interop.custom_objects import load_custom_objects, unregister
from studio.interop.export import export, sample_inputs
from studio.interop.importer import import_model

CUSTOM_SOURCE = textwrap.dedent(
    """
    import keras


    class CorpusScale(keras.layers.Layer):
        '''A learned per-feature scale: a custom layer with a weight, not registered.'''

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.scale * 2.0


    class CorpusDictMix(keras.layers.Layer):
        '''Takes a dict of tensors, as layers of multi-input models often do.'''

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape["a"][-1],), initializer="ones")

        def call(self, inputs):
            return inputs["a"] * self.w + 3.0 * inputs["b"]

        def compute_output_shape(self, input_shape):
            return input_shape["a"]


    @keras.saving.register_keras_serializable(package="corpus")
    class CorpusNoName(keras.layers.Layer):
        '''Registered, and its __init__ takes no name.'''

        def __init__(self, factor=3.0):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}
    """
)


@pytest.fixture(scope="module")
def custom(tmp_path_factory) -> Iterator[dict]:
    path = tmp_path_factory.mktemp("custom") / "corpus_layers.py"
    path.write_text(CUSTOM_SOURCE, encoding="utf-8")
    loaded = load_custom_objects(path)
    yield {"path": path, **loaded.objects}
    unregister(loaded)


# ----- the corpus --------------------------------------------------------------------------
def custom_layer(c: dict) -> keras.Model:
    i = keras.Input((4,), name="x")
    x = c["CorpusScale"](name="scale")(keras.layers.Dense(4, name="pre")(i))
    return keras.Model(i, keras.layers.Dense(3, name="head")(x), name="custom_layer")


def custom_dict_inputs(c: dict) -> keras.Model:
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    mixed = c["CorpusDictMix"](name="mix")({"a": keras.layers.Dense(4, name="da")(a), "b": b})
    return keras.Model([a, b], keras.layers.Dense(2, name="out")(mixed), name="dict_inputs")


def registered_without_name(c: dict) -> keras.Model:
    i = keras.Input((4,), name="x")
    x = c["CorpusNoName"]()(keras.layers.Dense(4, name="pre")(i))
    return keras.Model(i, x, name="no_name")


def nested_as_output(c: dict) -> keras.Model:
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, keras.layers.Dense(3, name="inner_dense")(inner_in), name="tail")
    i = keras.Input((4,), name="x")
    return keras.Model(i, inner(keras.layers.Dense(4, name="pre")(i)), name="nested_out")


def shared_nested(c: dict) -> keras.Model:
    tower_in = keras.Input((4,))
    h = keras.layers.Dense(4, activation="relu", name="t1")(tower_in)
    tower = keras.Model(tower_in, keras.layers.Dense(4, name="t2")(h), name="tower")
    a, b = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    distance = keras.layers.Subtract(name="diff")([tower(a), tower(b)])
    return keras.Model([a, b], keras.layers.Dense(1, name="score")(distance), name="siamese")


def ops_in_graph(c: dict) -> keras.Model:
    i = keras.Input((4,), name="x")
    x = keras.ops.silu(keras.layers.Dense(4, name="pre")(i))
    x = keras.ops.tile(x, (1, 2))
    x = keras.ops.concatenate([x, keras.ops.square(x)], axis=-1)
    return keras.Model(i, keras.layers.Dense(2, name="out")(x), name="ops")


def rescaling_bidirectional(c: dict) -> keras.Model:
    i = keras.Input((5, 3), name="seq")
    x = keras.layers.Rescaling(1 / 255.0, offset=-0.5, name="rescale")(i)
    x = keras.layers.Bidirectional(keras.layers.LSTM(2), name="bidi")(x)
    return keras.Model(i, x, name="rescale_bidi")


def tensor_plus_number(c: dict) -> keras.Model:
    i = keras.Input((4,), name="x")
    x = keras.layers.Dense(4, name="pre")(i)
    hard_swish = x * keras.ops.relu6(x + 3.0) * (1.0 / 6.0)
    return keras.Model(i, hard_swish, name="hard_swish")


CORPUS: dict[str, Callable[[dict], keras.Model]] = {
    "custom_layer": custom_layer,
    "custom_dict_inputs": custom_dict_inputs,
    "registered_without_name": registered_without_name,
    "nested_as_output": nested_as_output,
    "shared_nested": shared_nested,
    "ops_in_graph": ops_in_graph,
    "rescaling_bidirectional": rescaling_bidirectional,
    "tensor_plus_number": tensor_plus_number,
}


def _outputs(model, xs) -> list[np.ndarray]:
    out = model(xs[0] if len(xs) == 1 else xs)
    out = out if isinstance(out, (list, tuple)) else [out]
    return [keras.ops.convert_to_numpy(o) for o in out]


def _randomize(model: keras.Model) -> None:
    """Non-trivial weights everywhere, so a weight left behind shows in the outputs."""
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()])


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CORPUS))
def test_corpus_model_round_trips(case, custom, tmp_path: Path) -> None:
    model = CORPUS[case](custom)
    _randomize(model)
    source = tmp_path / f"{case}.keras"
    model.save(source)
    xs = sample_inputs(model)
    expected = _outputs(model, xs)

    result = import_model(source)
    analysis = Analyzer(result.graph).analysis()
    assert analysis.ok, [i.message for i in analysis.errors]
    assert analysis.total_params == model.count_params()
    assert not any("training" in m for m in result.messages)

    np.testing.assert_allclose(_outputs(compile_graph(result.graph), xs)[0], expected[0], atol=1e-5)

    report = export(result.graph, "keras", tmp_path / "out.keras")
    assert report.verified, report.message
    back = keras.saving.load_model(tmp_path / "out.keras", compile=False)
    assert back.count_params() == model.count_params()
    for got, want in zip(_outputs(back, xs), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)

    script = export(
        result.graph, "python", tmp_path / "out.py", custom_objects_files=(custom["path"],)
    )
    assert script.verified, script.message


def test_shared_nested_model_is_one_block_called_twice(custom) -> None:
    model = shared_nested(custom)
    graph = import_model(model).graph
    towers = [n for n in graph.nodes if n.type == "Functional"]
    assert len(towers) == 2 and towers[1].shares == towers[0].id
    expanded = import_model(model, expand_nested=True).graph
    t1 = [n for n in expanded.nodes if n.name.startswith("t1")]
    assert len(t1) == 2 and t1[1].shares == t1[0].id
    assert Analyzer(expanded).analysis().total_params == model.count_params() == 2 * 20 + 5
    assert compile_graph(expanded).count_params() == model.count_params()


def test_operations_are_first_class_nodes() -> None:
    graph = import_model(ops_in_graph({})).graph
    ops = {n.params["op"]: n for n in graph.nodes if n.type.endswith("Operation")}
    assert set(ops) >= {"Silu", "Tile", "Concatenate", "Square"}
    assert ops["Tile"].params["config"] == {"repeats": [1, 2]}
    assert not any(n.opaque for n in graph.nodes)


def test_python_number_is_kept_as_a_constant_argument() -> None:
    graph = import_model(tensor_plus_number({})).graph
    adds = [n for n in graph.nodes if n.params.get("op") == "Add"]
    assert adds and adds[0].params["call"]["args"][1] == 3.0


def test_custom_layer_without_its_code_is_a_stand_in_that_exports_unchanged(
    custom, tmp_path: Path
) -> None:
    model = custom_layer(custom)
    _randomize(model)
    source = tmp_path / "custom.keras"
    model.save(source)
    xs = sample_inputs(model)
    loaded = {"CorpusScale": custom["CorpusScale"]}
    registry = keras.saving.get_custom_objects()
    registry.pop("CorpusScale")  # this session no longer knows the class
    try:
        result = import_model(source)
        node = result.graph.node_by_name("scale")
        assert node.opaque and node.type == "CorpusScale"
        assert any("CorpusScale" in m and "not loaded" in m for m in result.messages)
        analysis = Analyzer(result.graph).analysis()
        assert analysis.ok and analysis.total_params == model.count_params()
        assert analysis.infos[node.id].outputs[0].shape == (None, 4)
        report = export(result.graph, "keras", tmp_path / "back.keras")
        assert not report.verified and "not run" in report.message
        from widgets.canvas.scene import opaque_badge

        assert opaque_badge(node) == "◆ custom (kept as-is)"  # the canvas box says so
        with pytest.raises(Exception, match="python"):
            export(result.graph, "python", tmp_path / "back.py")
    finally:
        registry.update(loaded)
    back = keras.saving.load_model(tmp_path / "back.keras", compile=False)
    np.testing.assert_allclose(_outputs(back, xs)[0], _outputs(model, xs)[0], atol=1e-6)


def test_error_for_an_unknown_class_in_h5_names_it(custom, tmp_path: Path) -> None:
    model = custom_layer(custom)
    model.save(tmp_path / "legacy.h5")
    registry = keras.saving.get_custom_objects()
    saved = registry.pop("CorpusScale")
    try:
        from studio.interop.importer import ModelImportError

        with pytest.raises(ModelImportError, match="CorpusScale"):
            import_model(tmp_path / "legacy.h5")
    finally:
        registry["CorpusScale"] = saved


def test_cli_import_with_custom_objects_makes_real_layers(custom, tmp_path: Path, capsys) -> None:
    from studio.cli import main as cli_main
    from studio.project import Project

    model = custom_layer(custom)
    model.save(tmp_path / "m.keras")
    registry = keras.saving.get_custom_objects()
    saved = registry.pop("CorpusScale")
    try:
        out = tmp_path / "m.studio.json"
        status = cli_main(
            [
                "import",
                str(tmp_path / "m.keras"),
                "-o",
                str(out),
                "--custom-objects",
                str(custom["path"]),
            ]
        )
        assert status == 0, capsys.readouterr().err
        assert "loaded" in capsys.readouterr().err
        graph = Project.load(out).graph
        assert "weight_specs" not in graph.node_by_name("scale").params
        assert compile_graph(graph).count_params() == model.count_params()
    finally:
        registry["CorpusScale"] = saved


@pytest.mark.slow
def test_cli_tflite_int8_reports_size_and_accuracy_next_to_float(tmp_path: Path, capsys) -> None:
    pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TFLite needs the TensorFlow backend")
    from studio.cli import main as cli_main
    from studio.graph import Graph
    from studio.project import Project

    graph = Graph("iris_mlp")
    x = graph.add_layer("Input", {"shape": [4]})
    h = graph.add_layer("Dense", {"units": 64, "activation": "relu"})
    h2 = graph.add_layer("Dense", {"units": 64, "activation": "relu"})
    y = graph.add_layer("Dense", {"units": 3, "activation": "softmax"})
    graph.connect(x, h)
    graph.connect(h, h2)
    graph.connect(h2, y)
    project = tmp_path / "iris.studio.json"
    Project(graph=graph).save(project)
    status = cli_main(
        [
            "export",
            str(project),
            "--format",
            "tflite",
            "--quantize",
            "int8",
            "--dataset",
            "iris",
            "-o",
            str(tmp_path / "iris.tflite"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "float32:" in out and "int8:" in out and "validation accuracy" in out
    assert (tmp_path / "iris.tflite").stat().st_size < (
        tmp_path / "iris.float.tflite"
    ).stat().st_size


def test_functional_model_whose_get_config_fails_is_not_called_subclassed() -> None:
    from studio.interop.importer import ModelImportError

    class NeedsArgs(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            raise RuntimeError("forgot to return units")

        def call(self, x):
            return x

    i = keras.Input((3,))
    model = keras.Model(i, NeedsArgs(2)(i))
    with pytest.raises(ModelImportError, match="Functional model, but its get_config"):
        import_model(model)


@pytest.mark.slow
def test_export_api_quantizes_tflite_and_measures_it(tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TFLite needs the TensorFlow backend")
    from studio.data import load, resolve
    from studio.interop.export import ExportError

    i = keras.Input((4,))
    model = keras.Model(i, keras.layers.Dense(3, activation="softmax")(keras.layers.Dense(32)(i)))
    report = export(
        model, "tflite", tmp_path / "m.tflite", quantize="float16", dataset=load(resolve("iris"))
    )
    assert report.verified and "float16:" in report.message and "accuracy" in report.message
    with pytest.raises(ExportError, match="int8 quantization calibrates"):
        export(model, "tflite", tmp_path / "m8.tflite", quantize="int8")
    with pytest.raises(ExportError, match="applies to tflite"):
        export(model, "keras", tmp_path / "m.keras", quantize="int8")
