"""Repeated blocks found from names and structure, and folded in one undoable step."""

from pathlib import Path

import pytest

from studio.graph import Graph
from studio.graph.grouping import group_op
from studio.graph.layout import box_of
from studio.graph.repeats import (
    find_repeated_blocks,
    group_repeats_op,
    is_auto_name,
    prefix_key,
    suffix_key,
)
from studio.project import Project

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _layer(graph: Graph, type_name: str, name: str, *inputs: str) -> str:
    params = {"shape": [8]} if type_name == "Input" else {}
    if type_name == "Dense":
        params = {"units": 8}
    nid = graph.add_layer(type_name, params, name=name)
    for i, src in enumerate(inputs):
        graph.connect(src, nid, dst_port=i)
    return nid


def _cells(count: int) -> Graph:
    """NASNet-style: each cell reads the two cells before it; Keras-made names inside."""
    graph = Graph()
    prev2 = prev = _layer(graph, "Input", "input")
    for c in range(count):
        a = _layer(graph, "Activation", f"activation_{2 * c}", prev)  # made-up name
        left = _layer(graph, "Dense", f"normal_left1_{c}", a)
        right = _layer(graph, "Dense", f"normal_right1_{c}", prev2)
        add = _layer(graph, "Add", f"normal_add_1_{c}", left, right)
        concat = _layer(graph, "Concatenate", f"normal_concat_{c}", add, a)
        prev2, prev = prev, concat
    _layer(graph, "Dense", "predictions", prev)
    return graph


def _modules(count: int) -> Graph:
    """Inception-style: branches between concatenations, every name made up by Keras."""
    graph = Graph()
    prev = _layer(graph, "Input", "input_layer")
    n = 0
    for _ in range(count):
        ends = []
        for _branch in range(3):
            x = _layer(graph, "Dense", f"dense_{n}", prev)
            ends.append(_layer(graph, "Activation", f"activation_{n}", x))
            n += 1
        prev = _layer(graph, "Concatenate", f"concatenate_{n}", *ends)
    return graph


def test_keys_read_block_names_the_way_keras_applications_write_them():
    assert prefix_key("conv2_block1_1_conv") == "conv2"
    assert prefix_key("block_3_expand_BN") == "block_3"
    assert suffix_key("separable_conv_1_normal_left1_5") == "5"
    assert suffix_key("reduction_add_1_reduce_4") == "reduce_4"
    assert suffix_key("activation_94") is None  # two words: a layer's number, not a cell's
    assert is_auto_name("conv2d_12", "Conv2D") and is_auto_name("activation", "Activation")
    assert not is_auto_name("stem_conv1", "Conv2D")


def test_resnet50_template_folds_into_its_stages():
    graph = Project.load(TEMPLATES / "resnet50.studio.json").graph
    blocks = find_repeated_blocks(graph)
    assert [b.name for b in blocks] == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    conv3 = next(b for b in blocks if b.name == "conv3")
    assert all(graph.node(n).name.startswith("conv3_") for n in conv3.node_ids)


def test_cells_named_at_the_end_take_their_unnamed_layers_along():
    graph = _cells(4)
    blocks = find_repeated_blocks(graph)
    assert [b.name for b in blocks] == ["cell_0", "cell_1", "cell_2", "cell_3"]
    names = {graph.node(n).name for n in blocks[1].node_ids}
    assert names == {
        "activation_2",
        "normal_left1_1",
        "normal_right1_1",
        "normal_add_1_1",
        "normal_concat_1",
    }


def test_modules_without_names_are_found_between_cut_layers():
    graph = _modules(4)
    blocks = find_repeated_blocks(graph)
    assert len(blocks) == 4 and all(len(b.node_ids) == 7 for b in blocks)
    assert graph.node(blocks[0].node_ids[-1]).type == "Concatenate"


def test_a_plain_chain_has_nothing_to_fold():
    graph = Project.load(TEMPLATES / "lenet5.studio.json").graph
    assert find_repeated_blocks(graph) == []
    assert group_repeats_op(graph).ops == []


def test_grouping_is_one_undoable_step_that_leaves_the_model_as_its_blocks():
    graph = _cells(5)
    before = graph.to_dict()
    inverse = graph.apply(group_repeats_op(graph))
    assert len(graph.groups) == 5 and all(g.collapsed for g in graph.groups.values())
    boxes = set(box_of(graph).values())
    assert len(boxes) == 5 + 2  # the cells, the input and the classifier
    visible = {b: graph.node(n).position for n, b in box_of(graph).items() if b == n}
    assert len(set(visible.values())) == len(visible)
    graph.apply(inverse)
    assert graph.to_dict() == before


def test_layers_already_in_a_block_stay_in_it():
    graph = _cells(4)
    first = [n.id for n in graph.nodes if n.name.endswith("_0") or n.name == "activation_0"]
    op, gid = group_op(graph, first, "mine")
    graph.apply(op)
    blocks = find_repeated_blocks(graph)
    assert [b.name for b in blocks] == ["cell_1", "cell_2", "cell_3"]
    graph.apply(group_repeats_op(graph))
    assert graph.groups[gid].name == "mine" and len(graph.groups) == 4


@pytest.mark.slow
def test_nasnet_mobile_folds_into_its_sixteen_cells():
    keras = pytest.importorskip("keras")
    from studio.interop.importer import import_model

    graph = import_model(keras.applications.NASNetMobile(weights=None)).graph
    blocks = find_repeated_blocks(graph)
    names = [b.name for b in blocks]
    assert names[:2] == ["cell_stem_1", "cell_stem_2"] and len(blocks) == 16
    assert {"cell_reduce_4", "cell_reduce_8", "cell_12"} <= set(names)
    graph.apply(group_repeats_op(graph))
    assert len(set(box_of(graph).values())) < 30
