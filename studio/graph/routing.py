"""The geometry of drawn edges, without Qt: where ports sit and which curve joins two points.

The canvas draws exactly these curves, and the layout benchmark measures them, so "no edge
through a box" is checked on what the user sees. Each piece between two consecutive points is
a cubic whose handles point along the flow axis and meet halfway, so its coordinate along the
flow only grows between the ends: a piece that starts below one layer band and ends above the
next never enters either band, and inside a band a piece joins two points on one lane, which
is a straight line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from studio.catalog.build import spec_for
from studio.graph.document import Graph
from studio.graph.model import Edge, Point

Cubic = tuple[Point, Point, Point, Point]

BOX_WIDTH = 190.0
BOX_HEIGHT = 78.0
HEADER = 22.0
BACKWARD_HANDLE = 60.0  # how far a curve swings out when an edge runs against the flow


def port_offset(
    index: int,
    count: int,
    output: bool,
    direction: str,
    width: float = BOX_WIDTH,
    height: float = BOX_HEIGHT,
) -> Point:
    """A port's place relative to its box's top-left corner.

    Top to bottom: inputs spread along the top edge, outputs along the bottom. Left to right:
    inputs on the left edge and outputs on the right, below the title bar.
    """
    count = max(count, 1)
    index = min(max(index, 0), count - 1)
    if direction == "TB":
        return (width * (index + 1) / (count + 1), height if output else 0.0)
    return (width if output else 0.0, HEADER + (height - HEADER) * (index + 1) / (count + 1))


def pieces(points: Sequence[Point], direction: str) -> list[Cubic]:
    """The cubic pieces of the curve through ``points`` (port, bend points, port)."""
    out: list[Cubic] = []
    flow = 1 if direction == "TB" else 0
    for a, b in zip(points, points[1:]):
        if b[flow] > a[flow]:
            mid = (a[flow] + b[flow]) / 2
            c1 = (a[0], mid) if flow else (mid, a[1])
            c2 = (b[0], mid) if flow else (mid, b[1])
        else:  # against the flow (a hand-moved box): swing out and back in
            k = BACKWARD_HANDLE
            c1 = (a[0], a[1] + k) if flow else (a[0] + k, a[1])
            c2 = (b[0], b[1] - k) if flow else (b[0] - k, b[1])
        out.append((a, c1, c2, b))
    return out


def sample(cubic: Cubic, steps: int = 12) -> list[Point]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = cubic
    out = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        w0, w1, w2, w3 = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append((w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3, w0 * y0 + w1 * y1 + w2 * y2 + w3 * y3))
    return out


def edge_points(graph: Graph, edge: Edge, in_count: int, out_count: int) -> list[Point]:
    """Port, bend points (following moved ends) and port of one edge between two nodes."""
    src, dst = graph.node(edge.src).position, graph.node(edge.dst).position
    ox, oy = port_offset(edge.src_port, out_count, True, graph.direction)
    ix, iy = port_offset(edge.dst_port, in_count, False, graph.direction)
    route = graph.routes.get(edge)
    bends = (
        route.follow(src, dst)
        if route is not None and route_fits(route, edge.src, edge.dst)
        else []
    )
    return [(src[0] + ox, src[1] + oy), *bends, (dst[0] + ix, dst[1] + iy)]


def input_slots(graph: Graph, node_id: str) -> int:
    """How many input ports the canvas shows on a node: its layer's fixed count, or one more
    than it has connected (a free slot to drop the next connection on)."""
    n_in = len(graph.in_edges(node_id))
    spec = spec_for(graph.node(node_id), n_in)
    if spec.max_inputs is not None:
        return spec.max_inputs
    return max(n_in + 1, spec.min_inputs)


def route_fits(route, src_box: str, dst_box: str) -> bool:
    """Whether a route was made for the boxes an edge is drawn between now (a route made
    while a block was collapsed means nothing once it is expanded, and the other way round)."""
    return route.boxes == ("", "") or route.boxes == (src_box, dst_box)


def polylines(graph: Graph, steps: int = 12) -> dict[Edge, list[Point]]:
    """Every edge between two nodes as the canvas draws it, sampled into short segments.

    Output port counts are the highest output index in use, as the analysis would show them.
    """
    ins = {n.id: input_slots(graph, n.id) for n in graph.nodes}
    outs: dict[str, int] = defaultdict(lambda: 1)
    for e in graph.edges:
        outs[e.src] = max(outs[e.src], e.src_port + 1)
    out: dict[Edge, list[Point]] = {}
    for e in graph.edges:
        pts = edge_points(graph, e, ins[e.dst], outs[e.src])
        line: list[Point] = [pts[0]]
        for cubic in pieces(pts, graph.direction):
            line += sample(cubic, steps)[1:]
        out[e] = line
    return out


def edges_through_boxes(
    graph: Graph,
    width: float = BOX_WIDTH,
    height: float = BOX_HEIGHT,
    margin: float = 1.0,
    lines: dict[Edge, list[Point]] | None = None,
) -> list[Edge]:
    """Edges whose drawn curve enters the box of a node other than its own two ends."""
    lines = polylines(graph) if lines is None else lines
    cell = max(width, height)
    grid: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    for node in graph.nodes:
        x, y = node.position
        for cx in range(int(x // cell), int((x + width) // cell) + 1):
            for cy in range(int(y // cell), int((y + height) // cell) + 1):
                grid[(cx, cy)].append((node.id, x, y))
    bad: list[Edge] = []
    for edge, line in lines.items():
        if _through(edge, _densify(line, cell / 8), grid, cell, width, height, margin):
            bad.append(edge)
    return bad


def _densify(line: list[Point], step: float) -> list[Point]:
    out = [line[0]]
    for (x0, y0), (x1, y1) in zip(line, line[1:]):
        n = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) // step) + 1)
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def _through(edge, line, grid, cell, width, height, margin) -> bool:
    for px, py in line:
        for nid, x, y in grid.get((int(px // cell), int(py // cell)), ()):
            if nid in (edge.src, edge.dst):
                continue
            if x + margin < px < x + width - margin and y + margin < py < y + height - margin:
                return True
    return False


def crossings(graph: Graph, lines: dict[Edge, list[Point]] | None = None) -> int:
    """Pairs of edges whose drawn curves cross, counted once per crossing point.

    Edges that share a node are not compared: they meet at its ports by design.
    """
    lines = polylines(graph) if lines is None else lines
    cell = 120.0
    grid: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    segments: list[tuple[Edge, Point, Point]] = []
    for edge, line in lines.items():
        for a, b in zip(line, line[1:]):
            k = len(segments)
            segments.append((edge, a, b))
            for cx in range(int(min(a[0], b[0]) // cell), int(max(a[0], b[0]) // cell) + 1):
                for cy in range(int(min(a[1], b[1]) // cell), int(max(a[1], b[1]) // cell) + 1):
                    grid[(cx, cy)].append((k, 0))
    seen: set[tuple[int, int]] = set()
    count = 0
    for bucket in grid.values():
        ks = [k for k, _ in bucket]
        for i, k1 in enumerate(ks):
            e1, a1, b1 = segments[k1]
            for k2 in ks[i + 1 :]:
                e2, a2, b2 = segments[k2]
                if e1 is e2 or {e1.src, e1.dst} & {e2.src, e2.dst}:
                    continue
                pair = (k1, k2) if k1 < k2 else (k2, k1)
                if pair in seen:
                    continue
                seen.add(pair)
                if _cross(a1, b1, a2, b2):
                    count += 1
    return count


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    o1, o2 = orient(a, b, c), orient(a, b, d)
    o3, o4 = orient(c, d, a), orient(c, d, b)
    return o1 * o2 < 0 and o3 * o4 < 0


def bounds(positions: Iterable[Point], width: float = BOX_WIDTH, height: float = BOX_HEIGHT):
    """(width, height) of the drawing that holds every box at ``positions``."""
    pts = list(positions)
    if not pts:
        return 0.0, 0.0
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return max(xs) - min(xs) + width, max(ys) - min(ys) + height
