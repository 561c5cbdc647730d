"""A few cycles of a graph, found in linear time: listing every cycle is exponential (a
12-node complete graph has millions), so each strongly connected component gives one."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from studio.graph.document import Graph

MAX_CYCLES = 3


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
