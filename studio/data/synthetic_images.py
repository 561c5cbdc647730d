"""Image sets drawn with numpy alone, so image templates train without a download.

Every generator is seeded and vectorised over the batch: 2,000 images take a fraction of a
second. Each returns ``(x, y, class_names)`` with ``x`` float32 in 0..1 and ``y`` int64.
"""

from __future__ import annotations

import numpy as np

SHAPE_NAMES = ["circle", "square", "triangle", "cross"]
DIGIT_NAMES = [str(d) for d in range(10)]
IMAGENET_CLASSES = 1000
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


def _glyph_segments(digit: int) -> np.ndarray:
    """The font's strokes as line segments ``(x0, y0, x1, y1)`` in cell units about the centre.

    Neighbouring ink cells are joined by a segment, so rendering the distance to the nearest
    segment draws connected pen strokes at any thickness, slant or size instead of blocky
    pixels. Diagonal joins are added only where no horizontal/vertical path links the two cells.
    """
    cells = {
        (r, c) for r, row in enumerate(_FONT_5X7[digit]) for c, ch in enumerate(row) if ch == "#"
    }
    segments = []
    for r, c in sorted(cells):
        for dr, dc in ((0, 1), (1, 0)):
            if (r + dr, c + dc) in cells:
                segments.append((c, r, c + dc, r + dr))
        for dc in (1, -1):
            joined = (r, c + dc) in cells or (r + 1, c) in cells
            if (r + 1, c + dc) in cells and not joined:
                segments.append((c, r, c + dc, r + 1))
    return np.array(segments, dtype=np.float32) - np.array([2, 3, 2, 3], dtype=np.float32)


_GLYPH_SEGMENTS = {d: _glyph_segments(d) for d in range(10)}


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates shaped (1, size, size) to broadcast against a batch."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    return xs[None], ys[None]


CHUNK = 512  # samples drawn per numpy pass


def shape_masks(
    kinds: np.ndarray, size: int, cx: np.ndarray, cy: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Boolean masks (n, size, size) of filled shapes, ``kinds`` indexing ``PATTERN_NAMES``.

    Drawn ``CHUNK`` samples a pass, the same pixels: one numpy pass over thousands of
    samples kept the interpreter lock (and the app's window waiting) for tens of
    milliseconds while a dataset loaded on a worker."""
    parts = [
        _shape_masks_pass(
            kinds[i : i + CHUNK], size, cx[i : i + CHUNK], cy[i : i + CHUNK], r[i : i + CHUNK]
        )
        for i in range(0, max(len(kinds), 1), CHUNK)
    ]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _shape_masks_pass(
    kinds: np.ndarray, size: int, cx: np.ndarray, cy: np.ndarray, r: np.ndarray
) -> np.ndarray:
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
    x = shape_masks(y, size, cx, cy, r) * ink
    x = x + rng.normal(0.0, 0.08, x.shape).astype(np.float32)
    return np.clip(x, 0.0, 1.0)[..., None].astype(np.float32), y.astype(np.int64), SHAPE_NAMES


def make_digits(n: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Pen-stroke digits 0-9 centred like MNIST, with varied size, slant, width and thickness.

    MNIST centres each digit in a 20-pixel box in the middle of the 28x28 image, so a linear
    model can line its weights up with the strokes; the digits here are centred too, moved by at
    most 2 px, and vary in ways handwriting does (stroke thickness, slant, narrow or wide).
    Background noise is mild: MNIST's background is clean.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    # Stroke centres span 6 cells: 12-16 px high, inside MNIST's 20-pixel box with the pen.
    cell = rng.uniform(2.0, 2.6, n).astype(np.float32) * size / 28
    width = rng.uniform(0.75, 1.1, n).astype(np.float32)
    slant = rng.uniform(-0.3, 0.3, n).astype(np.float32)
    cx = size / 2 + rng.uniform(-2.0, 2.0, n).astype(np.float32)
    cy = size / 2 + rng.uniform(-2.0, 2.0, n).astype(np.float32)
    thickness = rng.uniform(0.8, 1.7, n).astype(np.float32)
    xs, ys = _grid(size)
    x = np.zeros((n, size, size), dtype=np.float32)
    for digit in range(10):
        idx = np.flatnonzero(y == digit)
        if not len(idx):
            continue
        scale = cell[idx, None, None]
        # Each pixel in font cell units: the inverse of scale, width and slant about the centre.
        v = (ys - cy[idx, None, None]) / scale
        u = (xs - cx[idx, None, None]) / (scale * width[idx, None, None]) + slant[
            idx, None, None
        ] * v
        nearest = np.full(u.shape, np.inf, dtype=np.float32)
        for x0, y0, x1, y1 in _GLYPH_SEGMENTS[digit]:
            dx, dy = x1 - x0, y1 - y0
            t = np.clip(((u - x0) * dx + (v - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
            nearest = np.minimum(nearest, (u - x0 - t * dx) ** 2 + (v - y0 - t * dy) ** 2)
        distance = np.sqrt(nearest) * scale  # back to pixels, so thickness is in pixels
        x[idx] = np.clip(thickness[idx, None, None] + 0.5 - distance, 0.0, 1.0)
    x *= rng.uniform(0.8, 1.0, (n, 1, 1)).astype(np.float32)
    x += rng.normal(0.0, 0.05, x.shape).astype(np.float32)
    return np.clip(x, 0.0, 1.0)[..., None], y.astype(np.int64), DIGIT_NAMES


def _textures(kinds: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Masks for the texture classes (indices 5..9 of ``PATTERN_NAMES``) with random period.

    Periods are 4-8 px at 32x32 and grow with the image, so a texture at 224x224 still shows
    about as many stripes as it does at CIFAR size.
    """
    xs, ys = _grid(size)
    n = len(kinds)
    zoom = size / 32
    period = rng.uniform(4.0, 8.0, (n, 1, 1)).astype(np.float32) * zoom
    phase = rng.uniform(0.0, 8.0, (n, 1, 1)).astype(np.float32) * zoom
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
        mask[is_shape] = shape_masks(y[is_shape], size, cx, cy, r)
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


def make_imagenet_like(
    n: int, seed: int = 0, size: int = 224, classes: int = IMAGENET_CLASSES
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The ten pattern classes drawn at ImageNet size, labelled within ``classes`` outputs.

    ImageNet classifiers end in 1000 units; the labels here use ids 0-9 of those 1000 and the
    class names cover all of them, so the data fits the unchanged design. Images are drawn in
    chunks of 32 because a 224x224 batch is large and drawing allocates several of them.
    """
    rng = np.random.default_rng(seed)
    chunks = [min(32, n - start) for start in range(0, n, 32)]
    parts = [make_patterns(k, int(rng.integers(2**31)), size) for k in chunks]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    names = PATTERN_NAMES + [f"class_{i}" for i in range(len(PATTERN_NAMES), classes)]
    return x, y, names
