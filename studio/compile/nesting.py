"""Blocks marked ``nested`` become one sub-model node each, just before compiling.

``nest_groups`` rewrites a copy of the graph so each such block is one opaque node holding the
serialized sub-model, which the compiler then builds and calls like any layer. Building the
sub-model is itself a compile, so the compiler passes itself in (``compile_fn``) rather than
this module importing the compiler back: the recursion stays, the import cycle does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from studio.graph import Edge, Graph, Group, Node
from studio.graph.grouping import GroupingError, boundary, members


def nest_groups(
    graph: Graph, analysis: Any, compile_fn: Callable[..., Any], *, safe_mode: bool = True
) -> Graph:
    """A copy of ``graph`` where every ``nested`` block is one node holding a ``keras.Model``.

    A graph without nested blocks is returned unchanged (not copied). Each block's sub-model
    gets one ``Input`` per tensor entering the block, shaped from ``analysis`` (the outer
    graph's live shapes), and its outputs are the block's boundary outputs in order; the new
    node's output ports follow the same order, so outer edges are simply renumbered. Weights
    stored on the members travel into the sub-model and are kept on the new node.
    ``safe_mode`` is handed to the sub-model's compile, so trust never widens inside a block.
    """
    nested = [g for g in graph.groups.values() if g.nested]
    if not nested:
        return graph
    out = graph.copy()
    for group in nested:
        _nest_one(out, group, analysis, compile_fn, safe_mode)
    return out


def _nest_one(
    graph: Graph, group: Group, analysis: Any, compile_fn: Callable[..., Any], safe_mode: bool
) -> None:
    import keras

    inside = members(graph, group.id)
    if not inside:
        graph.groups.pop(group.id, None)
        return
    edge_of = boundary(graph, group.id)
    sub = Graph(group.name)
    sources: dict[tuple[str, int], str] = {}
    for k, (src, port) in enumerate(edge_of.inputs):
        info = analysis.infos.get(src)
        if info is None or port >= len(info.outputs):
            raise GroupingError(
                f"block '{group.name}': the shape of its input {k} is unknown; "
                "fix the issues before it first"
            )
        spec = info.outputs[port]
        node = Node(
            f"__in{k}",
            "Input",
            f"{group.name}_in{k}",
            {"shape": list(spec.shape[1:]), "dtype": spec.dtype},
        )
        sub._insert_node(node)
        sources[(src, port)] = node.id
    for nid in inside:
        sub._insert_node(replace(graph.node(nid), group=None), graph.weights.get(nid))
    member_set = set(inside)
    for nid in inside:
        for edge in graph.in_edges(nid):
            if edge.src in member_set:
                sub._insert_edge(edge)
            else:
                sub._insert_edge(Edge(sources[(edge.src, edge.src_port)], nid, 0, edge.dst_port))
    sub.input_order = list(sources.values())
    sub.output_order = list(edge_of.outputs)
    model = compile_fn(sub, safe_mode=safe_mode)
    xs = [graph.node(n).position[0] for n in inside]
    ys = [graph.node(n).position[1] for n in inside]
    trainable = all(graph.node(n).trainable for n in inside)
    output_index = {p: i for i, p in enumerate(edge_of.outputs)}
    for nid in inside:
        graph._delete_node(nid)  # drops the member's edges with it
    graph.groups.pop(group.id, None)
    block = Node(
        graph.new_id(),
        type(model).__name__,
        graph.unique_name(group.name),
        keras.saving.serialize_keras_object(model),
        (sum(xs) / len(xs), sum(ys) / len(ys)),
        trainable=trainable,
        opaque=True,
    )
    graph._insert_node(block, [w.copy() for w in model.get_weights()])
    for k, (src, port) in enumerate(edge_of.inputs):
        graph._insert_edge(Edge(src, block.id, port, k))
    # Each outer consumer is fed from the block port that carries the same tensor.
    for edge in edge_of.out_edges:
        graph._insert_edge(
            Edge(block.id, edge.dst, output_index[(edge.src, edge.src_port)], edge.dst_port)
        )
    graph.output_order = [
        (block.id, output_index[p]) if p in output_index else p for p in graph.output_order
    ]
    for p in edge_of.outputs:
        if (
            p not in {(e.src, e.src_port) for e in edge_of.out_edges}
            and (block.id, output_index[p]) not in graph.output_order
        ):
            graph.output_order.append((block.id, output_index[p]))
