"""What the health probe measures, one function per figure: dead ReLU units, saturation,
per-layer gradient norms (for the active backend), and how a probe batch is fed.

Kept apart from ``studio.training.health`` (sampling and diagnosis) so each stays one job.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

log = logging.getLogger(__name__)

SATURATION_EDGE = 0.99


# ----- feeding the probe (training sits beside inspect, so it keeps its own few lines) ----
def functional(model: keras.Model) -> keras.Model:
    """The model as a functional graph whose layers' symbolic outputs can be reused."""
    if isinstance(model, keras.Sequential):
        return keras.Model(model.inputs, model.outputs, name=model.name)
    return model


def batches_of(x: Any) -> list[np.ndarray]:
    items = list(x.values()) if isinstance(x, dict) else x
    return [np.asarray(a) for a in items] if isinstance(items, (list, tuple)) else [np.asarray(x)]


def feed(batches: list[np.ndarray]) -> Any:
    return batches[0] if len(batches) == 1 else batches


# ----- measures -----------------------------------------------------------------------------
def activation_kind(layer: keras.Layer) -> str | None:
    name = type(layer).__name__
    if name == "ReLU":
        return "relu"
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    act_name = act if isinstance(act, str) else getattr(act, "__name__", "")
    act_name = str(act_name).lower()
    for kind in ("relu", "sigmoid", "tanh"):
        if act_name == kind or (kind == "relu" and act_name == "relu6"):
            return kind
    return None


def dead_share(output: np.ndarray) -> float:
    """Share of units (last axis) that are zero for every sample and position."""
    out = np.asarray(output)
    if out.ndim < 2:
        return 0.0
    alive = (out.reshape(-1, out.shape[-1]) > 0).any(axis=0)
    return float(1.0 - alive.mean())


def saturation(output: np.ndarray, kind: str) -> float:
    out = np.asarray(output, dtype="float64")
    if kind == "sigmoid":
        edge = (out < 1 - SATURATION_EDGE) | (out > SATURATION_EDGE)
    else:
        edge = np.abs(out) > SATURATION_EDGE
    return float(edge.mean()) if out.size else 0.0


def _loss_function(model: keras.Model) -> Callable[[Any, Any], Any] | None:
    loss = getattr(model, "loss", None)
    if loss is None or isinstance(loss, (list, tuple, dict)):
        return None
    try:
        return keras.losses.get(loss) if isinstance(loss, str) else loss
    except (ValueError, TypeError):
        log.debug("no loss function for health gradients", exc_info=True)
        return None


def _owners(model: keras.Model) -> dict[int, str]:
    """Trainable variable id -> name of the top-level layer (node) it belongs to."""
    owners: dict[int, str] = {}
    for layer in model.layers:
        for var in layer.trainable_weights:
            owners.setdefault(id(var), layer.name)
    return owners


def layer_gradient_norms(model: keras.Model, x: Any, y: Any) -> dict[str, float]:
    """L2 norm of d loss / d weights per layer, for the active backend."""
    loss_fn = _loss_function(model)
    variables = list(model.trainable_variables)
    if loss_fn is None or not variables:
        return {}
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = keras.ops.mean(loss_fn(y, model(x, training=False)))
        grads = tape.gradient(loss, variables)
        values = [None if g is None else keras.ops.convert_to_numpy(g) for g in grads]
    elif backend == "jax":
        import jax

        non_trainable = [v.value for v in model.non_trainable_variables]

        def objective(trainable: list[Any]) -> Any:
            pred, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return keras.ops.mean(loss_fn(y, pred))  # a loss function is per sample

        grads = jax.grad(objective)([v.value for v in variables])
        values = [np.asarray(g) for g in grads]
    elif backend == "torch":
        import torch

        loss = keras.ops.mean(loss_fn(keras.ops.convert_to_tensor(y), model(x, training=False)))
        grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True)
        values = [None if g is None else g.detach().cpu().numpy() for g in grads]
    else:
        return {}
    owners = _owners(model)
    squares: dict[str, float] = {}
    for var, grad in zip(variables, values):
        name = owners.get(id(var))
        if name is None:
            continue
        part = 0.0 if grad is None else float(np.sum(np.square(grad, dtype="float64")))
        squares[name] = squares.get(name, 0.0) + part
    return {name: math.sqrt(s) if math.isfinite(s) else math.nan for name, s in squares.items()}
