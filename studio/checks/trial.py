"""Trying a parameter value before it is applied, so the inspector can refuse it in place.

The node is rebuilt on a small copy of the graph fed the shapes it receives now, and Keras is
asked; the edit reaches the document (and the undo stack) only when Keras accepts it.
"""

from __future__ import annotations

from typing import Any

from studio.checks.analysis import Analysis, Analyzer
from studio.graph import Edge, Graph, Node


def refusal_for(
    graph: Graph, analysis: Analysis | None, node: Node, values: dict[str, Any]
) -> str | None:
    """What Keras says about ``node`` with ``values``, tried on a copy fed the shapes the node
    receives now; None if it builds (or if its inputs have no shape yet to try it on)."""
    if analysis is None:
        return None
    trial = Graph()
    edges = graph.in_edges(node.id)
    for k, edge in enumerate(edges):
        info = analysis.infos.get(edge.src)
        if info is None or edge.src_port >= len(info.outputs):
            return None
        spec = info.outputs[edge.src_port]
        trial._insert_node(
            Node(
                f"in{k}", "Input", f"__in{k}", {"shape": list(spec.shape[1:]), "dtype": spec.dtype}
            )
        )
    params = dict(node.params)
    params.update(values)
    trial._insert_node(
        Node(node.id, node.type, node.name, params, trainable=node.trainable, opaque=node.opaque)
    )
    for k, edge in enumerate(edges):
        trial._insert_edge(Edge(f"in{k}", node.id, 0, edge.dst_port))
    for issue in Analyzer(trial).analysis().issues:
        if issue.node == node.id and issue.severity == "error":
            return issue.message
    return None
