"""Blocks without Qt: grouping is undoable, boundaries are right, nested blocks compile."""

from dataclasses import replace

import pytest

from studio.checks import Analyzer
from studio.compile.compiler import compile_graph
from studio.compile.nesting import nest_groups as _nest_groups
from studio.graph import Graph, SetGroup
from studio.graph.grouping import (
    GroupingError,
    boundary,
    collapse_op,
    group_op,
    members,
    ungroup_op,
)


def nest_groups(graph):
    return _nest_groups(graph, Analyzer(graph).analysis(), compile_graph)


@pytest.fixture
def cnn():
    graph = Graph()
    ids = {"in": graph.add_layer("Input", {"shape": [12, 12, 1]})}
    ids["conv"] = graph.add_layer("Conv2D", {"filters": 4, "kernel_size": 3})
    ids["relu"] = graph.add_layer("ReLU")
    ids["flat"] = graph.add_layer("Flatten")
    ids["out"] = graph.add_layer("Dense", {"units": 3})
    for a, b in (("in", "conv"), ("conv", "relu"), ("relu", "flat"), ("flat", "out")):
        graph.connect(ids[a], ids[b])
    return graph, ids


def test_group_then_undo_leaves_graph_as_it_was(cnn):
    graph, ids = cnn
    before = graph.to_dict()
    op, gid = group_op(graph, [ids["conv"], ids["relu"]], "features")
    inverse = graph.apply(op)
    assert graph.groups[gid].name == "features"
    assert members(graph, gid) == [ids["conv"], ids["relu"]]
    graph.apply(inverse)
    assert graph.to_dict() == before


def test_ungroup_keeps_layers_and_wiring(cnn):
    graph, ids = cnn
    op, gid = group_op(graph, [ids["conv"], ids["relu"]])
    graph.apply(op)
    edges = set(graph.edges)
    undo = graph.apply(ungroup_op(graph, gid))
    assert not graph.groups and all(n.group is None for n in graph.nodes)
    assert set(graph.edges) == edges
    graph.apply(undo)
    assert members(graph, gid) == [ids["conv"], ids["relu"]]


def test_boundary_lists_crossing_ports(cnn):
    graph, ids = cnn
    op, gid = group_op(graph, [ids["conv"], ids["relu"]])
    graph.apply(op)
    b = boundary(graph, gid)
    assert b.inputs == ((ids["in"], 0),)
    assert b.outputs == ((ids["relu"], 0),)


def test_refuses_inputs_and_double_grouping(cnn):
    graph, ids = cnn
    with pytest.raises(GroupingError, match="model input"):
        group_op(graph, [ids["in"], ids["conv"]])
    graph.apply(group_op(graph, [ids["conv"]])[0])
    with pytest.raises(GroupingError, match="already in block"):
        group_op(graph, [ids["conv"], ids["relu"]])
    with pytest.raises(GroupingError):
        group_op(graph, [])


def test_collapse_toggles_and_undoes(cnn):
    graph, ids = cnn
    op, gid = group_op(graph, [ids["conv"], ids["relu"]], collapsed=True)
    graph.apply(op)
    undo = graph.apply(collapse_op(graph, gid, False))
    assert not graph.groups[gid].collapsed
    graph.apply(undo)
    assert graph.groups[gid].collapsed


def test_nested_block_compiles_to_same_shapes_and_params(cnn):
    graph, ids = cnn
    op, gid = group_op(graph, [ids["conv"], ids["relu"]], "features")
    graph.apply(op)
    inline = compile_graph(graph)
    graph.apply(SetGroup(gid, replace(graph.groups[gid], nested=True)))
    nested_graph = nest_groups(graph)
    assert nested_graph is not graph and gid in graph.groups  # the document is untouched
    model = compile_graph(nested_graph)
    assert model.count_params() == inline.count_params()
    assert tuple(model.output.shape) == tuple(inline.output.shape)
    assert any(layer.name == "features" and hasattr(layer, "layers") for layer in model.layers)
    assert Analyzer(nested_graph).analysis().ok


def test_nested_block_with_two_outputs_feeds_both_consumers():
    graph = Graph()
    x = graph.add_layer("Input", {"shape": [6]})
    a = graph.add_layer("Dense", {"units": 4})
    b = graph.add_layer("Dense", {"units": 5})
    c = graph.add_layer("Concatenate")
    graph.connect(x, a)
    graph.connect(a, b)
    graph.connect(a, c)
    graph.connect(b, c)
    op, gid = group_op(graph, [a, b], "pair", nested=True)
    graph.apply(op)
    model = compile_graph(nest_groups(graph))
    assert tuple(model.output.shape) == (None, 9)


def test_graph_without_nested_blocks_is_returned_as_is(cnn):
    graph, _ = cnn
    assert nest_groups(graph) is graph


def test_nested_block_is_compiled_with_the_callers_safe_mode():
    graph = Graph()
    x = graph.add_layer("Input", {"shape": [6]})
    a = graph.add_layer("Dense", {"units": 4})
    graph.connect(x, a)
    op, _gid = group_op(graph, [a], "inner", nested=True)
    graph.apply(op)
    asked: list = []

    def compile_spy(sub, **kwargs):
        asked.append(kwargs.get("safe_mode"))
        return compile_graph(sub, **kwargs)

    _nest_groups(graph, Analyzer(graph).analysis(), compile_spy, safe_mode=False)
    _nest_groups(graph, Analyzer(graph).analysis(), compile_spy)
    assert asked == [False, True]  # trust never widens, nor is it lost, inside a block
