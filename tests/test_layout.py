"""Auto-layout without Qt: flow direction, routed edges clear of boxes, undo, files, speed."""

import time

import pytest

from studio.graph import Edge, Graph, Route
from studio.graph.grouping import group_op
from studio.graph.layout import LayoutOptions, apply_layout, compute_layout, layout_op, plan_layout
from studio.graph.routing import crossings, edges_through_boxes, pieces

W, H = LayoutOptions().node_width, LayoutOptions().node_height


def _chain(n: int) -> tuple[Graph, list[str]]:
    graph = Graph()
    ids = [graph.add_layer("Input", {"shape": [8]})]
    for _ in range(n - 1):
        ids.append(graph.add_layer("Dense", {"units": 4}))
        graph.connect(ids[-2], ids[-1])
    return graph, ids


def _residual(blocks: int) -> Graph:
    """Input, then ``blocks`` times: two Dense layers and an Add that skips them."""
    graph = Graph()
    prev = graph.add_layer("Input", {"shape": [8]})
    for _ in range(blocks):
        a = graph.add_layer("Dense", {"units": 8})
        b = graph.add_layer("Dense", {"units": 8})
        add = graph.add_layer("Add")
        graph.connect(prev, a)
        graph.connect(a, b)
        graph.connect(b, add, dst_port=0)
        graph.connect(prev, add, dst_port=1)
        prev = add
    return graph


def _overlaps(positions: dict[str, tuple[float, float]]) -> list[tuple[str, str]]:
    items = list(positions.items())
    return [
        (a, b)
        for i, (a, (ax, ay)) in enumerate(items)
        for b, (bx, by) in items[i + 1 :]
        if abs(ax - bx) < W and abs(ay - by) < H
    ]


def test_chain_flows_top_to_bottom_in_one_column():
    graph, ids = _chain(5)
    pos = compute_layout(graph)
    ys = [pos[i][1] for i in ids]
    assert ys == sorted(ys) and len(set(ys)) == 5
    assert len({pos[i][0] for i in ids}) == 1


def test_left_to_right_is_an_option():
    graph, ids = _chain(4)
    pos = compute_layout(graph, LayoutOptions(direction="LR"))
    xs = [pos[i][0] for i in ids]
    assert xs == sorted(xs) and len({pos[i][1] for i in ids}) == 1


def test_inputs_are_in_the_first_layer():
    graph = _residual(2)
    second = graph.add_layer("Input", {"shape": [8]})
    dense = graph.add_layer("Dense", {"units": 8})
    graph.connect(second, dense)
    pos = compute_layout(graph)
    top = min(p[1] for p in pos.values())
    assert all(pos[n.id][1] == top for n in graph.input_nodes())


def test_branches_share_a_layer_without_overlapping():
    graph = Graph()
    a = graph.add_layer("Input", {"shape": [8]})
    b = graph.add_layer("Dense", {"units": 4})
    c = graph.add_layer("Dense", {"units": 4})
    d = graph.add_layer("Add")
    for src, dst in ((a, b), (a, c), (b, d), (c, d)):
        graph.connect(src, dst)
    pos = compute_layout(graph)
    assert pos[b][1] == pos[c][1] and not _overlaps(pos)
    assert pos[a][1] < pos[b][1] < pos[d][1]


def test_skip_connection_is_routed_beside_the_layers_it_skips():
    graph = _residual(3)
    apply_layout(graph)
    skips = [e for e in graph.edges if e.dst_port == 1]
    assert len(skips) == 3 and all(len(graph.routes[e].points) == 4 for e in skips)
    assert edges_through_boxes(graph) == []
    graph.routes = {}  # drawn straight, each skip runs through the two Dense boxes
    assert len(edges_through_boxes(graph)) == 3


def test_crossed_pairs_are_untangled():
    graph = Graph()
    a1 = graph.add_layer("Input", {"shape": [8]})
    a2 = graph.add_layer("Input", {"shape": [8]})
    b1 = graph.add_layer("Dense", {"units": 4})  # inserted in the crossing order
    b2 = graph.add_layer("Dense", {"units": 4})
    graph.connect(a2, b1)
    graph.connect(a1, b2)
    apply_layout(graph)
    assert crossings(graph) == 0


def test_unconnected_parts_sit_side_by_side():
    graph, _ = _chain(3)
    other, _ = _chain(3)
    for node in other.nodes:
        graph._insert_node(node.__class__(f"x{node.id}", node.type, f"x{node.name}", node.params))
    for e in other.edges:
        graph._insert_edge(Edge(f"x{e.src}", f"x{e.dst}", e.src_port, e.dst_port))
    assert not _overlaps(compute_layout(graph))


def test_layout_op_is_one_undoable_edit_with_its_routes():
    graph = _residual(2)
    before = {n.id: n.position for n in graph.nodes}
    inverse = graph.apply(layout_op(graph, origin=(100.0, 50.0)))
    assert min(n.position[0] for n in graph.nodes) == 100.0
    assert min(n.position[1] for n in graph.nodes) == 50.0
    assert len(graph.routes) == 2 and edges_through_boxes(graph) == []
    graph.apply(inverse)
    assert {n.id: n.position for n in graph.nodes} == before and graph.routes == {}


def test_switching_direction_is_undoable():
    graph = _residual(1)
    apply_layout(graph)
    inverse = graph.apply(layout_op(graph, LayoutOptions(direction="LR")))
    assert graph.direction == "LR" and edges_through_boxes(graph) == []
    graph.apply(inverse)
    assert graph.direction == "TB"


def test_routes_survive_a_save_and_old_files_keep_their_direction():
    graph = _residual(2)
    apply_layout(graph)
    again = Graph.from_dict(graph.to_dict())
    assert again.routes == graph.routes and again.direction == "TB"
    old = graph.to_dict()
    del old["layout"]  # a file written before routed layouts
    loaded = Graph.from_dict(old)
    assert loaded.direction == "LR" and loaded.routes == {}


def test_route_moves_rigidly_with_both_ends_and_bends_towards_one():
    route = Route(((0.0, 100.0), (0.0, 200.0)), (0.0, 0.0), (0.0, 300.0))
    assert route.follow((50.0, 10.0), (50.0, 310.0)) == [(50.0, 110.0), (50.0, 210.0)]
    moved = route.follow((0.0, 0.0), (90.0, 300.0))
    assert 0 < moved[0][0] < moved[1][0] < 90


def test_collapsed_block_is_one_box_centred_where_its_layers_are():
    graph = _residual(3)
    members = [n.id for n in graph.nodes if n.type != "Input"][3:6]
    op, gid = group_op(graph, members, "block")
    graph.apply(op)
    layout = plan_layout(graph)
    others = {k: p for k, p in layout.positions.items() if k not in members}
    xs = [layout.positions[m][0] for m in members]
    ys = [layout.positions[m][1] for m in members]
    block = (sum(xs) / 3, sum(ys) / 3)
    assert not _overlaps({**others, "block": block})


def test_drawn_pieces_never_go_back_along_the_flow():
    for a, c1, c2, b in pieces([(0, 0), (40, 100), (40, 178), (-30, 260)], "TB"):
        assert a[1] <= c1[1] <= c2[1] <= b[1]


def test_cycles_still_lay_out():
    graph, ids = _chain(3)
    graph._insert_edge(Edge(ids[2], ids[1], 0, 1))
    assert set(compute_layout(graph)) == set(ids)


def test_800_nodes_lay_out_well_under_a_second():
    graph = Graph()
    prev = graph.add_layer("Input", {"shape": [8]})
    skip = prev
    for i in range(799):
        node = graph.add_layer("Add" if i % 4 == 3 else "Dense", {"units": 8})
        graph._insert_edge(Edge(prev, node, 0, 0))
        if i % 4 == 3:
            graph._insert_edge(Edge(skip, node, 0, 1))
            skip = node
        prev = node
    start = time.perf_counter()
    pos = compute_layout(graph)
    elapsed = time.perf_counter() - start
    assert len(pos) == 800
    assert elapsed < 1.0, f"layout took {elapsed:.3f}s"


@pytest.mark.slow
def test_nasnet_mobile_lays_out_in_under_a_second_with_no_edge_through_a_box():
    keras = pytest.importorskip("keras")
    from studio.interop.importer import import_model

    graph = import_model(keras.applications.NASNetMobile(weights=None)).graph
    start = time.perf_counter()
    apply_layout(graph)
    assert time.perf_counter() - start < 1.0
    assert edges_through_boxes(graph) == []


def test_laying_out_a_part_keeps_the_other_routes_and_drops_those_it_invalidates():
    graph = _residual(3)
    apply_layout(graph)
    skips = sorted((e for e in graph.edges if e.dst_port == 1), key=lambda e: graph.index_of(e.dst))
    last = [n.id for n in graph.nodes][-3:]  # the third block: two Dense layers and its Add
    graph.apply(layout_op(graph, node_ids=last, origin=(2000.0, 0.0)))
    assert skips[0] in graph.routes and skips[1] in graph.routes
    assert skips[2] not in graph.routes  # its Add moved away from where the route was made
