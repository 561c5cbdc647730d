"""Restoring a run: its training settings and weights, read for the current design.

The plan is computed off the UI thread without touching the project or the graph, so the app
can apply settings and weights together as one undoable edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.graph import Graph
from studio.training.compare import LoadedRun
from studio.training.settings import TrainingError


@dataclass(frozen=True)
class RestorePlan:
    """What restoring a run changes: the project's training settings and the graph's weights
    (node id -> arrays), computed without touching either so the UI can apply both as one
    undoable edit."""

    run: str
    settings: dict[str, Any]
    weights: dict[str, list[Any]]
    message: str


def restore_plan(run: LoadedRun, graph: Graph, which: str = "best") -> RestorePlan:
    """Load ``which`` weights of ``run`` into a model of ``graph`` and read them back per node.

    Raises ``TrainingError`` naming the run when the design no longer fits its weights.
    """
    from studio.compile.compiler import CompileError, compile_graph

    try:
        model = compile_graph(graph, with_weights=False)
    except CompileError as exc:
        raise TrainingError(f"The model cannot be built to take the weights: {exc}") from exc
    run.store.load_weights_into(model, run.id, which)  # type: ignore[arg-type]
    by_name = {n.name: n.id for n in graph.nodes}
    weights = {
        by_name[layer.name]: [w.copy() for w in layer.get_weights()]
        for layer in _all_layers(model)
        if layer.name in by_name and layer.weights
    }
    return RestorePlan(
        run.label,
        dict(run.record.settings),
        weights,
        f"Restored the settings and {which} weights of {run.label}",
    )


def _all_layers(model: Any) -> list[Any]:
    """Layers of the model and of nested sub-models (blocks compiled as their own model)."""
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out.extend(_all_layers(layer))
    return out


__all__ = ["RestorePlan", "restore_plan"]
