"""Copy and paste of layers through the system clipboard, so it works between windows.

The payload is JSON (nodes, the edges among them, and the blocks they form) under a custom
mime type, with the same JSON as plain text so it can be pasted into another Model Studio or
read in a text editor. Pasting gives every node a new id and a unique name, keeps the wiring
among the pasted nodes, and shifts them so they do not hide the originals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QMimeData

from studio.graph import AddNode, Batch, Connect, Edge, Graph, Group, Node, Op, SetGroup
from studio.grouping import new_group_id, unique_group_name

NODES_MIME = "application/x-model-studio-nodes"
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


def to_mime(payload: dict[str, Any]) -> QMimeData:
    text = json.dumps(payload)
    mime = QMimeData()
    mime.setData(NODES_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData) -> dict[str, Any] | None:
    """The payload on the clipboard, or None when it holds no layers of ours."""
    if mime.hasFormat(NODES_MIME):
        raw = bytes(mime.data(NODES_MIME).data()).decode("utf-8")
    elif mime.hasText():
        raw = mime.text()
    else:
        return None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def paste_op(graph: Graph, payload: dict[str, Any],
             offset: tuple[float, float] = (40.0, 40.0)) -> tuple[Batch, list[str]]:
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
        name = node.name
        if name in taken:
            base = name.rstrip("0123456789").rstrip("_") or name
            i = 1
            while f"{base}_{i}" in taken:
                i += 1
            name = f"{base}_{i}"
        taken.add(name)
        x, y = node.position
        nodes.append(replace(node, id=new_id, name=name, position=(x + offset[0], y + offset[1]),
                             group=group_ids.get(node.group or "")))
    ops += [AddNode(node) for node in nodes]
    # Wiring goes in after every node, so the payload's order never matters.
    for ed in payload.get("edges", []):
        edge = Edge.from_list(ed)
        if edge.src in mapping and edge.dst in mapping:
            ops.append(Connect(Edge(mapping[edge.src], mapping[edge.dst], edge.src_port,
                                    edge.dst_port)))
    count = len(nodes)
    return Batch(ops, f"Paste {count} layer{'s' if count != 1 else ''}"), [n.id for n in nodes]
