"""A fast tiled view of many small images: one numpy mosaic turned into one image.

Hundreds of feature maps as separate items would make every layer switch crawl; one RGB array
(on the worker, labels included) turned into one image keeps the UI thread's part to handing a
finished picture to the view, which paints only the part that is on screen. The picture is
built in the screen's own 32-bit format and never turned into a pixmap: converting
ResNet-50's 1,000-unit classifier grid (36 million pixels) to a pixmap took 58 ms of the UI
thread, and painting the visible part of an image takes well under one.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from widgets.common.breathing import give_way

LABEL_HEIGHT = 12
PAD = 4


def _lookup_table() -> np.ndarray:
    return pg.colormap.get("viridis").getLookupTable(nPts=256, mode="byte")[:, :3]


def to_rgb_tiles(images: np.ndarray, per_image: bool = True) -> np.ndarray:
    """``(n, h, w)`` values as viridis uint8 ``(n, h, w, 3)``; RGB input passes through.

    ``per_image`` stretches each tile's contrast on its own, so weak maps stay visible.
    """
    images = np.asarray(images)
    if images.ndim == 4:
        return (
            images.astype(np.uint8)
            if images.dtype == np.uint8
            else (np.clip(images, 0, 1) * 255).astype(np.uint8)
        )
    x = images.astype("float32")
    axes = (1, 2) if per_image else (0, 1, 2)
    lo = np.nanmin(x, axis=axes, keepdims=True) if x.size else 0
    hi = np.nanmax(x, axis=axes, keepdims=True) if x.size else 1
    span = np.where(hi > lo, hi - lo, 1.0)
    idx = np.nan_to_num((x - lo) / span * 255).clip(0, 255).astype(np.uint8)
    return _lookup_table()[idx]


def mosaic(
    tiles: np.ndarray,
    columns: int | None = None,
    cell: int = 72,
    labelled: bool = True,
    background: tuple[int, ...] = (40, 40, 40),
) -> tuple[np.ndarray, list[tuple[int, int]], int]:
    """Tiles ``(n, h, w, c)`` upscaled (nearest) into one image of ``background`` (one value
    per channel).

    Returns the image, the top-left corner of each tile and the tile's drawn width.
    """
    n, h, w = tiles.shape[:3]
    scale = max(1, cell // max(h, w, 1))
    th, tw = h * scale, w * scale
    cols = columns or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    label_h = LABEL_HEIGHT if labelled else 0
    out = np.full(
        (rows * (th + PAD + label_h) + PAD, cols * (tw + PAD) + PAD, tiles.shape[3]),
        background,
        dtype=np.uint8,
    )
    corners = []
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = PAD + r * (th + PAD + label_h) + label_h, PAD + c * (tw + PAD)
        out[y : y + th, x : x + tw] = np.repeat(np.repeat(tiles[i], scale, 0), scale, 1)
        corners.append((x, y))
    return out, corners, tw


def render_grid(
    images: np.ndarray,
    labels: list[str] | None = None,
    columns: int | None = None,
    per_image: bool = True,
    cell: int = 72,
) -> tuple[QImage, int] | None:
    """The labelled mosaic as a QImage and its tile count; None when there is nothing.

    An Inspect view calls this on its worker. The labels are stamped into the pixel array
    from a cache of glyph masks (``stamp_labels``) instead of being drawn with ``QPainter``:
    each ``drawText`` holds the interpreter lock while it lays out and rasterises its glyphs,
    and a watchdog's stack dump caught the Filters worker inside ``drawText`` during a UI
    stall after a ResNet-50 run (drawn alone, beside an idle UI thread, neither way stalls
    it)."""
    tiles = to_rgb_tiles(images, per_image)
    if len(tiles) == 0:
        return None
    labelled = bool(labels)
    # The mosaic is laid out in RGB32's memory order (B, G, R, 0xff) from the small tiles
    # on: reordering the big picture's channels and copying it into a QImage afterwards
    # held the interpreter lock about 100 ms for a 1,000-unit Dense layer's kernels.
    bgrx = np.empty((*tiles.shape[:3], 4), dtype=np.uint8)
    bgrx[..., :3] = tiles[..., ::-1]
    bgrx[..., 3] = 255
    pixels, corners, tile_w = mosaic(bgrx, columns, cell, labelled, (40, 40, 40, 255))
    if labelled:
        stamp_labels(pixels, corners, labels or [], tile_w)
    h, w = pixels.shape[:2]
    # The QImage reads the array's memory and keeps a reference to it: no copy is made.
    image = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_RGB32)
    return image, len(tiles)


LABEL_COLOUR = np.array([0xDD, 0xDD, 0xDD, 0xFF], dtype=np.float32)  # RGB32: B, G, R, 0xff
_glyphs: dict[str, np.ndarray] = {}  # character -> coverage (LABEL_HEIGHT x advance), 0..1
_glyphs_lock = threading.Lock()


def glyph(char: str) -> np.ndarray:
    """One character's coverage mask at the label size, drawn once per process (on
    whichever thread first needs it: painting on a QImage is allowed off the UI thread)."""
    mask = _glyphs.get(char)
    if mask is not None:
        return mask
    with _glyphs_lock:
        mask = _glyphs.get(char)
        if mask is None:
            mask = _draw_glyph(char)
            _glyphs[char] = mask
    return mask


def _draw_glyph(char: str) -> np.ndarray:
    font = QFont()
    font.setPixelSize(LABEL_HEIGHT - 2)
    advance = max(1, QFontMetrics(font).horizontalAdvance(char))
    image = QImage(advance, LABEL_HEIGHT, QImage.Format.Format_Grayscale8)
    image.fill(0)
    painter = QPainter(image)
    painter.setPen(QColor("white"))
    painter.setFont(font)
    painter.drawText(0, 0, advance, LABEL_HEIGHT, Qt.AlignmentFlag.AlignLeft, char)
    painter.end()
    stride = image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * LABEL_HEIGHT)
    return raw.reshape(LABEL_HEIGHT, stride)[:, :advance].astype(np.float32) / 255.0


def stamp_labels(
    pixels: np.ndarray, corners: list[tuple[int, int]], labels: list[str], width: int
) -> None:
    """Each label blended into the band above its tile's corner, cut at the tile's width
    (a long label never runs into its neighbour). Works on RGB32 ``pixels`` in place."""
    for (x, y), text in zip(corners, labels, strict=False):
        if not text:
            continue
        coverage = np.concatenate([glyph(c) for c in text], axis=1)[:, :width]
        band = pixels[y - LABEL_HEIGHT : y, x : x + coverage.shape[1]]
        alpha = coverage[: band.shape[0], : band.shape[1], None]
        band[...] = (band * (1.0 - alpha) + LABEL_COLOUR * alpha).astype(np.uint8)
        give_way()  # a thousand labels: let a waiting UI thread in between two of them


class _Picture(QWidget):
    """Paints the part of one image that is exposed; its size is the image's."""

    def __init__(self) -> None:
        super().__init__()
        self.image = QImage()

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.setFixedSize(image.size())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.image.size()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self.image.isNull():
            return
        rect: QRect = event.rect()
        painter = QPainter(self)
        painter.drawImage(rect, self.image, rect)
        painter.end()


class ImageGrid(QWidget):
    """Shows ``(n, h, w)`` maps (colour-mapped) or ``(n, h, w, 3)`` RGB tiles with labels."""

    def __init__(self, parent: QWidget | None = None, cell: int = 72) -> None:
        super().__init__(parent)
        self.cell = cell
        self._count = 0
        self._label = QLabel(alignment=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._label.setWordWrap(True)
        self._picture = _Picture()
        self._pages = QStackedWidget()
        self._pages.addWidget(self._label)
        picture_page = QWidget()
        picture_layout = QVBoxLayout(picture_page)
        picture_layout.setContentsMargins(0, 0, 0, 0)
        picture_layout.addWidget(
            self._picture, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        )
        picture_layout.addStretch()
        self._pages.addWidget(picture_page)
        self._pages.setStyleSheet("background: #282828; color: #ddd;")
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self._pages)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    @property
    def count(self) -> int:
        """How many tiles are on screen."""
        return self._count

    def set_images(
        self,
        images: np.ndarray,
        labels: list[str] | None = None,
        columns: int | None = None,
        per_image: bool = True,
    ) -> None:
        self.set_rendered(render_grid(images, labels, columns, per_image, self.cell))

    def set_rendered(self, rendered: tuple[QImage, int] | None) -> None:
        """Show what ``render_grid`` drew (on a worker thread, for a big grid)."""
        if rendered is None:
            self.show_message("Nothing to show.")
            return
        image, count = rendered
        self._picture.set_image(image)
        self._label.clear()
        self._pages.setCurrentIndex(1)
        self._count = count

    def show_message(self, text: str) -> None:
        self._picture.set_image(QImage())
        self._label.setText(text)
        self._pages.setCurrentIndex(0)
        self._count = 0

    def image(self) -> QImage:
        """The picture on screen (a null image while a message is shown)."""
        return self._picture.image
