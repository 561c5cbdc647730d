"""A self-organising map's three classic pictures: U-matrix, hit map and component planes
(or, for a map of images, each unit's prototype drawn as an image)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.inspect.classics import SOMMaps
from widgets.inspect.image_grid import ImageGrid, to_rgb_tiles

CELL = 180


def class_colours(n: int) -> np.ndarray:
    """``(n, 3)`` uint8 colours, one per class, evenly spread in hue."""
    return np.array([pg.intColor(i, hues=max(n, 1)).getRgb()[:3] for i in range(n)], dtype=np.uint8)


def hit_map_rgb(maps: SOMMaps) -> np.ndarray:
    """``(rows, columns, 3)``: the commonest class's colour, brighter for more hits; grey
    cells won no sample. Without classes, hits on the viridis scale."""
    hits = maps.hits.astype("float32")
    strength = np.sqrt(hits / max(float(hits.max()), 1.0))[..., None]
    if not maps.class_names:
        return to_rgb_tiles(hits[None])[0]
    colours = class_colours(len(maps.class_names)).astype("float32")
    labels = np.clip(maps.hit_labels, 0, len(colours) - 1)
    rgb = 255 - (255 - colours[labels]) * (0.25 + 0.75 * strength)
    rgb[maps.hits == 0] = 200
    return rgb.astype(np.uint8)


class SOMPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.maps_grid = ImageGrid(cell=CELL)
        self.legend = QLabel(wordWrap=True)
        self.planes_title = QLabel()
        self.planes_grid = ImageGrid(cell=72)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.maps_grid, 2)
        layout.addWidget(self.legend)
        layout.addWidget(self.planes_title)
        layout.addWidget(self.planes_grid, 3)
        self.maps: SOMMaps | None = None

    def show_maps(self, maps: SOMMaps) -> None:
        self.maps = maps
        u = to_rgb_tiles(maps.u_matrix[None])[0]
        self.maps_grid.set_images(
            np.stack([u, hit_map_rgb(maps)]),
            ["U-matrix (bright: far from neighbours)", "hit map"],
            columns=2,
        )
        if maps.class_names:
            colours = class_colours(len(maps.class_names))
            self.legend.setText(
                "Hit map colours: "
                + " ".join(
                    f"<span style='color: rgb({r},{g},{b})'>■</span> {name}"
                    for (r, g, b), name in zip(colours, maps.class_names, strict=True)
                )
                + f" · {int(maps.hits.sum())} samples, {int((maps.hits > 0).sum())} units hit"
            )
        else:
            self.legend.setText(f"{int(maps.hits.sum())} samples")
        if maps.prototype_images is not None:
            self.planes_title.setText("Prototypes: each unit's weights as an image")
            self.planes_grid.set_images(
                maps.prototype_images, columns=maps.u_matrix.shape[1], per_image=False
            )
        else:
            self.planes_title.setText("Component planes: each feature's value across the map")
            self.planes_grid.set_images(maps.planes, maps.feature_names)
