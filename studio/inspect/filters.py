"""Learned kernels as a grid of small 2-D images, the classic "what did the filters learn" view.

Keras stores kernels channels-last with the filter axis last, except transposed convolutions
(``(..., filters, in_channels)``) and depthwise kernels (``(..., in_channels, multiplier)``);
``kernel_as_filters`` brings every layout to ``(*spatial, in_channels, filters)`` first so the
rest of the code has one shape to think about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import keras
import numpy as np

from studio.common.keras_compat import producing_layer

ChannelMode = Literal["mean", "per_channel"]
Normalise = Literal["filter", "layer", "none"]
DepthReduction = Literal["middle", "max"]


@dataclass(frozen=True)
class FilterGrid:
    """Images ``(n, h, w)`` to tile, one label each, and the layer's bias (or None).

    ``channel_mode`` says whether each image is one filter averaged over its input channels
    or one (filter, input channel) pair; ``depth_reduction`` says how 3-D kernels were made
    2-D (``None`` for 1-D/2-D kernels). ``note`` carries anything else the view should say,
    e.g. that the grid was truncated.
    """

    layer_name: str
    images: np.ndarray
    labels: list[str]
    bias: np.ndarray | None
    channel_mode: ChannelMode
    normalise: Normalise
    depth_reduction: DepthReduction | None = None
    note: str = ""

    @property
    def count(self) -> int:
        return int(self.images.shape[0])


def _weight(layer: keras.Layer, name: str) -> np.ndarray | None:
    var = getattr(layer, name, None)
    return None if var is None else keras.ops.convert_to_numpy(var)


def kernel_as_filters(layer: keras.Layer) -> tuple[np.ndarray, str]:
    """The layer's kernel as ``(*spatial, in_channels, filters)`` and a note on its origin.

    Separable convolutions are combined into the equivalent full kernel (depthwise times
    pointwise), which is what the layer effectively applies.
    """
    if not layer.built:
        raise ValueError(f"Layer {layer.name!r} is not built yet; it has no kernel to show.")
    if isinstance(layer, keras.layers.Dense):
        return _weight(layer, "kernel"), ""
    depthwise = _weight(layer, "depthwise_kernel")
    pointwise = _weight(layer, "pointwise_kernel")
    if depthwise is not None and pointwise is not None:
        *spatial, cin, mult = depthwise.shape
        pw = pointwise.reshape(cin, mult, pointwise.shape[-1])
        return np.einsum("...cm,cmo->...co", depthwise, pw), "separable: depthwise x pointwise"
    if isinstance(layer, (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)):
        depthwise = _weight(layer, "kernel")
        *spatial, cin, mult = depthwise.shape
        # Output channel c*mult+m sees only input channel c, so each filter has one channel.
        full = depthwise.reshape(*spatial, 1, cin * mult)
        return full, "depthwise: each filter sees one input channel"
    kernel = _weight(layer, "kernel")
    if kernel is None or kernel.ndim < 3:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) has no convolution or dense kernel."
        )
    if "Transpose" in type(layer).__name__:
        return np.swapaxes(kernel, -1, -2), "transposed convolution"
    return kernel, ""


def _dense_image_shape(layer: keras.Layer, n_in: int) -> tuple[int, int]:
    """(h, w) to show one Dense unit's weights: the Flatten-ed image if there is one.

    Otherwise a few inputs stay a ``1 x in`` strip (feature order reads left to right) and
    many are folded into a near-square block: a ResNet-50 classifier's 2,048 inputs as one
    strip per unit made a picture 65,000 pixels wide, every unit a line one pixel high."""
    try:
        producer = producing_layer(layer.input)
        if isinstance(producer, keras.layers.Flatten):
            shape = tuple(producer.input.shape[1:])
            if len(shape) >= 2 and math.prod(shape) == n_in:
                return int(shape[0]), int(math.prod(shape[1:]))
    except (AttributeError, ValueError, IndexError, TypeError):
        pass
    if n_in > STRIP_MAX:
        h = max(d for d in range(1, math.isqrt(n_in) + 1) if n_in % d == 0)
        if n_in // h <= FOLD_MAX_RATIO * h:
            return h, n_in // h
    return 1, n_in


STRIP_MAX = 64  # Dense inputs shown as one strip at most
FOLD_MAX_RATIO = 8  # a folded block at most this many times wider than high


def _normalise(images: np.ndarray, groups: np.ndarray, mode: Normalise) -> np.ndarray:
    """Scale to [0, 1] per group (one group per filter) or over the whole layer."""
    if mode == "none":
        return images.astype("float32")
    out = np.empty_like(images, dtype="float32")
    if mode == "layer":
        groups = np.zeros_like(groups)
    for g in np.unique(groups):
        sel = groups == g
        lo, hi = float(images[sel].min()), float(images[sel].max())
        out[sel] = (images[sel] - lo) / (hi - lo) if hi > lo else 0.5
    return out


def filter_grid(
    layer: keras.Layer,
    channel_mode: ChannelMode = "mean",
    normalise: Normalise = "filter",
    depth_reduction: DepthReduction = "middle",
    max_images: int = 1024,
    dense_shape: tuple[int, int] | None = None,
) -> FilterGrid:
    """Kernels of a Conv1D/2D/3D (incl. depthwise, separable, transpose) or Dense layer.

    1-D kernels become ``1 x k`` strips; 3-D kernels are reduced to 2-D by their middle depth
    slice or a max projection over depth. Dense units are shown as ``dense_shape`` images,
    by default the image a preceding Flatten flattened, else a ``1 x in`` strip.
    ``max_images`` keeps huge layers (say 256 x 256 channel pairs) from freezing the view.
    """
    kernel, note = kernel_as_filters(layer)
    used_depth: DepthReduction | None = None
    if isinstance(layer, keras.layers.Dense):
        h, w = dense_shape or _dense_image_shape(layer, kernel.shape[0])
        kernel = kernel.reshape(h, w, 1, kernel.shape[-1])
    elif kernel.ndim == 3:
        kernel = kernel[None]
    elif kernel.ndim == 5:
        used_depth = depth_reduction
        kernel = kernel[kernel.shape[0] // 2] if depth_reduction == "middle" else kernel.max(0)
    elif kernel.ndim != 4:
        raise ValueError(f"Layer {layer.name!r} has an unsupported kernel shape {kernel.shape}.")

    h, w, cin, cout = kernel.shape
    if channel_mode == "mean":
        images = np.moveaxis(kernel.mean(axis=2), -1, 0)
        groups = np.arange(cout)
        labels = [f"f{o}" for o in range(cout)]
    else:
        images = np.transpose(kernel, (3, 2, 0, 1)).reshape(cout * cin, h, w)
        groups = np.repeat(np.arange(cout), cin)
        labels = [f"f{o} c{c}" for o in range(cout) for c in range(cin)]
    images = _normalise(images, groups, normalise)

    if images.shape[0] > max_images:
        note = "; ".join(filter(None, [note, f"showing {max_images} of {images.shape[0]}"]))
        images, labels = images[:max_images], labels[:max_images]
    bias = _weight(layer, "bias") if getattr(layer, "use_bias", False) else None
    return FilterGrid(layer.name, images, labels, bias, channel_mode, normalise, used_depth, note)


def has_filters(layer: keras.Layer) -> bool:
    """Whether ``filter_grid`` can show this layer (a built conv or dense layer)."""
    if not getattr(layer, "built", False):
        return False
    if isinstance(layer, keras.layers.Dense):
        return True
    for name in ("kernel", "depthwise_kernel"):  # separable layers have no plain kernel
        kernel = getattr(layer, name, None)
        if kernel is not None and len(kernel.shape) >= 3:
            return True
    return False
