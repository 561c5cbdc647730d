"""Blocks: named groups of nodes that the editor can collapse into one, without Qt.

A group is only a record (``Group``) plus each member's ``node.group``; the wiring is never
changed, so grouping cannot break a model and ungrouping restores exactly what was there.
All edits are returned as ``Batch`` ops so they go through the undo stack like any other.

By default a block compiles inline (its layers become layers of the model). A block marked
``nested`` becomes a nested ``keras.Model`` at compile time (``studio.compile.nesting``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from studio.graph import Batch, Edge, Graph, Group, SetAttr, SetGroup
from studio.graph.naming import free_name


class GroupingError(ValueError):
    """A grouping the editor must refuse; the message is for the status bar."""


@dataclass(frozen=True)
class Boundary:
    """The ports that cross a block's edge.

    ``inputs`` are the outside tensors ``(node id, port)`` the block reads, in a stable order;
    ``outputs`` the member tensors used outside the block or as model outputs.
    """

    inputs: tuple[tuple[str, int], ...]
    outputs: tuple[tuple[str, int], ...]
    in_edges: tuple[Edge, ...]
    out_edges: tuple[Edge, ...]


def members(graph: Graph, group_id: str) -> list[str]:
    """Member node ids in topological order (so the block's ports come out in flow order)."""
    inside = {n.id for n in graph.nodes if n.group == group_id}
    return [nid for nid in _order(graph) if nid in inside]


def _order(graph: Graph) -> list[str]:
    if graph.has_cycle():
        return [n.id for n in graph.nodes]
    return graph.topological_order()


def boundary(graph: Graph, group_id: str) -> Boundary:
    inside = members(graph, group_id)
    member_set = set(inside)
    in_edges: list[Edge] = []
    out_edges: list[Edge] = []
    for nid in inside:
        for edge in graph.in_edges(nid):
            if edge.src not in member_set:
                in_edges.append(edge)
        for edge in graph.out_edges(nid):
            if edge.dst not in member_set:
                out_edges.append(edge)
    inputs = tuple(dict.fromkeys((e.src, e.src_port) for e in in_edges))
    model_outputs = [p for p in graph.output_ports() if p[0] in member_set]
    outputs = tuple(dict.fromkeys([*((e.src, e.src_port) for e in out_edges), *model_outputs]))
    return Boundary(inputs, outputs, tuple(in_edges), tuple(out_edges))


def new_group_id(graph: Graph) -> str:
    return next(f"g{i}" for i in itertools.count(1) if f"g{i}" not in graph.groups)


def unique_group_name(graph: Graph, base: str) -> str:
    return free_name(base, {g.name for g in graph.groups.values()} | {n.name for n in graph.nodes})


def group_op(
    graph: Graph,
    node_ids: Iterable[str],
    name: str = "block",
    collapsed: bool = True,
    nested: bool = False,
) -> tuple[Batch, str]:
    """The edit that makes a block of ``node_ids``, and the new group's id.

    Refused (``GroupingError``) for an empty selection, for model inputs (a block is a piece
    of the network between inputs and outputs) and for layers already in a block.
    """
    ids = [nid for nid in dict.fromkeys(node_ids) if nid in graph]
    if not ids:
        raise GroupingError("select the layers to group first")
    for nid in ids:
        node = graph.node(nid)
        if node.type == "Input":
            raise GroupingError(f"'{node.name}' is a model input and cannot go into a block")
        if node.group is not None and node.group in graph.groups:
            raise GroupingError(
                f"'{node.name}' is already in block "
                f"'{graph.groups[node.group].name}'; ungroup it first"
            )
    gid = new_group_id(graph)
    group = Group(gid, unique_group_name(graph, name), collapsed=collapsed, nested=nested)
    ops = [SetGroup(gid, group), *(SetAttr(nid, "group", gid) for nid in ids)]
    return Batch(ops, f"Group {group.name}"), gid


def ungroup_op(graph: Graph, group_id: str) -> Batch:
    """The edit that dissolves a block, leaving its layers and wiring as they are."""
    if group_id not in graph.groups:
        raise GroupingError(f"no block with id {group_id!r}")
    name = graph.groups[group_id].name
    ops = [SetAttr(nid, "group", None) for nid in members(graph, group_id)]
    ops.append(SetGroup(group_id, None))
    return Batch(ops, f"Ungroup {name}")


def collapse_op(graph: Graph, group_id: str, collapsed: bool) -> Batch:
    """Collapse or expand a block. It touches the member nodes so views redraw them."""
    group = graph.groups[group_id]
    ops: list[Any] = [SetGroup(group_id, replace(group, collapsed=collapsed))]
    ops += [SetAttr(nid, "group", group_id) for nid in members(graph, group_id)]
    return Batch(ops, ("Collapse " if collapsed else "Expand ") + group.name)


def rename_group_op(graph: Graph, group_id: str, name: str) -> SetGroup:
    name = name.strip()
    if not name:
        raise GroupingError("a block name cannot be empty")
    return SetGroup(group_id, replace(graph.groups[group_id], name=name))
