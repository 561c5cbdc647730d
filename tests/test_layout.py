"""Auto-layout without Qt: flow direction, no overlaps, crossing reduction and speed."""

import time

import pytest

from studio.graph import Graph
from studio.graph.layout import LayoutOptions, compute_layout, layers_of, layout_op


def _chain(n: int) -> tuple[Graph, list[str]]:
    graph = Graph()
    ids = [graph.add_layer("Input", {"shape": [8]})]
    for _ in range(n - 1):
        ids.append(graph.add_layer("Dense", {"units": 4}))
        graph.connect(ids[-2], ids[-1])
    return graph, ids


def test_chain_flows_left_to_right_on_one_row():
    graph, ids = _chain(5)
    pos = compute_layout(graph)
    xs = [pos[i][0] for i in ids]
    assert xs == sorted(xs) and len(set(xs)) == 5
    assert len({pos[i][1] for i in ids}) == 1


def test_top_to_bottom_swaps_axes():
    graph, ids = _chain(4)
    pos = compute_layout(graph, LayoutOptions(direction="TB"))
    ys = [pos[i][1] for i in ids]
    assert ys == sorted(ys) and len({pos[i][0] for i in ids}) == 1


def test_branches_share_a_layer_without_overlapping():
    graph = Graph()
    a = graph.add_layer("Input", {"shape": [8]})
    b = graph.add_layer("Dense", {"units": 4})
    c = graph.add_layer("Dense", {"units": 4})
    d = graph.add_layer("Add")
    for src, dst in ((a, b), (a, c), (b, d), (c, d)):
        graph.connect(src, dst)
    layer = layers_of(graph)
    assert layer[b] == layer[c] == 1 and layer[d] == 2
    pos = compute_layout(graph)
    opts = LayoutOptions()
    assert abs(pos[b][1] - pos[c][1]) >= opts.node_height


def test_barycentre_untangles_crossed_pairs():
    graph = Graph()
    a1 = graph.add_layer("Input", {"shape": [8]})
    a2 = graph.add_layer("Input", {"shape": [8]})
    # Inserted in the crossing order: b1 fed by a2, b2 fed by a1.
    b1 = graph.add_layer("Dense", {"units": 4})
    b2 = graph.add_layer("Dense", {"units": 4})
    graph.connect(a2, b1)
    graph.connect(a1, b2)
    pos = compute_layout(graph)
    assert (pos[a1][1] < pos[a2][1]) == (pos[b2][1] < pos[b1][1])


def test_layout_op_is_one_undoable_edit():
    graph, ids = _chain(3)
    before = [graph.node(i).position for i in ids]
    inverse = graph.apply(layout_op(graph, origin=(100.0, 50.0)))
    assert graph.node(ids[0]).position == (100.0, 50.0)
    graph.apply(inverse)
    assert [graph.node(i).position for i in ids] == before


def test_cycles_still_lay_out():
    graph, ids = _chain(3)
    graph._insert_edge(type(graph.edges[0])(ids[2], ids[1], 0, 1))
    assert set(compute_layout(graph)) == set(ids)


@pytest.mark.parametrize("n", [800])
def test_800_nodes_lay_out_well_under_a_second(n):
    graph = Graph()
    prev = graph.add_layer("Input", {"shape": [8]})
    skip = prev
    for i in range(n - 1):
        node = graph.add_layer("Add" if i % 4 == 3 else "Dense", {"units": 8})
        graph._insert_edge(type_edge(prev, node, 0))
        if i % 4 == 3:
            graph._insert_edge(type_edge(skip, node, 1))
            skip = node
        prev = node
    start = time.perf_counter()
    pos = compute_layout(graph)
    elapsed = time.perf_counter() - start
    assert len(pos) == n
    assert elapsed < 0.5, f"layout took {elapsed:.3f}s"


def type_edge(src: str, dst: str, slot: int):
    from studio.graph import Edge

    return Edge(src, dst, 0, slot)
