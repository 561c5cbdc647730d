"""Importing Keras models into the graph: exact round trips and safe handling of code."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from studio.checks import Analyzer
from studio.compile.compiler import compile_graph
from studio.interop.importer import ModelImportError, import_model

APPLICATIONS = ("ResNet50", "MobileNetV2", "InceptionV3", "VGG16")


@pytest.fixture(scope="module")
def applications() -> dict[str, keras.Model]:
    """Built once per module: each takes seconds to construct on two cores."""
    return {name: getattr(keras.applications, name)(weights=None) for name in APPLICATIONS}


def tiny_functional() -> keras.Model:
    inputs = keras.Input((4,), name="features")
    x = keras.layers.Dense(5, activation="relu", name="hidden1")(inputs)
    x = keras.layers.Dense(10, activation="relu", name="hidden2")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="tiny")


def tiny_sequential() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((4,), name="features"),
            keras.layers.Dense(5, activation="relu", name="hidden1"),
            keras.layers.Dense(10, activation="relu", name="hidden2"),
            keras.layers.Dense(3, activation="softmax", name="scores"),
        ],
        name="tiny",
    )


def structure(graph) -> tuple:
    nodes = sorted((n.name, n.type, json.dumps(n.params, sort_keys=True)) for n in graph.nodes)
    edges = sorted(
        (graph.node(e.src).name, e.src_port, graph.node(e.dst).name, e.dst_port)
        for e in graph.edges
    )
    return nodes, edges


@keras.saving.register_keras_serializable(package="studio_tests")
class Doubler(keras.layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


@pytest.mark.slow
def test_applications_round_trip_exactly(applications) -> None:
    rng = np.random.default_rng(0)
    for name, model in applications.items():
        result = import_model(model)
        assert not any(n.opaque for n in result.graph.nodes), name
        rebuilt = compile_graph(result.graph)
        assert [(la.name, type(la)) for la in rebuilt.layers] == [
            (la.name, type(la)) for la in model.layers
        ], name
        assert rebuilt.count_params() == model.count_params(), name
        x = rng.random((1, *model.input_shape[1:]), dtype="float32")
        np.testing.assert_allclose(rebuilt(x), model(x), atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_analysis_counts_the_same_parameters_as_keras(applications) -> None:
    model = applications["MobileNetV2"]
    analysis = Analyzer(import_model(model).graph).analysis()
    assert analysis.ok, [i.message for i in analysis.errors[:3]]
    assert analysis.total_params == model.count_params()


def test_json_import_builds_nothing(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(tiny_functional().to_json())

    def refuse(*args, **kwargs):
        raise AssertionError("the JSON import must not instantiate layers")

    monkeypatch.setattr(keras.saving, "deserialize_keras_object", refuse)
    monkeypatch.setattr(keras.layers.Dense, "from_config", refuse)
    result = import_model(path)
    assert [n.name for n in result.graph.nodes] == ["features", "hidden1", "hidden2", "scores"]
    assert result.graph.weights == {}
    assert any("no weights" in m for m in result.messages)


def test_sequential_and_functional_import_to_the_same_graph() -> None:
    functional = import_model(tiny_functional()).graph
    sequential = import_model(tiny_sequential()).graph
    assert structure(functional) == structure(sequential)
    assert functional.node_by_name("hidden2").params["units"] == 10


def test_weights_and_trainable_flags_come_along(tmp_path: Path) -> None:
    model = tiny_functional()
    model.get_layer("hidden1").trainable = False
    path = tmp_path / "tiny.keras"
    model.save(path)
    graph = import_model(path).graph
    assert graph.node_by_name("hidden1").trainable is False
    rebuilt = compile_graph(graph)
    x = np.random.default_rng(1).random((3, 4), dtype="float32")
    np.testing.assert_allclose(rebuilt(x), model(x), atol=1e-6)
    assert rebuilt.get_layer("hidden1").trainable is False


def lambda_model() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    x = keras.layers.Lambda(lambda t: t * 3.0, name="triple")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(x), name="with_lambda")


def test_lambda_is_refused_in_safe_mode_with_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "lam.keras"
    lambda_model().save(path)
    with pytest.raises(ModelImportError) as info:
        import_model(path)
    message = str(info.value)
    assert "\n" not in message and "Lambda" in message and "trust=True" in message


def test_trusted_lambda_is_kept_opaque_and_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "lam.keras"
    model = lambda_model()
    model.save(path)
    graph = import_model(path, trust=True).graph
    node = graph.node_by_name("triple")
    assert node.opaque and node.type == "Lambda" and node.params["class_name"] == "Lambda"
    with keras.src.saving.serialization_lib.SafeModeScope(False):
        rebuilt = compile_graph(graph)
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_allclose(rebuilt(x), model(x), atol=1e-6)


def test_lambda_in_json_becomes_an_opaque_node_without_running(tmp_path: Path) -> None:
    path = tmp_path / "lam.json"
    path.write_text(lambda_model().to_json())
    node = import_model(path).graph.node_by_name("triple")
    assert node.opaque and "function" in node.params["config"]


def test_custom_layer_stays_opaque_and_exports_unchanged() -> None:
    inputs = keras.Input((3,), name="x")
    outputs = Doubler(1.5, name="doubler")(keras.layers.Dense(3, name="d")(inputs))
    model = keras.Model(inputs, outputs, name="custom")
    graph = import_model(model).graph
    node = graph.node_by_name("doubler")
    assert node.opaque and node.params["registered_name"] == "studio_tests>Doubler"
    rebuilt = compile_graph(graph)
    original = json.loads(model.to_json())["config"]["layers"][-1]
    exported = json.loads(rebuilt.to_json())["config"]["layers"][-1]
    assert exported["config"] == original["config"]
    assert exported["registered_name"] == original["registered_name"]


def test_nested_model_kept_whole_or_expanded() -> None:
    inner_in = keras.Input((6,), name="inner_in")
    inner = keras.Model(
        inner_in, keras.layers.Dense(4, name="inner_dense")(inner_in), name="backbone"
    )
    inputs = keras.Input((6,), name="x")
    outputs = keras.layers.Dense(2, name="head")(inner(inputs))
    model = keras.Model(inputs, outputs, name="outer")
    x = np.random.default_rng(2).random((2, 6), dtype="float32")

    whole = import_model(model)
    block = whole.graph.node_by_name("backbone")
    assert block.opaque and any("expand_nested" in m for m in whole.messages)
    np.testing.assert_allclose(compile_graph(whole.graph)(x), model(x), atol=1e-6)

    expanded = import_model(model, expand_nested=True).graph
    dense = expanded.node_by_name("inner_dense")
    assert dense.group == "backbone" and "backbone" in expanded.groups
    assert [n.name for n in expanded.input_nodes()] == ["x"]
    np.testing.assert_allclose(compile_graph(expanded)(x), model(x), atol=1e-6)


def test_shared_layer_stays_one_layer_called_twice() -> None:
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = keras.layers.Dense(2, name="shared")
    merged = keras.layers.Add(name="sum")([shared(a), shared(b)])
    model = keras.Model([a, b], merged)
    graph = import_model(model).graph
    first, again = graph.node_by_name("shared"), graph.node_by_name("shared_1")
    assert again.shares == first.id and first.shares is None
    assert again.id not in graph.weights
    assert Analyzer(graph).analysis().total_params == model.count_params() == 8
    compiled = compile_graph(graph)
    assert compiled.count_params() == model.count_params()
    xs = [np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")]
    np.testing.assert_allclose(compiled(xs), model(xs), atol=1e-6)


def test_subclassed_model_is_refused_with_the_reason() -> None:
    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.zeros((1, 3), dtype="float32"))
    with pytest.raises(ModelImportError, match="subclassed.*no functional config"):
        import_model(net)
