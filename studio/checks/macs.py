"""Multiply-accumulate estimates per layer kind, for one sample (batch size 1).

The formulas, with ``prod(s)`` the product of a shape's non-batch dimensions:

- dense: ``prod(input[:-1]) · in_features · units`` (Dense acts on the last axis).
- conv: ``prod(out_spatial) · prod(kernel) · (c_in / groups) · filters``.
- conv_transpose: ``prod(in_spatial) · prod(kernel) · c_in · filters``.
- depthwise: ``prod(out_spatial) · prod(kernel) · c_in · depth_multiplier``.
- separable: depthwise part + ``prod(out_spatial) · c_in · depth_multiplier · filters``.
- recurrent: ``steps · gates · (in_features · units + units² )`` with gates 1 (SimpleRNN),
  3 (GRU), 4 (LSTM); doubled for Bidirectional; a TimeDistributed layer counts its inner
  layer once per step.
- conv_recurrent (ConvLSTM): ``steps · 4 · prod(out_spatial) · prod(kernel) · (c_in + filters)
  · filters``.
- attention (MultiHeadAttention): Q, K, V and output projections plus ``QKᵀ`` and the weighted
  sum: ``Tq·d·H·k + Tv·dv·H·k + Tv·dv·H·v + Tq·Tv·H·k + Tq·Tv·H·v + Tq·H·v·d_out``;
  (Additive)Attention: ``2 · Tq · Tv · dim``.
- every other layer: 0 (element-wise work is not counted as MACs).
"""

from __future__ import annotations

from math import prod
from typing import Any

Shape = tuple[int | None, ...]


def _known(shape: Shape) -> tuple[int, ...]:
    return tuple(1 if d is None else int(d) for d in shape[1:])


def _kernel(config: dict[str, Any], rank: int) -> tuple[int, ...]:
    k = config.get("kernel_size", 1)
    return tuple(k) if isinstance(k, (list, tuple)) else (int(k),) * rank


def estimate_macs(
    kind: str, config: dict[str, Any], inputs: list[Shape], outputs: list[Shape]
) -> int:
    if not kind or not inputs or not outputs:
        return 0
    x, y = _known(inputs[0]), _known(outputs[0])
    try:
        return int(_ESTIMATORS[kind](config, x, y, inputs))
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return 0


def _dense(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    return prod(x) * y[-1]


def _conv(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    rank = len(y) - 1
    groups = int(config.get("groups", 1) or 1)
    return prod(y[:-1]) * prod(_kernel(config, rank)) * (x[-1] // groups) * y[-1]


def _conv_t(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    rank = len(x) - 1
    return prod(x[:-1]) * prod(_kernel(config, rank)) * x[-1] * y[-1]


def _depthwise(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    rank = len(y) - 1
    return (
        prod(y[:-1]) * prod(_kernel(config, rank)) * x[-1] * int(config.get("depth_multiplier", 1))
    )


def _separable(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    mult = int(config.get("depth_multiplier", 1))
    return _depthwise(config, x, y, _) + prod(y[:-1]) * x[-1] * mult * y[-1]


_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def _recurrent_cell(class_name: str, config: dict[str, Any], steps: int, features: int) -> int:
    if class_name == "Bidirectional":
        inner = config["layer"]
        return 2 * _recurrent_cell(inner["class_name"], inner["config"], steps, features)
    units = int(config["units"])
    return steps * _GATES[class_name] * (features * units + units * units)


def _recurrent(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    class_name = config.get("__class__", "LSTM")
    if class_name == "TimeDistributed":
        inner = config["layer"]
        if inner["class_name"] == "Dense":
            return prod(x[:-1]) * x[-1] * int(inner["config"]["units"])
        return 0
    return _recurrent_cell(class_name, config, x[0], x[-1])


def _conv_recurrent(config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], _: Any) -> int:
    steps, c_in = x[0], x[-1]
    filters = y[-1]
    spatial = y[1:-1] if config.get("return_sequences") else y[:-1]
    rank = len(spatial)
    return steps * 4 * prod(spatial) * prod(_kernel(config, rank)) * (c_in + filters) * filters


def _attention(
    config: dict[str, Any], x: tuple[int, ...], y: tuple[int, ...], inputs: list[Shape]
) -> int:
    q = _known(inputs[0])
    v = _known(inputs[1]) if len(inputs) > 1 else q
    tq, tv = prod(q[:-1]), prod(v[:-1])
    if "num_heads" in config or "num_query_heads" in config:
        heads = int(config.get("num_heads") or config.get("num_query_heads"))
        k = int(config.get("key_dim") or config.get("head_dim"))
        vd = int(config.get("value_dim") or k)
        d_out = y[-1]
        return (
            tq * q[-1] * heads * k
            + tv * v[-1] * heads * k
            + tv * v[-1] * heads * vd
            + tq * tv * heads * k
            + tq * tv * heads * vd
            + tq * heads * vd * d_out
        )
    return 2 * tq * tv * q[-1]


_ESTIMATORS = {
    "dense": _dense,
    "conv": _conv,
    "conv_transpose": _conv_t,
    "depthwise": _depthwise,
    "separable": _separable,
    "recurrent": _recurrent,
    "conv_recurrent": _conv_recurrent,
    "attention": _attention,
}
