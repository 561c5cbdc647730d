"""Validation messages and live shapes, checked against Keras's own model.summary()."""

import keras
import numpy as np
import pytest

from studio.checks import Analyzer
from studio.compile.compiler import CompileError, compile_graph
from studio.graph import Graph
from tests.helpers import chain, small_cnn


def messages(graph):
    return [i.message for i in Analyzer(graph).analysis().issues]


def test_negative_units_names_node_parameter_and_value():
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": -3}))
    assert "Dense 'dense': units must be at least 1; received units=-3" in messages(graph)


def test_kernel_larger_than_its_input():
    graph, _ = chain(("Input", {"shape": [3, 3, 1]}), ("Conv2D", {"filters": 4, "kernel_size": 5}))
    (msg,) = messages(graph)
    assert "Conv2D 'conv2d'" in msg and "larger than its input (None, 3, 3, 1)" in msg


def test_dense_on_image_without_flatten_is_flagged():
    graph, ids = chain(
        ("Input", {"shape": [28, 28, 1]}),
        ("Conv2D", {"filters": 4, "kernel_size": 3}),
        ("Dense", {"units": 10}),
    )
    issue = Analyzer(graph).analysis().issues_for(ids[2])[0]
    assert "Flatten" in issue.message and issue.severity == "warning"


def test_unconnected_input_and_wrong_number_of_inputs():
    graph = Graph()
    i = graph.add_layer("Input", {"shape": [4]})
    d = graph.add_layer("Dense", {"units": 3})
    add = graph.add_layer("Add")
    graph.connect(i, d)
    graph.connect(d, add)
    loose = graph.add_layer("Dense", {"units": 2})
    msgs = messages(graph)
    assert "Add 'add' needs at least 2 inputs; 1 connected" in msgs
    assert "Dense 'dense_1' has no input connected" in msgs
    assert loose


def test_merge_shape_mismatch_names_both_shapes():
    graph = Graph()
    i = graph.add_layer("Input", {"shape": [4]})
    a = graph.add_layer("Dense", {"units": 32})
    b = graph.add_layer("Dense", {"units": 16})
    add = graph.add_layer("Add")
    for src, dst in [(i, a), (i, b), (a, add), (b, add)]:
        graph.connect(src, dst)
    (msg,) = messages(graph)
    assert msg.startswith("Add 'add': inputs have incompatible shapes (None, 32), (None, 16)")


def test_no_input_and_no_output():
    graph = Graph()
    graph.add_layer("Dense")
    assert any("no Input layer" in m for m in messages(graph))
    cyc = Graph()
    i = cyc.add_layer("Input", {"shape": [4]})
    a = cyc.add_layer("Dense")
    b = cyc.add_layer("Dense")
    cyc.connect(i, a)
    cyc.connect(a, b)
    from studio.graph import Connect, Edge

    cyc.apply(Connect(Edge(b, a, 0, 1)))  # bypasses the editor's refusal, as a bad file could
    assert any(m.startswith("cycle:") for m in messages(cyc))


def test_shapes_and_params_equal_model_summary():
    graph, ids = chain(
        ("Input", {"shape": [20]}),
        ("Embedding", {"input_dim": 100, "output_dim": 8}),
        ("LSTM", {"units": 16, "return_sequences": True}),
        ("GRU", {"units": 8}),
        ("Dense", {"units": 3, "activation": "softmax"}),
    )
    analysis = Analyzer(graph).analysis()
    model = compile_graph(graph)
    for nid in ids[1:]:
        layer = model.get_layer(graph.node(nid).name)
        assert analysis.infos[nid].outputs[0].shape == tuple(layer.output.shape)
        assert analysis.infos[nid].params == layer.count_params()
    assert analysis.total_params == model.count_params()


def test_multi_input_multi_output_with_attention_and_states():
    graph = Graph()
    q = graph.add_layer("Input", {"shape": [5, 8]}, name="query")
    v = graph.add_layer("Input", {"shape": [7, 8]}, name="value")
    mha = graph.add_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 4})
    graph.connect(q, mha)
    graph.connect(v, mha)
    lstm = graph.add_layer("LSTM", {"units": 6, "return_state": True})
    graph.connect(mha, lstm)
    dec = graph.add_layer("LSTM", {"units": 6}, name="decoder")
    graph.connect(q, dec)
    graph.connect(lstm, dec, src_port=1)
    graph.connect(lstm, dec, src_port=2)
    head = graph.add_layer("Dense", {"units": 2})
    graph.connect(lstm, head)
    analysis = Analyzer(graph).analysis()
    assert analysis.ok, analysis.issues
    assert len(analysis.infos[lstm].outputs) == 3
    model = compile_graph(graph)
    assert len(model.inputs) == 2 and len(model.outputs) == 2
    assert analysis.total_params == model.count_params()


def test_only_the_changed_node_is_recomputed():
    graph, ids = small_cnn()
    analyzer = Analyzer(graph)
    analyzer.analysis()
    graph.set_params(ids[1], activation="tanh")
    analyzer.analysis()
    assert analyzer.recomputed == 1
    graph.set_params(ids[1], filters=4)
    analyzer.analysis()
    assert analyzer.recomputed == 4  # the conv and everything its new shape flows into


def test_macs_for_dense_and_conv():
    graph, ids = small_cnn()
    infos = Analyzer(graph).analysis().infos
    assert infos[ids[1]].macs == 26 * 26 * 3 * 3 * 1 * 8
    assert infos[ids[4]].macs == 13 * 13 * 8 * 10


def test_frozen_layer_counts_as_non_trainable():
    graph, ids = small_cnn()
    graph.set_trainable(ids[1], False)
    analysis = Analyzer(graph).analysis()
    assert analysis.total_params - analysis.trainable_params == 80
    assert not compile_graph(graph).get_layer("conv2d").trainable


def test_compile_refuses_invalid_graph_with_issues():
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 0}))
    with pytest.raises(CompileError, match="units must be at least 1"):
        compile_graph(graph)


def test_compiled_model_keeps_graph_weights():
    graph, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 2}))
    kernel = np.arange(8, dtype="float32").reshape(4, 2)
    graph.weights[ids[1]] = [kernel, np.ones(2, "float32")]
    model = compile_graph(graph)
    out = model(np.ones((1, 4), "float32"))
    assert np.allclose(keras.ops.convert_to_numpy(out), kernel.sum(0) + 1)


def test_stored_weights_of_another_shape_are_left_out_and_the_loading_breathes():
    """A layer whose units changed since its weights were stored starts fresh; the others
    get theirs, and a caller on a worker can pause between the layers being loaded too."""
    graph, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 2}), ("Dense", {"units": 3}))
    kept = [np.full((4, 2), 0.5, "float32"), np.zeros(2, "float32")]
    graph.weights[ids[1]] = kept
    graph.weights[ids[2]] = [np.ones((2, 5), "float32"), np.ones(5, "float32")]  # units was 5
    calls = []
    model = compile_graph(graph, between=lambda: calls.append(1))
    first, second = (layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    assert np.array_equal(keras.ops.convert_to_numpy(first.kernel), kept[0])
    assert tuple(second.kernel.shape) == (2, 3)
    assert not np.allclose(keras.ops.convert_to_numpy(second.kernel), 1.0)
    assert len(calls) == len(ids) + 2  # each layer built, then each one with stored weights
