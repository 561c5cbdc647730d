"""Gradients for the active Keras backend, the only backend-specific code in ``studio.inspect``.

Keras 3 has no backend-neutral ``gradient`` op, so saliency and Grad-CAM go through this one
helper. Only the active backend's framework is imported, so a JAX or PyTorch install never
needs TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

ScalarFn = Callable[[Any], tuple[Any, Any]]


def grad_with_aux(fn: ScalarFn, x: np.ndarray) -> tuple[np.ndarray, Any]:
    """Return ``(d fn(x)[0] / dx, fn(x)[1])`` as numpy, for the active backend.

    ``fn`` takes a backend tensor and returns ``(scalar, aux)``; ``aux`` is converted to numpy
    (nested lists/tuples allowed) so callers can reuse the forward pass, e.g. Grad-CAM's
    activations, without running the model twice.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _grad_tensorflow(fn, x)
    if backend == "jax":
        return _grad_jax(fn, x)
    if backend == "torch":
        return _grad_torch(fn, x)
    raise NotImplementedError(
        f"Gradients are not available for KERAS_BACKEND={backend!r}; "
        "expected 'tensorflow', 'jax' or 'torch'."
    )


def _to_numpy(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return keras.ops.convert_to_numpy(value)


def _grad_tensorflow(fn: ScalarFn, x: np.ndarray) -> tuple[np.ndarray, Any]:
    import tensorflow as tf

    xt = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        value, aux = fn(xt)
    grad = tape.gradient(value, xt)
    if grad is None:  # the output does not depend on x at all
        grad = tf.zeros_like(xt)
    return grad.numpy(), _to_numpy(aux)


def _grad_jax(fn: ScalarFn, x: np.ndarray) -> tuple[np.ndarray, Any]:
    import jax
    import jax.numpy as jnp

    grad, aux = jax.grad(fn, has_aux=True)(jnp.asarray(x))
    return np.asarray(grad), _to_numpy(aux)


def _grad_torch(fn: ScalarFn, x: np.ndarray) -> tuple[np.ndarray, Any]:
    import torch

    xt = keras.ops.convert_to_tensor(x)
    xt = xt.detach().clone().requires_grad_(True)
    value, aux = fn(xt)
    (grad,) = torch.autograd.grad(value, xt, allow_unused=True)
    if grad is None:
        grad = torch.zeros_like(xt)
    aux = _detach(aux)
    return grad.detach().cpu().numpy(), _to_numpy(aux)


def _detach(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(_detach(v) for v in value)
    return value.detach() if hasattr(value, "detach") else value
