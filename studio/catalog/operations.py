"""Keras operations (``keras.ops``) as first-class nodes: the "Operation" category.

A Functional model may apply an operation directly to a tensor (``keras.ops.silu(x)``,
``x + 3.0``, ``keras.ops.tile(x, (1, 2))``); Keras saves each such call as an *operation node*:
the op's class (``Silu``, ``Add``, ``Tile``) from one of its op modules, its constructor config
and the call's arguments, tensors and Python constants mixed. The catalogue offers **one entry
per op family** (the Keras module the op lives in: ``nn``, ``numpy``, ``math``, ``image``,
``linalg``, ``core``); a node of that entry names its op and holds three parameters:

- ``op``: the operation's class name in that family (``"Silu"``);
- ``config``: its constructor arguments, exactly its ``get_config()`` without the name;
- ``call``: the call's arguments as ``{"args": [...], "kwargs": {...}}``, where
  ``{"__tensor__": k}`` stands for the node's input port ``k`` and everything else is a constant
  (so ``x + 3.0`` is ``{"args": [{"__tensor__": 0}, 3.0], "kwargs": {}}``).

Only classes defined in those Keras modules that are ``Operation`` subclasses (not layers) are
accepted, so an op node can never name arbitrary code.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from studio.catalog.spec import LayerSpec, ParamSpec

CATEGORY = "Operation"
TENSOR = "__tensor__"
# Entry type name → (Keras module, starting op: one tensor in, no constructor arguments).
FAMILIES: dict[str, tuple[str, str]] = {
    "NnOperation": ("keras.src.ops.nn", "Relu"),
    "NumpyOperation": ("keras.src.ops.numpy", "Abs"),
    "MathOperation": ("keras.src.ops.math", "Rsqrt"),
    "ImageOperation": ("keras.src.ops.image", "RGBToGrayscale"),
    "LinalgOperation": ("keras.src.ops.linalg", "Norm"),
    "CoreOperation": ("keras.src.ops.core", "StopGradient"),
}
_HELP = {
    "NnOperation": "A neural-network op from keras.ops (silu, softmax, one_hot, ...).",
    "NumpyOperation": "A NumPy-style op from keras.ops (add, tile, mean, reshape, ...).",
    "MathOperation": "A math op from keras.ops (rsqrt, top_k, logsumexp, ...).",
    "ImageOperation": "An image op from keras.ops.image (resize, rgb_to_grayscale, ...).",
    "LinalgOperation": "A linear-algebra op from keras.ops.linalg (norm, inv, solve, ...).",
    "CoreOperation": "A core op from keras.ops (cast, stop_gradient, slice, ...).",
}
ONE_TENSOR_CALL: dict[str, Any] = {"args": [{TENSOR: 0}], "kwargs": {}}


def is_operation(type_name: str) -> bool:
    return type_name in FAMILIES


@cache
def family_ops(type_name: str) -> dict[str, type]:
    """The operation classes of one family by class name."""
    import importlib

    from keras.src.layers import Layer
    from keras.src.ops.operation import Operation

    module_name = FAMILIES[type_name][0]
    module = importlib.import_module(module_name)
    return {
        name: cls
        for name, cls in vars(module).items()
        if inspect.isclass(cls)
        and issubclass(cls, Operation)
        and not issubclass(cls, Layer)
        and cls.__module__ == module_name
        and not name.startswith("_")
    }


def family_of_module(module: str) -> str | None:
    """The entry type name for a Keras op module as saved in a file (``keras.src.ops.nn``)."""
    for type_name, (name, _) in FAMILIES.items():
        if module == name:
            return type_name
    return None


def op_class(type_name: str, op: str) -> type | None:
    return family_ops(type_name).get(op) if is_operation(type_name) else None


@cache
def operation_specs() -> dict[str, LayerSpec]:
    """The "Operation" category: one spec per op family, in a stable order."""
    return {name: _family_spec(name) for name in FAMILIES}


def operation_spec(type_name: str) -> LayerSpec | None:
    return operation_specs().get(type_name) if is_operation(type_name) else None


def _family_spec(type_name: str) -> LayerSpec:
    ops = tuple(sorted(family_ops(type_name)))
    start = FAMILIES[type_name][1]
    params = (
        ParamSpec(
            "op",
            "choice",
            start,
            required=True,
            choices=ops,
            help="The operation, by its Keras class name.",
        ),
        ParamSpec(
            "config",
            "json",
            {},
            required=True,
            help="The operation's constructor arguments (its get_config(), without name).",
        ),
        ParamSpec(
            "call",
            "json",
            dict(ONE_TENSOR_CALL),
            required=True,
            help='The call\'s arguments; {"__tensor__": k} is input port k, the rest constants.',
        ),
    )
    return LayerSpec(
        type_name=type_name,
        category=CATEGORY,
        help=_HELP[type_name],
        params=params,
        call="op",
        min_inputs=1,
        max_inputs=None,
        key_params=("op",),
        extra={"operation": True, "module": FAMILIES[type_name][0]},
    )


def build_operation(type_name: str, params: dict[str, Any], name: str) -> Any:
    """A fresh operation object for an op node; refuses ops outside the family."""
    op = params.get("op")
    cls = op_class(type_name, str(op))
    if cls is None:
        raise ValueError(f"op {op!r} is not a Keras operation of {FAMILIES[type_name][0]}")
    config = dict(params.get("config") or {})
    config["name"] = name
    return cls.from_config(config)


def substitute(template: Any, inputs: list[Any]) -> Any:
    """The call template with each ``{"__tensor__": k}`` replaced by ``inputs[k]``."""
    if isinstance(template, dict):
        if set(template) == {TENSOR}:
            return inputs[int(template[TENSOR])]
        return {k: substitute(v, inputs) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, inputs) for v in template]
    return template


def template_slots(template: Any) -> list[int]:
    """Every input port a call template uses."""
    if isinstance(template, dict):
        if set(template) == {TENSOR}:
            return [int(template[TENSOR])]
        return [k for v in template.values() for k in template_slots(v)]
    if isinstance(template, list):
        return [k for v in template for k in template_slots(v)]
    return []
