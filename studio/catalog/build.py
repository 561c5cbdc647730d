"""Turning a node into a Keras layer and calling it: shared by shape checks and the compiler,
so what the editor shows and what the compiled model does cannot disagree."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from studio.catalog import LayerSpec, get_spec, opaque_spec
from studio.common.errors import short_message

log = logging.getLogger(__name__)

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


# Keys of an opaque node's params that are the studio's, not part of the serialized layer.
OPAQUE_EXTRAS = ("call", "outputs", "weight_specs")


def serialized_form(node: Node) -> dict[str, Any]:
    """An opaque node's layer as Keras serializes it, with the node's name."""
    serialized = {k: v for k, v in node.params.items() if k not in OPAQUE_EXTRAS}
    config = dict(serialized.get("config") or {})
    config["name"] = node.name
    serialized["config"] = config
    return serialized


def is_standin(node: Node) -> bool:
    """Whether an opaque node records what a stand-in needs (shapes, weights) for its class."""
    return node.opaque and "weight_specs" in node.params


def build_layer(node: Node, *, safe_mode: bool = True):
    """A fresh, unbuilt Keras layer (or operation) for a node (not for inputs).

    An opaque node becomes the layer Keras deserializes from its config; where Keras cannot
    (a custom class not loaded in this session) and the node records its shapes and weights,
    it becomes an ``OpaqueStandIn`` that keeps both, without asking Keras to find the class.

    Every value passes ``studio.catalog.gate`` first and Keras deserializes inside its safe
    mode, so a parameter naming a function outside Keras is refused, never imported.
    """
    from studio.catalog.gate import (
        node_problems,
        object_problem,
        safe_deserialization,
        trusted_by_scope,
        value_problem,
    )

    safe_mode = safe_mode and not trusted_by_scope()
    trust = not safe_mode
    label = f"{node.type} '{node.name}'"
    if is_standin(node) and object_problem(serialized_form(node), trust) is not None:
        # A class this session does not know: its values are still gated, its class is
        # never looked up (Keras would import the module the file names).
        serialized = serialized_form(node)
        inner = value_problem(serialized.get("config"), trust=trust)
        if inner:
            raise LayerBuildError(f"{label}: {inner}")
        try:
            return _standin(node, serialized)
        except Exception as exc:  # noqa: BLE001 - a damaged record is the file's problem
            log.debug("build_layer: handled exception", exc_info=True)
            raise LayerBuildError(f"{label}: {short_message(exc)}") from exc
    problems = node_problems(node, trust=trust)
    if problems:
        raise LayerBuildError(problems[0])
    try:
        if node.opaque:
            return _opaque_layer(node, safe_mode)
        from studio.catalog.operations import build_operation, is_operation

        if is_operation(node.type):
            return build_operation(node.type, node.params, node.name)
        spec = get_spec(node.type)
        assert spec is not None
        config = layer_config(node)
        with safe_deserialization() if safe_mode else contextlib.nullcontext():
            try:
                return spec.keras_class().from_config(config)
            except TypeError as exc:
                if "trainable" not in str(exc):
                    raise
            # A layer whose constructor takes no ``trainable`` (SpatialDropout1D): set it after.
            layer = spec.keras_class().from_config(
                {k: v for k, v in config.items() if k != "trainable"}
            )
        layer.trainable = node.trainable
        return layer
    except LayerBuildError:
        raise
    except Exception as exc:  # Keras raises many kinds; all mean "these params are refused"
        log.debug("build_layer: handled exception", exc_info=True)
        raise LayerBuildError(f"{node.type} '{node.name}': {short_message(exc)}") from exc


def _opaque_layer(node: Node, safe_mode: bool) -> Any:
    import keras

    serialized = serialized_form(node)
    try:
        layer = keras.saving.deserialize_keras_object(serialized, safe_mode=safe_mode)
    except TypeError as exc:
        if is_standin(node) and _unknown_class(exc):
            return _standin(node, serialized)
        if "keyword argument 'name'" in str(exc) or "argument: 'name'" in str(exc):
            # A registered layer whose __init__ takes no ``name``: build it without one.
            config = {k: v for k, v in serialized["config"].items() if k != "name"}
            layer = keras.saving.deserialize_keras_object(
                {**serialized, "config": config}, safe_mode=safe_mode
            )
            layer.name = node.name  # a plain attribute: the model and summary use the node's
        else:
            raise
    except ValueError as exc:
        if not (is_standin(node) and _unknown_class(exc)):
            raise
        return _standin(node, serialized)
    layer.trainable = node.trainable
    return layer


def _unknown_class(exc: BaseException) -> bool:
    text = str(exc)
    return any(
        marker in text
        for marker in ("Could not locate", "could not be deserialized", "Unknown layer")
    )


def _standin(node: Node, serialized: dict[str, Any]) -> Any:
    from studio.catalog.standin import make_standin

    original = dict(serialized)
    original["config"] = {**serialized["config"], "name": node.name}
    return make_standin(
        original,
        node.params.get("outputs"),
        node.params.get("weight_specs") or [],
        node.name,
        node.trainable,
    )


def call_template(node: Node) -> Any:
    """The recorded call of an op node or an opaque node (``{"args", "kwargs"}``), if any."""
    template = node.params.get("call")
    if isinstance(template, dict) and "args" in template:
        return template
    return None


def call_layer(layer: Any, spec: LayerSpec, inputs: list[Any], template: Any = None) -> list[Any]:
    """Call a layer the way its spec (or the node's recorded call) says and return its outputs
    as a flat list."""
    if template is not None or spec.call == "op":
        from studio.catalog.operations import ONE_TENSOR_CALL, substitute

        call = substitute(template or ONE_TENSOR_CALL, list(inputs))
        result = layer(*call.get("args", []), **call.get("kwargs", {}))
    elif spec.call == "list":
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


def unknown_class_names(text: str) -> list[str]:
    """The custom class names a Keras loading error mentions, anywhere in its (long) text."""
    import re

    names = re.findall(r"(?:Could not locate (?:class|function) |Unknown layer: )'([^']+)'", text)
    return list(dict.fromkeys(names))
