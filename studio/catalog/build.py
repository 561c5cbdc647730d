"""Turning a node into a Keras layer and calling it: shared by shape checks and the compiler,
so what the editor shows and what the compiled model does cannot disagree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.catalog import LayerSpec, get_spec, opaque_spec
from studio.common.errors import short_message

if TYPE_CHECKING:  # the catalogue sits below the document; it only reads a node's fields
    from studio.graph import Node


class LayerBuildError(ValueError):
    """A node's parameters that Keras refuses; the message names the node."""


def spec_for(node: Node, n_inputs: int = 1) -> LayerSpec:
    spec = None if node.opaque else get_spec(node.type)
    return spec or opaque_spec(node.type, max(n_inputs, 1))


def layer_config(node: Node) -> dict[str, Any]:
    """The full ``get_config()``-style dict for a catalogue node: defaults, then the node's."""
    spec = get_spec(node.type)
    assert spec is not None
    config = {p.name: p.default for p in spec.params}
    config.update(node.params)
    for key, value in list(config.items()):
        p = spec.param(key)
        if p is not None and p.kind in ("ints", "shape") and isinstance(value, list):
            config[key] = tuple(value)
    config["name"] = node.name
    config["trainable"] = node.trainable
    return config


def build_layer(node: Node, *, safe_mode: bool = True):
    """A fresh, unbuilt Keras layer for a node (not for inputs).

    Every value passes ``studio.catalog.gate`` first and Keras deserializes inside its safe
    mode, so a parameter naming a function outside Keras is refused, never imported.
    """
    import keras

    from studio.catalog.gate import node_problems, safe_deserialization, trusted_by_scope

    safe_mode = safe_mode and not trusted_by_scope()
    problems = node_problems(node, trust=not safe_mode)
    if problems:
        raise LayerBuildError(problems[0])
    try:
        if node.opaque:
            serialized = dict(node.params)
            config = dict(serialized.get("config", {}))
            config["name"] = node.name
            serialized["config"] = config
            layer = keras.saving.deserialize_keras_object(serialized, safe_mode=safe_mode)
            layer.trainable = node.trainable
            return layer
        spec = get_spec(node.type)
        assert spec is not None
        if safe_mode:
            with safe_deserialization():
                return spec.keras_class().from_config(layer_config(node))
        return spec.keras_class().from_config(layer_config(node))
    except Exception as exc:  # Keras raises many kinds; all mean "these params are refused"
        raise LayerBuildError(f"{node.type} '{node.name}': {short_message(exc)}") from exc


def call_layer(layer: Any, spec: LayerSpec, inputs: list[Any]) -> list[Any]:
    """Call a layer the way its spec says and return its outputs as a flat list."""
    if spec.call == "list":
        result = layer(list(inputs)) if len(inputs) > 1 else layer(inputs[0])
    elif spec.call == "args":
        result = layer(*inputs)
    elif spec.call == "rnn":
        states = list(inputs[1:])
        result = layer(inputs[0], initial_state=states) if states else layer(inputs[0])
    else:
        result = layer(inputs[0] if len(inputs) == 1 else list(inputs))
    if isinstance(result, (list, tuple)):
        return list(result)
    if isinstance(result, dict):
        return list(result.values())
    return [result]
