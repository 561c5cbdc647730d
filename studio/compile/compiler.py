"""Graph → ``keras.Model`` through the Functional API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.catalog.build import build_layer, call_layer, call_template, spec_for
from studio.checks import Analyzer
from studio.compile.nesting import nest_groups
from studio.graph import Graph


class CompileError(ValueError):
    """The graph has errors; ``issues`` lists them."""

    def __init__(self, issues: list[Any]) -> None:
        self.issues = issues
        first = issues[0].message if issues else "the graph is not valid"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(first + more)


def compile_graph(
    graph: Graph,
    *,
    analyzer: Analyzer | None = None,
    with_weights: bool = True,
    safe_mode: bool = True,
    between: Callable[[], None] | None = None,
):
    """Build the Keras model a valid graph describes.

    Weights kept on the graph (from an import or a training run) are loaded into layers whose
    shapes still match; layers whose parameters changed since start fresh. ``between`` is
    called before each layer: a caller on a worker thread can pause there (the app does
    while its UI thread draws).
    """
    import keras

    analysis = (analyzer or Analyzer(graph)).analysis()
    if not analysis.ok:
        raise CompileError(analysis.errors)
    nested = nest_groups(graph, analysis, compile_graph, safe_mode=safe_mode)
    if nested is not graph:  # blocks marked "nested" become one sub-model node each
        return compile_graph(
            nested, with_weights=with_weights, safe_mode=safe_mode, between=between
        )
    tensors: dict[tuple[str, int], Any] = {}
    layers: dict[str, Any] = {}
    for nid in graph.topological_order():
        if between is not None:
            between()
        node = graph.node(nid)
        if node.type == "Input" and not node.opaque:
            shape = tuple(node.params["shape"])
            tensors[(nid, 0)] = keras.Input(
                shape=shape,
                name=node.name,
                dtype=node.params.get("dtype", "float32"),
                sparse=bool(node.params.get("sparse", False)),
            )
            continue
        edges = graph.in_edges(nid)
        owner = node.shares if node.shares in graph else nid
        if owner not in layers:  # a shared layer is built once, at its first call
            layers[owner] = build_layer(graph.node(owner), safe_mode=safe_mode)
        layer = layers[owner]
        outputs = call_layer(
            layer,
            spec_for(node, len(edges)),
            [tensors[(e.src, e.src_port)] for e in edges],
            call_template(node),
        )
        for port, out in enumerate(outputs):
            tensors[(nid, port)] = out
    inputs = [tensors[(n.id, 0)] for n in graph.input_nodes()]
    outputs = [tensors[p] for p in graph.output_ports()]
    try:
        model = keras.Model(
            inputs=inputs if len(inputs) > 1 else inputs[0],
            outputs=outputs if len(outputs) > 1 else outputs[0],
            name=graph.name,
        )
    except ValueError as exc:  # e.g. a model name Keras refuses ('/' in it)
        from studio.checks import Issue
        from studio.common.errors import short_message

        raise CompileError([Issue(f"Keras refuses the model: {short_message(exc)}")]) from exc
    if with_weights:
        load_graph_weights(graph, layers, between=between)
    return model


def load_graph_weights(
    graph: Graph, layers: dict[str, Any], *, between: Callable[[], None] | None = None
) -> list[str]:
    """Copy the graph's stored weights into built layers; returns the nodes that matched.

    Shapes are compared on the variables themselves: reading them out first
    (``get_weights``) copied every array of the model, 100 MB for ResNet-50, only to look
    at their shapes. ``between`` is called before each layer, as while building them."""
    loaded = []
    for nid, layer in layers.items():
        values = graph.weights.get(nid)
        if not values or not hasattr(layer, "set_weights"):
            continue
        if between is not None:
            between()
        current = layer.weights
        if len(current) == len(values) and all(
            tuple(a.shape) == tuple(np.shape(b)) for a, b in zip(current, values)
        ):
            layer.set_weights(values)
            loaded.append(nid)
    return loaded


@dataclass(frozen=True)
class Design:
    """The design a model was compiled from, kept on the model while its weights are still
    the ones it was compiled with. Another process builds the same model from it (a
    snapshot graph pickles in milliseconds) where serialising the Keras model is seconds of
    interpreter time for 771 layers, and creating its variables there costs the app nothing.
    """

    graph: Graph
    with_weights: bool


_DESIGN = "_studio_design"


def remember_design(model: Any, graph: Graph, *, with_weights: bool) -> None:
    """Mark ``model`` as ``compile_graph(graph, with_weights=...)``; ``graph`` must not change
    afterwards (a snapshot)."""
    setattr(model, _DESIGN, Design(graph, with_weights))


def design_of(model: Any) -> Design | None:
    """The design ``model`` was compiled from, or None (built otherwise, or its weights have
    changed since)."""
    return getattr(model, _DESIGN, None)


def forget_design(model: Any) -> None:
    """Called before a model's weights change in place: the design no longer describes it."""
    if getattr(model, _DESIGN, None) is not None:
        setattr(model, _DESIGN, None)


def store_model_weights(graph: Graph, model) -> None:
    """Keep a (trained) model's weights on the graph, matched by layer name; layers of nested
    sub-models (blocks compiled as their own model) are matched inside them too."""
    graph.weights.update(model_weights_for(graph, model))


def model_weights_for(graph: Graph, model) -> dict[str, list[np.ndarray]]:
    """The model's weights by node id, as ``store_model_weights`` would keep them; reads
    the graph's names only, so a worker can do it while the graph stays as it is."""
    by_name = {n.name: n.id for n in graph.nodes}
    out: dict[str, list[np.ndarray]] = {}
    for layer in _flat_layers(model):
        nid = by_name.get(layer.name)
        if nid is not None and layer.weights:
            out[nid] = [w.copy() for w in layer.get_weights()]
    return out


def _flat_layers(model) -> list[Any]:
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers") and layer.__class__.__name__ in ("Functional", "Sequential"):
            out.extend(_flat_layers(layer))
    return out
