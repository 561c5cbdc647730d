"""What changed between two versions of a model: added, removed and changed layers.

Layers are matched by name first (a renamed layer is rare; an edited one keeps its name), then
the layers left over are matched by structure: same type, fed by layers that are already
matched to each other, walked in topological order so a match found early lets its successors
match too. Parameters are compared with the catalogue's defaults filled in, so a project that
spells out ``strides=1`` and one that leaves it out are not "different". Parameter counts come
from the checks (built Keras layers, passed in as ``sizes``), so the per-layer delta equals the
``model.summary()`` difference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from studio.catalog import get_spec
from studio.graph.document import Graph
from studio.graph.model import Node

NodeStatus = Literal["added", "removed", "changed", "same"]


@dataclass(frozen=True)
class ParamChange:
    """One parameter (or ``type``, ``trainable``, ``inputs``) that differs between A and B."""

    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class NodeDiff:
    """One layer of the union of both models; ``id_a``/``id_b`` is ``None`` where missing."""

    status: NodeStatus
    name: str
    type: str
    id_a: str | None = None
    id_b: str | None = None
    changes: tuple[ParamChange, ...] = ()
    params_a: int | None = None
    params_b: int | None = None
    matched_by: str = ""  # "name" or "structure" for nodes present in both

    @property
    def param_delta(self) -> int:
        return (self.params_b or 0) - (self.params_a or 0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["changes"] = [asdict(c) for c in self.changes]
        data["param_delta"] = self.param_delta
        return data


@dataclass(frozen=True)
class GraphDiff:
    """The whole comparison; ``nodes`` follow B's order, then layers only A has."""

    name_a: str
    name_b: str
    nodes: tuple[NodeDiff, ...] = field(default_factory=tuple)
    total_a: int | None = None
    total_b: int | None = None

    def by_status(self, status: NodeStatus) -> list[NodeDiff]:
        return [n for n in self.nodes if n.status == status]

    @property
    def added(self) -> list[NodeDiff]:
        return self.by_status("added")

    @property
    def removed(self) -> list[NodeDiff]:
        return self.by_status("removed")

    @property
    def changed(self) -> list[NodeDiff]:
        return self.by_status("changed")

    @property
    def identical(self) -> bool:
        return all(n.status == "same" for n in self.nodes)

    @property
    def total_delta(self) -> int:
        return (self.total_b or 0) - (self.total_a or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.name_a,
            "b": self.name_b,
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "total_params_a": self.total_a,
            "total_params_b": self.total_b,
            "total_param_delta": self.total_delta,
            "nodes": [n.to_dict() for n in self.nodes],
        }


def _effective_params(node: Node) -> dict[str, Any]:
    """The node's parameters with the catalogue's defaults filled in."""
    if node.opaque:
        return dict(node.params)
    spec = get_spec(node.type)
    values: dict[str, Any] = {}
    if spec is not None:
        values = {p.name: p.default for p in spec.params if not p.required}
    values.update(node.params)
    return values


def _normalise(value: Any) -> Any:
    """Lists and tuples compare equal (JSON has no tuples); ``3`` and ``(3, 3)`` do not."""
    if isinstance(value, (list, tuple)):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def _param_changes(a: Node, b: Node) -> list[ParamChange]:
    changes: list[ParamChange] = []
    if a.type != b.type:
        changes.append(ParamChange("type", a.type, b.type))
    pa, pb = _effective_params(a), _effective_params(b)
    for key in sorted(set(pa) | set(pb)):
        before, after = pa.get(key), pb.get(key)
        if _normalise(before) != _normalise(after):
            changes.append(ParamChange(key, before, after))
    if a.trainable != b.trainable:
        changes.append(ParamChange("trainable", a.trainable, b.trainable))
    return changes


def _order(graph: Graph) -> list[str]:
    return graph.topological_order() if not graph.has_cycle() else [n.id for n in graph.nodes]


def match_nodes(a: Graph, b: Graph) -> dict[str, tuple[str, str]]:
    """``{id_b: (id_a, how)}`` for every layer of B that has a counterpart in A."""
    matches: dict[str, tuple[str, str]] = {}
    used_a: set[str] = set()
    names_a = {n.name: n.id for n in a.nodes}
    for node in b.nodes:
        id_a = names_a.get(node.name)
        if id_a is not None and id_a not in used_a:
            matches[node.id] = (id_a, "name")
            used_a.add(id_a)
    # Structure: walk B in order; a leftover node matches a leftover of A with the same type
    # whose inputs are the counterparts of its own inputs.
    order_a = _order(a)
    changed = True
    while changed:
        changed = False
        for id_b in _order(b):
            if id_b in matches:
                continue
            node_b = b.node(id_b)
            preds_b = b.predecessors(id_b)
            if not all(p in matches for p in preds_b):
                continue
            wanted = [matches[p][0] for p in preds_b]
            for id_a in order_a:
                if id_a in used_a:
                    continue
                node_a = a.node(id_a)
                if node_a.type == node_b.type and a.predecessors(id_a) == wanted:
                    matches[id_b] = (id_a, "structure")
                    used_a.add(id_a)
                    changed = True
                    break
    return matches


Sizes = Callable[[Graph], tuple[dict[str, int], "int | None"]]


def diff_graphs(
    a: Graph, b: Graph, name_a: str = "A", name_b: str = "B", *, sizes: Sizes | None = None
) -> GraphDiff:
    """Compare design ``a`` (before) with ``b`` (after).

    ``sizes`` gives per-node parameter counts and the total (``studio.checks.sizes.
    param_sizes``, which builds the layers); without it the diff has no parameter figures.
    """
    matches = match_nodes(a, b)
    counts_a, total_a = sizes(a) if sizes is not None else ({}, None)
    counts_b, total_b = sizes(b) if sizes is not None else ({}, None)
    a_for_b = {id_b: id_a for id_b, (id_a, _how) in matches.items()}
    b_for_a = {id_a: id_b for id_b, id_a in a_for_b.items()}
    rows: list[NodeDiff] = []
    for id_b in _order(b):
        node_b = b.node(id_b)
        if id_b not in matches:
            rows.append(
                NodeDiff(
                    "added", node_b.name, node_b.type, None, id_b, (), None, counts_b.get(id_b)
                )
            )
            continue
        id_a, how = matches[id_b]
        node_a = a.node(id_a)
        changes = _param_changes(node_a, node_b)
        if node_a.name != node_b.name:
            changes.insert(0, ParamChange("name", node_a.name, node_b.name))
        inputs_a = [b_for_a.get(p, f"<{a.node(p).name}>") for p in a.predecessors(id_a)]
        inputs_b = b.predecessors(id_b)
        if inputs_a != inputs_b:
            changes.append(
                ParamChange(
                    "inputs",
                    [a.node(p).name for p in a.predecessors(id_a)],
                    [b.node(p).name for p in inputs_b],
                )
            )
        rows.append(
            NodeDiff(
                "changed" if changes else "same",
                node_b.name,
                node_b.type,
                id_a,
                id_b,
                tuple(changes),
                counts_a.get(id_a),
                counts_b.get(id_b),
                how,
            )
        )
    for id_a in _order(a):
        if id_a not in b_for_a:
            node_a = a.node(id_a)
            rows.append(
                NodeDiff(
                    "removed", node_a.name, node_a.type, id_a, None, (), counts_a.get(id_a), None
                )
            )
    return GraphDiff(name_a, name_b, tuple(rows), total_a, total_b)


def _value_text(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _count_text(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def format_diff(diff: GraphDiff, *, show_same: bool = False) -> str:
    """The diff as text: one line per layer (``+`` added, ``-`` removed, ``~`` changed),
    changed parameters indented below, and the parameter totals."""
    marks = {"added": "+", "removed": "-", "changed": "~", "same": " "}
    lines = [f"--- {diff.name_a}", f"+++ {diff.name_b}"]
    for row in diff.nodes:
        if row.status == "same" and not show_same:
            continue
        delta = row.param_delta
        delta_text = f"  params {delta:+,}" if delta else ""
        lines.append(f"{marks[row.status]} {row.name} ({row.type}){delta_text}")
        for change in row.changes:
            lines.append(
                f"      {change.name}: {_value_text(change.before)} -> {_value_text(change.after)}"
            )
    if diff.identical:
        lines.append("  (no differences)")
    lines.append(
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed; "
        f"total params {_count_text(diff.total_a)} -> {_count_text(diff.total_b)}"
        + (
            f" ({diff.total_delta:+,})"
            if diff.total_a is not None and diff.total_b is not None
            else ""
        )
    )
    return "\n".join(lines)


__all__ = ["GraphDiff", "NodeDiff", "ParamChange", "diff_graphs", "format_diff", "match_nodes"]
