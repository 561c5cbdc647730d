"""Automatic placement of a graph's boxes and routing of its edges, without Qt.

A layered (Sugiyama) drawing, the kind Graphviz ``dot``, Netron and TensorBoard make: data
flows one way (top to bottom by default), inputs in the first layer. grandalf does the
algorithm — ranking, a dummy vertex wherever an edge skips a layer, crossing reduction and
Brandes–Köpf coordinates. This module is the glue: which boxes are vertices (a collapsed block
is one box; its layers are laid out inside it), the flow direction, packing unconnected parts
side by side, and turning each edge's dummy vertices into bend points.

Every dummy vertex becomes two bend points, where the edge enters and leaves that layer's band,
so inside a band an edge runs straight along its own lane, which grandalf keeps clear of the
boxes beside it. Between bands the canvas draws a curve whose coordinate along the flow axis
only grows (``studio.graph.routing``), and bands hold all the boxes, so no edge crosses a box.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from grandalf.graphs import Edge as GEdge
from grandalf.graphs import Vertex, graph_core
from grandalf.layouts import SugiyamaLayout

from studio.graph import Batch, Edge, Graph, Route, SetAttr, SetLayout
from studio.graph.model import Point

log = logging.getLogger(__name__)

Direction = Literal["TB", "LR"]
DIRECTIONS: dict[str, str] = {"TB": "Top to bottom", "LR": "Left to right"}


@dataclass(frozen=True)
class LayoutOptions:
    """Spacing in scene units; box sizes match the canvas's node box.

    ``lane`` is the room one routed edge takes beside the boxes of a layer it passes.
    """

    direction: Direction = "TB"
    node_width: float = 190.0
    node_height: float = 78.0
    layer_gap: float = 64.0
    node_gap: float = 40.0
    lane: float = 16.0
    component_gap: float = 120.0
    ordering_rounds: float = 2.5


@dataclass
class Layout:
    """Top-left corners per node and bend points per routed edge."""

    direction: Direction
    positions: dict[str, Point] = field(default_factory=dict)
    routes: dict[Edge, Route] = field(default_factory=dict)


class _View:
    """What grandalf reads and writes on a vertex: its size and, after drawing, its centre."""

    __slots__ = ("w", "h", "xy")

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)


def box_of(graph: Graph, node_ids: Iterable[str] | None = None) -> dict[str, str]:
    """The box each node is drawn as: itself, or ``group:<id>`` inside a collapsed block."""
    ids = list(node_ids) if node_ids is not None else [n.id for n in graph.nodes]
    out: dict[str, str] = {}
    for nid in ids:
        gid = graph.node(nid).group
        group = graph.groups.get(gid) if gid else None
        out[nid] = f"group:{gid}" if group is not None and group.collapsed else nid
    return out


def plan_layout(
    graph: Graph, options: LayoutOptions | None = None, node_ids: Iterable[str] | None = None
) -> Layout:
    """Lay out the whole graph, or only ``node_ids`` and the edges among them.

    Collapsed blocks count as one box; their layers are laid out on their own and centred on
    the block, which the canvas draws at the mean of its layers' positions, so expanding a
    block shows its layers where it stood.
    """
    opts = options or LayoutOptions()
    ids = [n.id for n in graph.nodes] if node_ids is None else [n for n in node_ids if n in graph]
    return _plan(graph, opts, box_of(graph, ids))


def _plan(graph: Graph, opts: LayoutOptions, boxes: dict[str, str]) -> Layout:
    chosen = set(boxes)
    box_edges: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in graph.edges:
        if edge.src in chosen and edge.dst in chosen:
            a, b = boxes[edge.src], boxes[edge.dst]
            if a != b:
                box_edges[(a, b)].append(edge)
    order = list(dict.fromkeys(boxes.values()))
    centres, bends = _draw(order, list(box_edges), opts)
    out = Layout(opts.direction)
    half_w, half_h = opts.node_width / 2, opts.node_height / 2
    corner = {box: (x - half_w, y - half_h) for box, (x, y) in centres.items()}
    members: dict[str, list[str]] = defaultdict(list)
    for nid, box in boxes.items():
        if box == nid:
            out.positions[nid] = corner[box]
        else:
            members[box].append(nid)
    for box, inside in members.items():
        inner = _plan(graph, opts, {nid: nid for nid in inside})
        xs = [p[0] for p in inner.positions.values()]
        ys = [p[1] for p in inner.positions.values()]
        dx = corner[box][0] - sum(xs) / len(xs)
        dy = corner[box][1] - sum(ys) / len(ys)
        for nid, (x, y) in inner.positions.items():
            out.positions[nid] = (x + dx, y + dy)
        for edge, route in inner.routes.items():
            out.routes[edge] = _shifted(route, dx, dy)
    for pair, points in bends.items():
        route = Route(tuple(points), corner[pair[0]], corner[pair[1]], pair)
        for edge in box_edges[pair]:
            out.routes[edge] = route
    return out


def _shifted(route: Route, dx: float, dy: float) -> Route:
    return Route(
        tuple((x + dx, y + dy) for x, y in route.points),
        (route.src_at[0] + dx, route.src_at[1] + dy),
        (route.dst_at[0] + dx, route.dst_at[1] + dy),
        route.boxes,
    )


def _draw(
    boxes: list[str], pairs: list[tuple[str, str]], opts: LayoutOptions
) -> tuple[dict[str, Point], dict[tuple[str, str], list[Point]]]:
    """Centres of the boxes and bend points per box pair, unconnected parts side by side."""
    tb = opts.direction == "TB"
    across = opts.node_width if tb else opts.node_height  # a box's size along its layer
    thick = opts.node_height if tb else opts.node_width  # a layer band's thickness
    step = thick + opts.layer_gap
    vertices = {box: Vertex(box) for box in boxes}
    for v in vertices.values():
        v.view = _View(across, thick)
    centres: dict[str, Point] = {}
    bends: dict[tuple[str, str], list[Point]] = {}
    offset = 0.0
    for component in _components(vertices, pairs):
        sug = SugiyamaLayout(component)
        sug.xspace = opts.node_gap
        sug.dw, sug.dh = opts.lane, thick  # dummy vertices: a lane, not a box
        sug.init_all()
        sug.draw(opts.ordering_rounds)
        low = min((v.view.xy[0] - v.view.w / 2 for layer in sug.layers for v in layer), default=0.0)
        high = max(
            (v.view.xy[0] + v.view.w / 2 for layer in sug.layers for v in layer), default=0.0
        )
        shift = offset - low

        def place(a: float, rank: int, *, _shift: float = shift) -> Point:
            f = rank * step + thick / 2
            return (a + _shift, f) if tb else (f, a + _shift)

        for v in component.sV:
            centres[v.data] = place(v.view.xy[0], sug.grx[v].rank)
        for e in component.sE:
            ctrl = sug.ctrls.get(e)
            if not ctrl:
                continue
            src, dst = e.v[0], e.v[1]
            r0, r1 = sug.grx[src].rank, sug.grx[dst].rank
            ranks = range(r0 + 1, r1) if r0 < r1 else range(r0 - 1, r1, -1)
            points: list[Point] = []
            for r in ranks:
                a = ctrl[r].view.xy[0] + shift
                near, far = r * step, r * step + thick
                if r0 > r1:  # an edge turned back to break a cycle runs against the flow
                    near, far = far, near
                points += [(a, near), (a, far)] if tb else [(near, a), (far, a)]
            bends[(src.data, dst.data)] = points
        offset += high - low + opts.component_gap
    return centres, bends


def _components(vertices: dict[str, Vertex], pairs: list[tuple[str, str]]) -> list[graph_core]:
    """grandalf's connected graphs, one per unconnected part, in the boxes' order.

    Built edge by edge outward from one vertex: grandalf's own ``Graph`` constructor compares
    vertex sets pairwise, which costs most of a second on NASNetMobile; this is linear.
    """
    touching: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in pairs:
        touching[pair[0]].append(pair)
        touching[pair[1]].append(pair)
    edges = {pair: GEdge(vertices[pair[0]], vertices[pair[1]]) for pair in pairs}
    placed: set[str] = set()
    out = []
    for start in vertices:
        if start in placed:
            continue
        core = graph_core([vertices[start]])
        placed.add(start)
        queue, added = deque([start]), set()
        while queue:
            at = queue.popleft()
            for pair in touching[at]:
                if pair in added:
                    continue
                added.add(pair)
                core.add_edge(edges[pair])
                other = pair[1] if pair[0] == at else pair[0]
                if other not in placed:
                    placed.add(other)
                    queue.append(other)
        out.append(core)
    return out


def compute_layout(
    graph: Graph, options: LayoutOptions | None = None, node_ids: Iterable[str] | None = None
) -> dict[str, Point]:
    """Positions (top-left corners) for the nodes; the whole graph unless ``node_ids`` given.

    The edges' bend points come with ``plan_layout``; ``apply_layout`` stores both.
    """
    return plan_layout(graph, options, node_ids).positions


def apply_layout(graph: Graph, options: LayoutOptions | None = None) -> None:
    """Lay out a document nobody has seen yet (a fresh import) in place, without an undo step."""
    layout = plan_layout(graph, options)
    for nid, (x, y) in layout.positions.items():
        graph._replace_node(replace(graph.node(nid), position=(float(x), float(y))))
    graph.direction = layout.direction
    graph.routes = dict(layout.routes)


def layout_op(
    graph: Graph,
    options: LayoutOptions | None = None,
    node_ids: Iterable[str] | None = None,
    origin: Point | None = None,
) -> Batch:
    """One undoable edit that moves nodes to their laid-out places and routes their edges.

    With ``origin`` the layout is shifted so its top-left corner lands there (used to lay out
    pasted or imported parts beside what is already on the canvas). Laying out part of the
    graph drops the routes of edges that leave that part: they were made for other places.
    """
    layout = plan_layout(graph, options, node_ids)
    positions, routes = layout.positions, layout.routes
    if origin is not None and positions:
        dx = origin[0] - min(p[0] for p in positions.values())
        dy = origin[1] - min(p[1] for p in positions.values())
        positions = {k: (x + dx, y + dy) for k, (x, y) in positions.items()}
        routes = {e: _shifted(r, dx, dy) for e, r in routes.items()}
    ops: list = [
        SetAttr(nid, "position", (float(x), float(y)))
        for nid, (x, y) in positions.items()
        if graph.node(nid).position != (x, y)
    ]
    if node_ids is None:
        kept: dict[Edge, Route] = {}
    else:
        moved = set(positions)
        kept = {e: r for e, r in graph.routes.items() if e.src not in moved and e.dst not in moved}
    merged = {**kept, **routes}
    if merged != graph.routes or layout.direction != graph.direction:
        ops.append(SetLayout(layout.direction, merged))
    return Batch(ops, "Auto-layout")
