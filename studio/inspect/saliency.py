"""Where the model looks: Grad-CAM on a conv layer and plain input-gradient saliency.

Grad-CAM needs d(class score)/d(conv activations). Rather than cut the graph in two (which
breaks on skip connections), the model is replayed with a zero tensor added to the chosen
layer's output and differentiated with respect to that tensor: the same gradient, on every
backend, for any functional topology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import keras
import numpy as np

from studio.common.keras_compat import run_through_graph, takes_training_argument
from studio.inspect.activations import Sample, as_batch, as_functional, feed
from studio.inspect.gradients import grad_with_aux

CamMethod = Literal["gradcam", "hirescam"]


@dataclass(frozen=True)
class Heatmap:
    """A [0, 1] map over the input's spatial axes (``(H, W)``, or ``(T,)`` for sequences).

    ``class_index`` is the explained output unit and ``score`` its value for this sample;
    ``raw`` is the map at the layer's own resolution before resizing.
    """

    values: np.ndarray
    class_index: int
    score: float
    method: str
    layer_name: str | None = None
    raw: np.ndarray | None = None


def resize(values: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """Bilinear (or linear, for 1-D) resize with aligned corners, in plain numpy."""
    out = np.asarray(values, dtype="float32")
    for axis, n in enumerate(size):
        m = out.shape[axis]
        if m == n:
            continue
        pos = np.linspace(0.0, m - 1.0, n) if m > 1 else np.zeros(n)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, m - 1)
        frac = (pos - lo).astype("float32")
        shape = [1] * out.ndim
        shape[axis] = n
        frac = frac.reshape(shape)
        out = np.take(out, lo, axis=axis) * (1 - frac) + np.take(out, hi, axis=axis) * frac
    return out


def _unit_range(a: np.ndarray) -> np.ndarray:
    hi = float(a.max()) if a.size else 0.0
    return a / hi if hi > 0 else np.zeros_like(a)


def _score(preds, class_index: int):
    preds = preds[0] if isinstance(preds, (list, tuple)) else preds
    return keras.ops.reshape(preds, (keras.ops.shape(preds)[0], -1))[0, class_index]


def _pick_class(model: keras.Model, batches: list[np.ndarray], class_index: int | None) -> int:
    if class_index is not None:
        return int(class_index)
    preds = model(feed(model, batches), training=False)
    preds = preds[0] if isinstance(preds, (list, tuple)) else preds
    return int(np.argmax(keras.ops.convert_to_numpy(preds).reshape(1, -1)[0]))


def _replay(functional: keras.Model, batches: list, layer: keras.Layer, delta):
    """Run the graph with ``delta`` added to ``layer``'s output; returns (outputs, activation)."""
    captured = {}

    def operation_fn(op):
        def call(*args, **kwargs):
            if takes_training_argument(op):
                kwargs["training"] = False
            out = op(*args, **kwargs)
            if op is layer:
                out = out + delta
                captured["activation"] = out
            return out

        return call

    # Keras refuses to mix numpy arrays and backend tensors in one call.
    tensors = [keras.ops.convert_to_tensor(b) for b in batches]
    outputs = run_through_graph(functional, tensors, operation_fn)
    return outputs, captured["activation"]


def grad_cam(
    model: keras.Model,
    sample: Sample,
    layer_name: str,
    class_index: int | None = None,
    method: CamMethod = "gradcam",
) -> Heatmap:
    """Grad-CAM heatmap of ``layer_name`` for ``class_index`` (default: the predicted class).

    ``"gradcam"`` weights each channel by its mean gradient (Selvaraju et al.); ``"hirescam"``
    multiplies gradients and activations element-wise, which stays faithful when the score
    depends on only part of a channel. The map is resized to the first input's spatial size.
    """
    functional = as_functional(model)
    layer = functional.get_layer(layer_name)
    out_shape = tuple(layer.output.shape[1:])
    if len(out_shape) not in (2, 3):
        raise ValueError(
            f"Grad-CAM needs a layer with (H, W, C) or (T, C) output; {layer_name!r} "
            f"outputs {out_shape}."
        )
    batches = as_batch(model, sample)
    cls = _pick_class(functional, batches, class_index)
    zeros = np.zeros((1, *out_shape), dtype="float32")

    def fn(delta):
        outputs, activation = _replay(functional, batches, layer, delta)
        score = _score(outputs, cls)
        return score, (score, activation)

    grads, (score, acts) = grad_with_aux(fn, zeros)
    grads, acts = grads[0], acts[0]
    spatial_axes = tuple(range(grads.ndim - 1))
    if method == "hirescam":
        cam = (grads * acts).sum(-1)
    else:
        cam = (grads.mean(axis=spatial_axes) * acts).sum(-1)
    cam = _unit_range(np.maximum(cam, 0.0))
    size = batches[0].shape[1 : 1 + cam.ndim]
    return Heatmap(resize(cam, size), cls, float(score), method, layer_name, raw=cam)


def gradient_saliency(
    model: keras.Model, sample: Sample, class_index: int | None = None
) -> Heatmap:
    """|d score / d input|, max over channels: which input pixels move the score most.

    Only the first input is explained for multi-input models.
    """
    functional = as_functional(model)
    batches = as_batch(model, sample)
    cls = _pick_class(functional, batches, class_index)

    def fn(x):
        rest = [keras.ops.convert_to_tensor(b) for b in batches[1:]]
        outputs = functional(feed(functional, [x, *rest]), training=False)
        score = _score(outputs, cls)
        return score, score

    grads, score = grad_with_aux(fn, batches[0])
    sal = np.abs(grads[0])
    if sal.ndim >= 2:
        sal = sal.max(axis=-1)
    return Heatmap(_unit_range(sal), cls, float(score), "saliency", None, raw=sal)


def colormap(v: np.ndarray) -> np.ndarray:
    """A jet-like map from [0, 1] to RGB floats: blue (cold) through green to red (hot)."""
    v = np.clip(v, 0.0, 1.0)[..., None]
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return np.concatenate([r, g, b], axis=-1)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Any (H, W), (H, W, 1) or (H, W, 3+) image as float RGB in [0, 1], contrast-stretched."""
    img = np.asarray(image, dtype="float32")
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=-1)
    img = img[..., :3]
    lo, hi = float(img.min()), float(img.max())
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


def overlay(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """The heatmap blended over the image as uint8 RGB ``(H, W, 3)``; the map is resized."""
    rgb = to_rgb(image)
    heat = resize(np.asarray(heatmap, dtype="float32"), rgb.shape[:2])
    blended = (1 - alpha) * rgb + alpha * colormap(heat)
    return (np.clip(blended, 0, 1) * 255).astype(np.uint8)
