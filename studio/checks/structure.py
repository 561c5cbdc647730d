"""Graph-level checks that need no Keras: names, outputs, cycles, depth and size.

Everything here runs in time linear in the graph (a 30,000-layer chain or a complete graph is
reported in well under a second), and every report is bounded: a few cycles, each described
by a few names, never every cycle of the graph (a 12-node complete graph has billions).
What these checks refuse is exactly what would otherwise fail later, at compile or export
time: duplicate layer names, an output naming a port that does not exist, a model so deep
that Keras's recursive graph walk overflows, or sizes no memory can hold.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import networkx as nx

from studio.graph import Graph

MAX_DEPTH = 1000  # layers on the longest path; Keras walks model graphs recursively
MAX_LAYERS = 20_000
MAX_CYCLES = 3
MAX_CYCLE_NODES_MARKED = 20
MAX_PARAMS = 2**31  # 8 GiB of float32 weights
MAX_ELEMENTS = 2**29  # one tensor of one sample: 2 GiB of float32

IssueFn = Callable[..., None]


def _digraph(graph: Graph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in graph.nodes)
    g.add_edges_from((e.src, e.dst) for e in graph.edges)
    return g


def find_cycles(graph: Graph, limit: int = MAX_CYCLES) -> list[list[str]]:
    """Up to ``limit`` cycles, one per strongly connected component, in linear time."""
    g = _digraph(graph)
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    components = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(n, n) for n in comp):
            components.append(comp)
    components.sort(key=lambda c: min(order[n] for n in c))
    cycles = []
    for comp in components[:limit]:
        start = min(comp, key=order.__getitem__)
        cycles.append(_cycle_through(g, start, comp))
    return cycles


def _cycle_through(g: nx.DiGraph, start: str, comp: set[str]) -> list[str]:
    """The shortest cycle through ``start`` inside its component (breadth-first search)."""
    if g.has_edge(start, start):
        return [start]
    parent: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for nxt in g.successors(node):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            if nxt in comp and nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                queue.append(nxt)
    return [start]  # unreachable for a strongly connected component


def describe_cycle(graph: Graph, cycle: list[str], shown: int = 6) -> str:
    names = [graph.node(n).name for n in cycle]
    if len(names) > shown:
        names = [*names[: shown - 1], f"… ({len(cycle) - shown + 1} more)", names[-1]]
    return " → ".join([*names, graph.node(cycle[0]).name])


def depth_overflow(graph: Graph, order: list[str]) -> tuple[str, int] | None:
    """The first node (in ``order``, a topological order) deeper than ``MAX_DEPTH``."""
    depth: dict[str, int] = {}
    for nid in order:
        d = 1 + max((depth[e.src] for e in graph.in_edges(nid)), default=0)
        depth[nid] = d
        if d > MAX_DEPTH:
            return nid, d
    return None


def duplicate_names(graph: Graph) -> list[tuple[str, str]]:
    """(node id, name) of every layer whose name an earlier layer already has."""
    seen: set[str] = set()
    dupes = []
    for node in graph.nodes:
        if node.name in seen:
            dupes.append((node.id, node.name))
        seen.add(node.name)
    return dupes


def size_text(n_bytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:,.0f} {unit}" if unit == "bytes" else f"{n_bytes:,.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:,.1f} PiB"


def elements(shape: tuple[int | None, ...]) -> int:
    """Values in one sample of a tensor (the batch axis and unknown axes count as 1)."""
    n = 1
    for d in shape[1:]:
        n *= d if isinstance(d, int) and d > 0 else 1
    return n
