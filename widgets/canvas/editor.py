"""The editing controller: turns user gestures into studio ops on the undo stack.

The scene, view, palette, inspector and menus all edit through this one object, so every
edit is undoable, refused edits explain themselves in the status bar, and no view ever
changes the graph directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from studio.catalog import get_spec
from studio.graph import (
    AddNode,
    Batch,
    Connect,
    Disconnect,
    Edge,
    Graph,
    GraphError,
    Op,
    RemoveNode,
    SetAttr,
    SetParams,
)
from studio.graph.grouping import GroupingError, collapse_op, group_op, ungroup_op
from studio.graph.layout import Direction, LayoutOptions, layout_op
from studio.graph.repeats import find_repeated_blocks, group_repeats_op, relayout_after
from widgets.common.commands import MoveCommand, OpCommand

# Horizontal step between a node and one added after it; matches the auto-layout spacing.
NEXT_STEP = LayoutOptions().node_width + LayoutOptions().layer_gap


def _direction(name: str) -> Direction:
    return "LR" if name == "LR" else "TB"


class GraphEditor(QObject):
    """Edits one graph through one undo stack. ``message`` carries refusals for the user."""

    message = Signal(str)

    def __init__(
        self, graph: Graph, stack: QUndoStack | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.graph = graph
        self.stack = stack or QUndoStack(self)
        self._gestures = itertools.count(1)

    def set_graph(self, graph: Graph) -> None:
        """Edit another document (a newly opened project); its history starts empty."""
        self.graph = graph
        self.stack.clear()

    def new_gesture(self) -> int:
        return next(self._gestures)

    # ----- the one way edits get in ------------------------------------------------------
    def push(self, op: Op, text: str | None = None) -> bool:
        """Apply ``op`` and record it; a refused op leaves the graph as it was."""
        if isinstance(op, Batch) and not op.ops:
            return False
        try:
            inverse = self.graph.apply(op)
        except (GraphError, GroupingError, KeyError, ValueError) as exc:
            self.message.emit(str(exc))
            return False
        self.stack.push(OpCommand(self.graph, op, inverse, text))
        return True

    def push_move(self, new: dict[str, tuple[float, float]], gesture: int) -> None:
        old = {nid: self.graph.node(nid).position for nid in new if nid in self.graph}
        new = {
            nid: (float(p[0]), float(p[1]))
            for nid, p in new.items()
            if nid in old and old[nid] != p
        }
        if not new:
            return
        command = MoveCommand(self.graph, {n: old[n] for n in new}, new, gesture, applied=True)
        self.graph.apply(command._redo_op)
        self.stack.push(command)

    # ----- layers --------------------------------------------------------------------------
    def add_layer(
        self,
        type_name: str,
        position: tuple[float, float],
        after: str | None = None,
        into_edge: Edge | None = None,
    ) -> str | None:
        """Add a layer; wire it after node ``after`` or splice it into ``into_edge``."""
        try:
            node = self.graph.make_node(type_name, position=position)
        except GraphError as exc:
            self.message.emit(str(exc))
            return None
        spec = get_spec(type_name)
        takes_input = spec is not None and spec.max_inputs != 0
        ops: list[Op] = []
        edges: tuple[Edge, ...] = ()
        if into_edge is not None and takes_input:
            ops.append(Disconnect(into_edge))
            edges = (
                Edge(into_edge.src, node.id, into_edge.src_port, 0),
                Edge(node.id, into_edge.dst, 0, into_edge.dst_port),
            )
            text = f"Insert {type_name}"
        elif after is not None and takes_input and after in self.graph:
            edges = (Edge(after, node.id, 0, 0),)
            text = f"Add {type_name}"
        else:
            text = f"Add {type_name}"
        ops.append(AddNode(node, edges))
        return node.id if self.push(Batch(ops, text)) else None

    def connect(self, src: str, src_port: int, dst: str, dst_port: int | None = None) -> bool:
        edge = Edge(src, dst, src_port, self.graph.free_slot(dst) if dst_port is None else dst_port)
        problem = self.graph.connection_problem(edge)
        if problem:
            self.message.emit(f"Cannot connect: {problem}")
            return False
        return self.push(Connect(edge))

    def delete(self, node_ids: Iterable[str], edges: Iterable[Edge] = ()) -> bool:
        ids = [n for n in dict.fromkeys(node_ids) if n in self.graph]
        gone = set(ids)
        ops: list[Op] = [
            Disconnect(e) for e in dict.fromkeys(edges) if e.src not in gone and e.dst not in gone
        ]
        ops += [RemoveNode(n) for n in ids]
        count = len(ids) or len(ops)
        what = "layer" if ids else "connection"
        return self.push(Batch(ops, f"Delete {count} {what}{'s' if count != 1 else ''}"))

    def set_param(
        self, node_ids: Iterable[str], name: str, value: Any, remove: bool = False
    ) -> bool:
        """Set one parameter on every node of a (same-type) selection as one undo step."""
        ops: list[Op] = [
            SetParams(n, {} if remove else {name: value}, (name,) if remove else ())
            for n in node_ids
        ]
        return self.push(Batch(ops, f"Set {name}"))

    def rename(self, node_id: str, name: str) -> str | None:
        """Rename a layer; returns why it was refused, or None."""
        name = name.strip()
        if not name:
            return "a layer name cannot be empty"
        other = self.graph.node_by_name(name)
        if other is not None and other.id != node_id:
            return f"another layer is already named {name!r}"
        if self.graph.node(node_id).name != name:
            self.push(SetAttr(node_id, "name", name))
        return None

    def set_trainable(self, node_ids: Iterable[str], trainable: bool) -> bool:
        ops: list[Op] = [
            SetAttr(n, "trainable", trainable)
            for n in node_ids
            if self.graph.node(n).trainable != trainable
        ]
        return self.push(Batch(ops, "Unfreeze" if trainable else "Freeze"))

    # ----- whole-graph edits ---------------------------------------------------------------
    def auto_layout(
        self, node_ids: Iterable[str] | None = None, options: LayoutOptions | None = None
    ) -> bool:
        """Lay out (in the document's own flow direction unless ``options`` say otherwise)."""
        options = options or LayoutOptions(direction=_direction(self.graph.direction))
        return self.push(layout_op(self.graph, options, node_ids))

    def set_direction(self, direction: str) -> bool:
        """Lay the whole model out again flowing ``direction`` ("TB" or "LR"), one undo step."""
        return self.auto_layout(options=LayoutOptions(direction=_direction(direction)))

    def group(self, node_ids: Iterable[str], name: str = "block") -> str | None:
        try:
            op, gid = group_op(self.graph, node_ids, name)
        except GroupingError as exc:
            self.message.emit(str(exc))
            return None
        return gid if self.push(op) else None

    def ungroup(self, group_id: str) -> bool:
        try:
            return self.push(ungroup_op(self.graph, group_id))
        except GroupingError as exc:
            self.message.emit(str(exc))
            return False

    def set_collapsed(self, group_id: str, collapsed: bool) -> bool:
        """Collapse or expand a block in place: the model is laid out again around it in the
        same undo step, so an expanded block's layers get room where the block stood."""
        if group_id not in self.graph.groups:
            return False
        return self.push(relayout_after(self.graph, collapse_op(self.graph, group_id, collapsed)))

    def group_repeated(self) -> int:
        """Fold the model's repeated blocks (stages, modules, cells) into collapsed blocks, as
        one undo step; returns how many blocks were made."""
        blocks = find_repeated_blocks(self.graph)
        if not blocks:
            self.message.emit("No repeated blocks found (layers already in blocks are left alone)")
            return 0
        return len(blocks) if self.push(group_repeats_op(self.graph, blocks)) else 0
