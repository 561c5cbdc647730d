"""Sample grids a generative run makes as it trains: images from fixed noise, by epoch.

A GAN's generator (or a VAE's decoder) is fed the same latent vectors after every N epochs, so
the grids show one set of samples changing as the model learns. A :class:`SampleLog` keeps the
grids of one run in memory while it trains (listeners see each new grid at once) and writes
them beside the run: ``samples/epoch_0005.png`` per grid and ``samples.npz`` with all of them,
which the app reads back to scrub through a finished run by epoch.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.common.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

SAMPLES_DIR = "samples"
SAMPLES_FILE = "samples.npz"

SampleListener = Callable[[int, np.ndarray], None]


def to_unit_range(images: np.ndarray, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Images as float32 in [0, 1] from ``value_range`` (a tanh generator gives (-1, 1))."""
    lo, hi = value_range
    scaled = (np.asarray(images, dtype=np.float32) - lo) / max(hi - lo, 1e-12)
    return np.clip(scaled, 0.0, 1.0)


def tile(images: np.ndarray, columns: int | None = None, pad: int = 1) -> np.ndarray:
    """Lay ``(n, h, w[, c])`` images in [0, 1] out as one uint8 grid ``(H, W[, c])``.

    Single-channel images give a 2-D grid; the padding between them is black. ``columns``
    defaults to the smallest square that holds them all.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"expected images (n, h, w[, c]); received shape {images.shape}")
    n, h, w = images.shape[:3]
    cols = columns or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    shape = (rows * (h + pad) + pad, cols * (w + pad) + pad, *images.shape[3:])
    grid = np.zeros(shape, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top : top + h, left : left + w] = images[i]
    return (np.clip(grid, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def png_bytes(grid: np.ndarray, scale: int = 1) -> bytes:
    """A uint8 grid as PNG bytes, each pixel repeated ``scale`` times for a viewable size."""
    from PIL import Image

    if scale > 1:
        grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    buf = io.BytesIO()
    Image.fromarray(grid).save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class SampleLog:
    """The grids of one run by epoch (0 is before training); listeners hear of each new one."""

    title: str = "Generated samples"
    grids: dict[int, np.ndarray] = field(default_factory=dict)
    listeners: list[SampleListener] = field(default_factory=list)

    def add(self, epoch: int, grid: np.ndarray) -> None:
        self.grids[int(epoch)] = grid
        for listener in list(self.listeners):
            try:
                listener(int(epoch), grid)
            except Exception:  # a broken view must not stop training
                log.debug("sample listener failed", exc_info=True)

    @property
    def epochs(self) -> list[int]:
        return sorted(self.grids)

    def write(self, run_dir: Path, scale: int = 3) -> list[Path]:
        """``samples/epoch_NNNN.png`` per grid and ``samples.npz``; returns the PNG paths."""
        if not self.grids:
            return []
        folder = Path(run_dir) / SAMPLES_DIR
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for epoch in self.epochs:
            path = folder / f"epoch_{epoch:04d}.png"
            atomic_write_bytes(path, png_bytes(self.grids[epoch], scale))
            written.append(path)
        buf = io.BytesIO()
        np.savez_compressed(buf, **{f"epoch_{e:04d}": self.grids[e] for e in self.epochs})
        atomic_write_bytes(Path(run_dir) / SAMPLES_FILE, buf.getvalue())
        return written


def load_samples(run_dir: Path) -> dict[int, np.ndarray]:
    """The grids a finished run wrote, by epoch; empty when it wrote none or the file is bad."""
    path = Path(run_dir) / SAMPLES_FILE
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            return {int(key.split("_")[1]): data[key] for key in data.files}
    except (OSError, ValueError, IndexError):
        log.debug("could not read %s", path, exc_info=True)
        return {}


__all__ = ["SampleLog", "load_samples", "png_bytes", "tile", "to_unit_range"]
