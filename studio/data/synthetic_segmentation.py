"""Images with per-pixel class masks drawn with numpy, so segmentation templates train offline.

The generator is seeded and returns ``(x, y, class_names)``: ``x`` float32 RGB in 0..1 shaped
``(n, size, size, 3)`` and ``y`` int64 shaped ``(n, size, size)``, one class id per pixel, the
form a U-Net's per-pixel softmax (or logits) trains against with sparse cross-entropy.
"""

from __future__ import annotations

import numpy as np

from studio.data.synthetic_images import shape_masks

SEGMENT_NAMES = ["background", "circle", "square"]
MAX_SHAPES = 3


def make_segmentation_shapes(
    n: int, seed: int = 0, size: int = 128
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One to three circles and squares per image, each in its own colour, on a noisy backdrop.

    Later shapes are drawn over earlier ones and the mask follows what is visible, so overlaps
    are labelled the way a person would paint them. Colours are random per shape: the class is
    carried by form, so a model has to learn outlines rather than hues.
    """
    rng = np.random.default_rng(seed)
    y = np.zeros((n, size, size), dtype=np.int64)
    backdrop = rng.uniform(0.0, 1.0, (n, 1, 1, 3)).astype(np.float32)
    x = np.broadcast_to(backdrop, (n, size, size, 3)).copy()
    count = rng.integers(1, MAX_SHAPES + 1, n)
    for layer in range(MAX_SHAPES):
        drawn = np.flatnonzero(count > layer)
        kinds = rng.integers(0, 2, len(drawn))  # 0 circle, 1 square in shape_masks
        r = rng.uniform(size * 0.1, size * 0.25, len(drawn)).astype(np.float32)
        cx = rng.uniform(r, size - r).astype(np.float32)
        cy = rng.uniform(r, size - r).astype(np.float32)
        masks = shape_masks(kinds, size, cx, cy, r)
        colour = rng.uniform(0.0, 1.0, (len(drawn), 1, 1, 3)).astype(np.float32)
        # A shape the colour of its backdrop would be invisible yet labelled: push it away.
        too_close = np.abs(colour - backdrop[drawn]).sum(axis=-1, keepdims=True) < 0.6
        colour = np.where(too_close, 1.0 - backdrop[drawn], colour)
        x[drawn] = np.where(masks[..., None], colour, x[drawn])
        y[drawn] = np.where(masks, kinds[:, None, None] + 1, y[drawn])
    x += rng.normal(0.0, 0.05, x.shape).astype(np.float32)
    return np.clip(x, 0.0, 1.0), y, SEGMENT_NAMES
