"""Image sets drawn with numpy alone, so image templates train without a download.

Every generator is seeded and vectorised over the batch: 2,000 images take a fraction of a
second. Each returns ``(x, y, class_names)`` with ``x`` float32 in 0..1 and ``y`` int64.
"""

from __future__ import annotations

import numpy as np

SHAPE_NAMES = ["circle", "square", "triangle", "cross"]
DIGIT_NAMES = [str(d) for d in range(10)]
PATTERN_NAMES = [
    "circle", "square", "triangle", "cross", "ring",
    "horizontal_stripes", "vertical_stripes", "diagonal_stripes", "checkerboard", "dots",
]  # fmt: skip

# A 5x7 bitmap font for 0-9: each string is one row, '#' is ink.
_FONT_5X7 = {
    0: [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
    1: ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    2: [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
    3: ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
    4: ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
    5: ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
    6: ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
    7: ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
    8: [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
    9: [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
}


def _glyph(digit: int, scale: int) -> np.ndarray:
    bitmap = np.array([[c == "#" for c in row] for row in _FONT_5X7[digit]], dtype=np.float32)
    return np.kron(bitmap, np.ones((scale, scale), dtype=np.float32))


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates shaped (1, size, size) to broadcast against a batch."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    return xs[None], ys[None]


def _shape_masks(
    kinds: np.ndarray, size: int, cx: np.ndarray, cy: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Boolean masks (n, size, size) of filled shapes, ``kinds`` indexing ``PATTERN_NAMES``."""
    xs, ys = _grid(size)
    dx = xs - cx[:, None, None]
    dy = ys - cy[:, None, None]
    rr = r[:, None, None]
    dist = np.sqrt(dx**2 + dy**2)
    bar = np.maximum(rr / 4, 1.0)
    masks = np.stack(
        [
            dist <= rr,
            np.maximum(np.abs(dx), np.abs(dy)) <= rr * 0.85,
            (dy <= rr * 0.8) & (dy >= -rr) & (np.abs(dx) <= (dy + rr) * 0.55),
            ((np.abs(dx) <= bar) & (np.abs(dy) <= rr)) | ((np.abs(dy) <= bar) & (np.abs(dx) <= rr)),
            (dist <= rr) & (dist >= rr * 0.55),
        ]
    )
    return masks[kinds, np.arange(len(kinds))]


def make_shapes(n: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Grayscale circles, squares, triangles and crosses at random places and sizes, with noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(SHAPE_NAMES), n)
    r = rng.uniform(size * 0.18, size * 0.34, n).astype(np.float32)
    cx = rng.uniform(r, size - r).astype(np.float32)
    cy = rng.uniform(r, size - r).astype(np.float32)
    ink = rng.uniform(0.6, 1.0, (n, 1, 1)).astype(np.float32)
    x = _shape_masks(y, size, cx, cy, r) * ink
    x = x + rng.normal(0.0, 0.08, x.shape).astype(np.float32)
    return np.clip(x, 0.0, 1.0)[..., None].astype(np.float32), y.astype(np.int64), SHAPE_NAMES


def make_digits(n: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Digits 0-9 from a 5x7 bitmap font at two scales, shifted, thinned and noised like MNIST."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    scales = rng.integers(2, 4, n)
    glyphs = {(d, s): _glyph(d, s) for d in range(10) for s in (2, 3)}
    x = np.zeros((n, size, size), dtype=np.float32)
    for i in range(n):
        g = glyphs[int(y[i]), int(scales[i])]
        h, w = g.shape
        top = rng.integers(0, size - h + 1)
        left = rng.integers(0, size - w + 1)
        x[i, top : top + h, left : left + w] = g
    x *= rng.uniform(0.7, 1.0, (n, 1, 1)).astype(np.float32)
    x *= rng.random(x.shape, dtype=np.float32) > 0.08  # broken strokes
    x += rng.normal(0.0, 0.1, x.shape).astype(np.float32)
    return np.clip(x, 0.0, 1.0)[..., None], y.astype(np.int64), DIGIT_NAMES


def _textures(kinds: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Masks for the texture classes (indices 5..9 of ``PATTERN_NAMES``) with random period."""
    xs, ys = _grid(size)
    n = len(kinds)
    period = rng.uniform(4.0, 8.0, (n, 1, 1)).astype(np.float32)
    phase = rng.uniform(0.0, 8.0, (n, 1, 1)).astype(np.float32)
    half = period / 2
    masks = np.stack(
        [
            ((ys + phase) % period) < half,
            ((xs + phase) % period) < half,
            ((xs + ys + phase) % period) < half,
            (((xs + phase) % period < half) ^ ((ys + phase) % period < half)),
            (((xs + phase) % period - half) ** 2 + ((ys + phase) % period - half) ** 2)
            < (period / 4) ** 2 + 1,
        ]
    )
    return masks[kinds - 5, np.arange(n)]


def make_patterns(
    n: int, seed: int = 0, size: int = 32
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """RGB shapes and textures in random colours on random backgrounds, CIFAR-10 sized.

    Colours are random per image so that the class is carried by form, not hue, and a model has
    to look at spatial structure.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(PATTERN_NAMES), n)
    mask = np.zeros((n, size, size), dtype=bool)
    is_shape = y < 5
    if is_shape.any():
        k = int(is_shape.sum())
        r = rng.uniform(size * 0.2, size * 0.4, k).astype(np.float32)
        cx = rng.uniform(r, size - r).astype(np.float32)
        cy = rng.uniform(r, size - r).astype(np.float32)
        mask[is_shape] = _shape_masks(y[is_shape], size, cx, cy, r)
    if (~is_shape).any():
        mask[~is_shape] = _textures(y[~is_shape], size, rng)
    fg = rng.uniform(0.0, 1.0, (n, 1, 1, 3)).astype(np.float32)
    bg = rng.uniform(0.0, 1.0, (n, 1, 1, 3)).astype(np.float32)
    # Keep foreground and background apart so that every pattern stays visible.
    too_close = np.abs(fg - bg).sum(axis=-1, keepdims=True) < 0.6
    fg = np.where(too_close, 1.0 - bg, fg)
    x = np.where(mask[..., None], fg, bg)
    x = x + rng.normal(0.0, 0.05, x.shape).astype(np.float32)
    return np.clip(x, 0.0, 1.0).astype(np.float32), y.astype(np.int64), PATTERN_NAMES
