"""Trial values → edits of the design: the one path both a trial's model and "Apply" take.

``design_ops`` turns a trial's values into graph ops (parameter changes, then blocks left out or
repeated); a trial applies them to a copy of the graph, "Apply" pushes them (with the training
settings, through ``SetTraining``) onto the undo stack as one ``Batch``. Building both from one
function means the applied design is exactly the one the trial trained.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, replace
from typing import Any

from studio.graph import (
    AddNode,
    Batch,
    Connect,
    Disconnect,
    Edge,
    Graph,
    Node,
    Op,
    RemoveNode,
    SetGroup,
    SetParams,
)
from studio.graph.grouping import boundary, members
from studio.graph.naming import free_name
from studio.tuning.space import Dimension, SearchSpace, SearchSpaceError

log = logging.getLogger(__name__)

# How far below the original a repeated copy of a block is placed on the canvas.
REPEAT_OFFSET = 130.0


@dataclass
class SetTraining(Op):
    """Replace a project's training settings (a dict, as the project file stores them).

    It is a graph op so that "Apply best trial" is one ``Batch`` and one undo step covering
    both the layers and the settings; ``project`` is any object with a ``training`` dict.
    """

    project: Any
    training: dict[str, Any]
    label = "Change training settings"

    def apply(self, graph: Graph) -> Op:
        old = copy.deepcopy(self.project.training)
        self.project.training = copy.deepcopy(self.training)
        return SetTraining(self.project, old)


def current_value(graph: Graph, training: dict[str, Any], dim: Dimension) -> Any:
    """What the design uses now for ``dim`` (a trial's starting point)."""
    if dim.target == "node":
        from studio.catalog.build import spec_for

        node = graph.node(dim.ref)
        spec = spec_for(node).param(dim.param)
        return node.params.get(dim.param, spec.default if spec else None)
    if dim.target == "block":
        return True if dim.param == "optional" else 1
    return training_value(training, dim.param)


def training_value(training: dict[str, Any], key: str) -> Any:
    from studio.training.settings import TrainingSettings

    settings = TrainingSettings.from_dict(training or {})
    if key == "learning_rate":
        return settings.optimizer.params.get("learning_rate", 1e-3)
    if key == "optimizer":
        return settings.optimizer.name
    if key == "loss":
        return settings.loss.name
    if key.startswith("optimizer."):
        return settings.optimizer.params.get(key.split(".", 1)[1])
    return getattr(settings, key)


def trial_training(training: dict[str, Any], space: SearchSpace, values: dict[str, Any]) -> dict:
    """The training settings (as a dict) with a trial's training values written in."""
    from studio.training.settings import (
        LossSettings,
        OptimizerSettings,
        TrainingSettings,
        available_optimizers,
    )

    settings = TrainingSettings.from_dict(training or {})
    changes: dict[str, Any] = {}
    optimizer = settings.optimizer
    for dim in space.dimensions:
        if dim.target != "training" or dim.key not in values:
            continue
        value = values[dim.key]
        if dim.param == "optimizer" and value != optimizer.name:
            known = {p.name for p in available_optimizers().get(str(value), [])}
            kept = {k: v for k, v in optimizer.params.items() if k in known}
            optimizer = OptimizerSettings(str(value), kept)
    for dim in space.dimensions:
        if dim.target != "training" or dim.key not in values:
            continue
        value = values[dim.key]
        if dim.param == "learning_rate":
            optimizer = replace(optimizer, params={**optimizer.params, "learning_rate": value})
        elif dim.param.startswith("optimizer."):
            name = dim.param.split(".", 1)[1]
            optimizer = replace(optimizer, params={**optimizer.params, name: value})
        elif dim.param == "loss":
            changes["loss"] = LossSettings(str(value), settings.loss.params)
        elif dim.param in ("epochs", "batch_size"):
            changes[dim.param] = int(value)
    return replace(settings, optimizer=optimizer, **changes).to_dict()


def design_ops(graph: Graph, space: SearchSpace, values: dict[str, Any]) -> list[Op]:
    """Graph ops that give ``graph`` a trial's layer parameters and block structure.

    Values for dimensions the trial does not name (or whose layer is gone) leave the design
    as it is. Raises ``SearchSpaceError`` for a block that cannot be left out or repeated.
    """
    ops: list[Op] = []
    params: dict[str, dict[str, Any]] = {}
    for dim in space.active(graph):
        if dim.target == "node" and dim.key in values:
            params.setdefault(dim.ref, {})[dim.param] = values[dim.key]
    for nid, changed in params.items():
        ops.append(SetParams(nid, changed))
    planner = _Planner(graph, params)
    blocks = [d for d in space.active(graph) if d.target == "block" and d.key in values]
    left_out = {d.ref for d in blocks if d.param == "optional" and not values[d.key]}
    for dim in blocks:
        if dim.param == "optional" and dim.ref in left_out:
            ops += planner.leave_out(dim.ref)
        elif dim.param == "repeat" and int(values[dim.key]) > 1 and dim.ref not in left_out:
            ops += planner.repeat(dim.ref, int(values[dim.key]))  # a left-out block has no copies
    return ops


def apply_op(
    project: Any, space: SearchSpace, values: dict[str, Any], label: str = "Apply trial"
) -> Batch:
    """One edit writing a trial's values into the design and its training settings."""
    ops = design_ops(project.graph, space, values)
    if any(d.target == "training" and d.key in values for d in space.dimensions):
        ops.append(SetTraining(project, trial_training(project.training, space, values)))
    return Batch(ops, label)


def trial_graph(graph: Graph, space: SearchSpace, values: dict[str, Any]) -> Graph:
    """A copy of ``graph`` with a trial's values applied; the original is untouched."""
    trial = graph.copy()
    trial.weights = {}  # a trial trains from scratch, like a search should compare designs
    ops = design_ops(trial, space, values)
    if ops:
        trial.apply(Batch(ops, "Trial"))
    return trial


class _Planner:
    """Plans structural edits against a graph that does not change until they are applied,
    so it tracks the ids and names it has handed out itself."""

    def __init__(self, graph: Graph, params: dict[str, dict[str, Any]]) -> None:
        self.graph = graph
        self.params = params
        self.names = {n.name for n in graph.nodes} | {g.name for g in graph.groups.values()}
        self.ids = {n.id for n in graph.nodes}
        self.group_ids = set(graph.groups)
        self.removed: set[str] = set()

    def _members(self, ref: str) -> list[str]:
        if ref in self.graph.groups:
            return members(self.graph, ref)
        return [ref] if ref in self.graph else []

    def _boundary(self, ref: str, what: str) -> tuple[list[str], tuple[str, int], tuple[str, int]]:
        graph = self.graph
        inside = self._members(ref)
        name = graph.groups[ref].name if ref in graph.groups else graph.node(ref).name
        if not inside:
            raise SearchSpaceError(f"block '{name}' has no layers to {what}")
        if set(inside) & self.removed:
            raise SearchSpaceError(f"block '{name}' overlaps a block already left out")
        if ref in graph.groups:
            b = boundary(graph, ref)
            ins, outs, out_edges = b.inputs, b.outputs, b.out_edges
        else:
            ins = tuple(dict.fromkeys((e.src, e.src_port) for e in graph.in_edges(ref)))
            out_edges = tuple(graph.out_edges(ref))
            outs = tuple(dict.fromkeys((e.src, e.src_port) for e in out_edges))
            if (ref, 0) in graph.output_ports():
                outs = (*outs, (ref, 0)) if (ref, 0) not in outs else outs
        if len(ins) != 1 or len(outs) != 1:
            raise SearchSpaceError(
                f"block '{name}' must read one tensor and give one tensor to {what} it "
                f"(it reads {len(ins)} and gives {len(outs)})"
            )
        if not out_edges:
            raise SearchSpaceError(
                f"block '{name}' gives the model's output; only a block inside the network "
                f"can be {what.replace('repeat', 'repeated').replace('leave out', 'left out')}"
            )
        return inside, ins[0], outs[0]

    def leave_out(self, ref: str) -> list[Op]:
        """Remove the block and feed what it read straight to what read its output."""
        inside, (src, src_port), _ = self._boundary(ref, "leave out")
        graph = self.graph
        member_set = set(inside)
        outgoing = [e for nid in inside for e in graph.out_edges(nid) if e.dst not in member_set]
        ops: list[Op] = [RemoveNode(nid) for nid in inside]
        ops += [Connect(Edge(src, e.dst, src_port, e.dst_port)) for e in outgoing]
        if ref in graph.groups:
            ops.append(SetGroup(ref, None))
        self.removed |= member_set
        return ops

    def _new_id(self) -> str:
        k = len(self.ids) + 1
        while f"n{k}" in self.ids:
            k += 1
        self.ids.add(f"n{k}")
        return f"n{k}"

    def _new_group_id(self) -> str:
        k = 1
        while f"g{k}" in self.group_ids:
            k += 1
        self.group_ids.add(f"g{k}")
        return f"g{k}"

    def repeat(self, ref: str, count: int) -> list[Op]:
        """Chain ``count`` copies of the block: each copy reads the previous one's output."""
        inside, _, (exit_id, exit_port) = self._boundary(ref, "repeat")
        graph = self.graph
        member_set = set(inside)
        outgoing = [e for nid in inside for e in graph.out_edges(nid) if e.dst not in member_set]
        ops: list[Op] = [Disconnect(e) for e in outgoing]
        group = graph.groups.get(ref)
        prev_exit = (exit_id, exit_port)
        for copy_no in range(2, count + 1):
            mapping = {nid: self._new_id() for nid in inside}
            gid = None
            if group is not None:
                gid = self._new_group_id()
                name = free_name(f"{group.name}_{copy_no}", self.names)
                self.names.add(name)
                ops.append(SetGroup(gid, replace(group, id=gid, name=name)))
            for nid in inside:
                node = graph.node(nid)
                name = free_name(node.name, self.names)
                self.names.add(name)
                clone = Node(
                    mapping[nid],
                    node.type,
                    name,
                    {**copy.deepcopy(node.params), **self.params.get(nid, {})},
                    (node.position[0], node.position[1] + REPEAT_OFFSET * (copy_no - 1)),
                    node.trainable,
                    node.opaque,
                    gid if group is not None else None,
                )
                ops.append(AddNode(clone))
            for nid in inside:
                for e in graph.in_edges(nid):
                    if e.src in member_set:
                        edge = Edge(mapping[e.src], mapping[nid], e.src_port, e.dst_port)
                    else:
                        edge = Edge(prev_exit[0], mapping[nid], prev_exit[1], e.dst_port)
                    ops.append(Connect(edge))
            prev_exit = (mapping[exit_id], exit_port)
        ops += [Connect(Edge(prev_exit[0], e.dst, prev_exit[1], e.dst_port)) for e in outgoing]
        return ops
