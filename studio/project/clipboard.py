"""Copy and paste of layers through the system clipboard, so it works between windows.

The payload is JSON (nodes, the edges among them, and the blocks they form) put on the
clipboard as plain text, marked by its ``format`` key, so it can be pasted into another Model
Studio window or read in a text editor. (A custom mime type would add nothing, and PySide6
6.11 double-frees a Python-made ``QMimeData`` left on the clipboard at exit.)

Pasting gives every node a new id and a unique name, keeps the wiring among the pasted
nodes, and shifts them so they do not hide the originals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from studio.graph import AddNode, Batch, Connect, Edge, Graph, Group, Node, Op, SetGroup
from studio.graph.grouping import new_group_id, unique_group_name
from studio.graph.naming import free_name

log = logging.getLogger(__name__)

FORMAT = "model-studio-clipboard"


def copy_payload(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any]:
    chosen = set(node_ids)
    ids = [n.id for n in graph.nodes if n.id in chosen]  # document order, whatever the clicks
    edges = [e.to_list() for e in graph.edges if e.src in chosen and e.dst in chosen]
    groups = {graph.node(n).group for n in ids if graph.node(n).group in graph.groups}
    return {
        "format": FORMAT,
        "nodes": [graph.node(n).to_dict() for n in ids],
        "edges": edges,
        "groups": [graph.groups[g].to_dict() for g in sorted(g for g in groups if g)],
    }


def to_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


def from_text(raw: str) -> dict[str, Any] | None:
    """The payload in clipboard text, or None when it holds no layers of ours."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    from studio.project.errors import ProjectError
    from studio.project.schema import validate_nodes_payload

    try:  # text from another program: the same checks as a project file
        validate_nodes_payload(data, "clipboard")
    except ProjectError:
        log.debug("clipboard payload refused", exc_info=True)
        return None
    return data


def paste_op(
    graph: Graph, payload: dict[str, Any], offset: tuple[float, float] = (40.0, 40.0)
) -> tuple[Batch, list[str]]:
    """One undoable edit adding the payload's nodes; returns it and the new node ids."""
    mapping: dict[str, str] = {}
    taken = {n.name for n in graph.nodes}
    group_ids: dict[str, str] = {}
    ops: list[Op] = []
    scratch = Graph()  # reserves group ids and names while several groups are pasted
    scratch.groups = dict(graph.groups)
    for gd in payload.get("groups", []):
        group = Group.from_dict(gd)
        gid = new_group_id(scratch)
        fresh = replace(group, id=gid, name=unique_group_name(scratch, group.name))
        scratch.groups[gid] = fresh
        group_ids[group.id] = gid
        ops.append(SetGroup(gid, fresh))
    nodes: list[Node] = []
    for nd in payload.get("nodes", []):
        node = Node.from_dict(nd)
        new_id = graph.new_id()
        while new_id in mapping.values():
            new_id = graph.new_id()
        mapping[node.id] = new_id
        name = free_name(node.name, taken)
        taken.add(name)
        x, y = node.position
        nodes.append(
            replace(
                node,
                id=new_id,
                name=name,
                position=(x + offset[0], y + offset[1]),
                group=group_ids.get(node.group or ""),
            )
        )
    ops += [AddNode(node) for node in nodes]
    # Wiring goes in after every node, so the payload's order never matters.
    for ed in payload.get("edges", []):
        edge = Edge.from_list(ed)
        if edge.src in mapping and edge.dst in mapping:
            ops.append(
                Connect(Edge(mapping[edge.src], mapping[edge.dst], edge.src_port, edge.dst_port))
            )
    count = len(nodes)
    return Batch(ops, f"Paste {count} layer{'s' if count != 1 else ''}"), [n.id for n in nodes]
