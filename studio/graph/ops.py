"""Reversible edits of the graph document.

Every edit is an ``Op``; applying one returns its inverse, so undo is applying what an edit
returned. The editor's undo stack wraps ops in commands and never edits the graph otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from studio.graph.model import Edge, Group, Node, Route

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from studio.graph.document import Graph

_MISSING = object()


class Op:
    """An edit: ``apply`` changes the graph and returns the op that undoes it."""

    label = "Edit"

    def apply(self, graph: Graph) -> Op:  # pragma: no cover - interface
        raise NotImplementedError

    def touched(self) -> tuple[frozenset[str], bool]:
        """Node ids whose own state changes, and whether the wiring changes."""
        return frozenset(), False


@dataclass
class AddNode(Op):
    node: Node
    edges: tuple[Edge, ...] = ()
    weights: list[Any] | None = None
    index: int | None = None  # where it stood in document order, when undoing a delete
    label = "Add layer"

    def apply(self, graph: Graph) -> Op:
        graph._insert_node(self.node, self.weights, self.index)
        for edge in self.edges:
            graph._insert_edge(edge)
        return RemoveNode(self.node.id)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset({self.node.id}), True


@dataclass
class RemoveNode(Op):
    node_id: str
    label = "Delete layer"

    def apply(self, graph: Graph) -> Op:
        node = graph.node(self.node_id)
        edges = tuple(graph.edges_of(self.node_id))
        weights = graph.weights.get(self.node_id)
        index = graph.index_of(self.node_id)
        for edge in edges:
            graph._delete_edge(edge)
        graph._delete_node(self.node_id)
        return AddNode(replace(node), edges, weights, index)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset({self.node_id}), True


@dataclass
class Connect(Op):
    edge: Edge
    label = "Connect"

    def apply(self, graph: Graph) -> Op:
        graph._insert_edge(self.edge)
        return Disconnect(self.edge)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset({self.edge.dst}), True


@dataclass
class Disconnect(Op):
    edge: Edge
    label = "Disconnect"

    def apply(self, graph: Graph) -> Op:
        graph._delete_edge(self.edge)
        return Connect(self.edge)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset({self.edge.dst}), True


@dataclass
class SetParams(Op):
    """Set (or, with the value ``None`` for a key in ``remove``, drop) layer parameters."""

    node_id: str
    values: dict[str, Any]
    remove: tuple[str, ...] = ()
    label = "Change parameter"

    def apply(self, graph: Graph) -> Op:
        node = graph.node(self.node_id)
        old_values: dict[str, Any] = {}
        old_missing: list[str] = []
        for key in (*self.values, *self.remove):
            if key in node.params:
                old_values[key] = node.params[key]
            else:
                old_missing.append(key)
        params = dict(node.params)
        params.update(self.values)
        for key in self.remove:
            params.pop(key, None)
        graph._replace_node(replace(node, params=params))
        return SetParams(self.node_id, old_values, tuple(old_missing))

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset({self.node_id}), False


@dataclass
class SetAttr(Op):
    """Change a node's name, position, trainable flag or group."""

    node_id: str
    attr: str
    value: Any

    def apply(self, graph: Graph) -> Op:
        node = graph.node(self.node_id)
        old = getattr(node, self.attr)
        graph._replace_node(replace(node, **{self.attr: self.value}))
        return SetAttr(self.node_id, self.attr, old)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset({self.node_id}), False

    @property
    def label(self) -> str:  # type: ignore[override]
        return {"position": "Move", "name": "Rename", "trainable": "Freeze", "group": "Group"}.get(
            self.attr, "Edit layer"
        )


@dataclass
class SetGroup(Op):
    """Create, change or (with ``group=None``) delete a group record."""

    group_id: str
    group: Group | None
    label = "Group"

    def apply(self, graph: Graph) -> Op:
        old = graph.groups.get(self.group_id)
        if self.group is None:
            graph.groups.pop(self.group_id, None)
        else:
            graph.groups[self.group_id] = self.group
        return SetGroup(self.group_id, old)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset(), False


@dataclass
class SetOutputs(Op):
    """Fix the order of the model's outputs (``(node id, port)`` pairs)."""

    outputs: list[tuple[str, int]]
    label = "Set outputs"

    def apply(self, graph: Graph) -> Op:
        old = list(graph.output_order)
        graph.output_order = list(self.outputs)
        return SetOutputs(old)

    def touched(self) -> tuple[frozenset[str], bool]:
        return frozenset(), True


@dataclass
class SetLayout(Op):
    """Set the flow direction the document is drawn in and the edges' bend points.

    Notifies the end nodes of every route that appears, changes or goes (every node when the
    direction changes, since all ports move), so views redraw exactly those edges.
    """

    direction: str
    routes: dict[Edge, Route]
    label = "Auto-layout"
    _touched: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def apply(self, graph: Graph) -> Op:
        old_direction, old_routes = graph.direction, graph.routes
        graph.direction = self.direction
        graph.routes = dict(self.routes)
        changed = {
            e
            for e in old_routes.keys() | self.routes.keys()
            if old_routes.get(e) != self.routes.get(e)
        }
        touched = {nid for e in changed for nid in (e.src, e.dst) if nid in graph}
        if old_direction != self.direction:
            touched |= {n.id for n in graph.nodes}
        self._touched = frozenset(touched)
        return SetLayout(old_direction, old_routes)

    def touched(self) -> tuple[frozenset[str], bool]:
        return self._touched, False


@dataclass
class Batch(Op):
    """Several ops as one edit: one undo step, one change notification."""

    ops: list[Op] = field(default_factory=list)
    label: str = "Edit"  # type: ignore[assignment]

    def apply(self, graph: Graph) -> Op:
        """All or nothing: when a step fails, the steps before it are undone (newest first)
        before the error goes on, so the graph is exactly as it was and no view needs to
        hear of an edit that did not happen."""
        inverses: list[Op] = []
        try:
            for op in self.ops:
                inverses.append(op.apply(graph))
        except Exception:
            log.debug("apply: handled exception", exc_info=True)
            for inverse in reversed(inverses):
                inverse.apply(graph)
            raise
        inverses.reverse()
        return Batch(inverses, self.label)

    def touched(self) -> tuple[frozenset[str], bool]:
        nodes: set[str] = set()
        structural = False
        for op in self.ops:
            n, s = op.touched()
            nodes |= n
            structural = structural or s
        return frozenset(nodes), structural
