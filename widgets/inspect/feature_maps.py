"""FeatureMapsView: one layer's output for one sample; step through samples with arrow keys."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from studio.inspect import input_shapes, probe_for
from widgets.inspect.common import (
    InspectView,
    Work,
    fill_combo,
    first_input,
    image_of,
    layer_names,
    sample_at,
    sample_count,
)
from widgets.inspect.image_grid import ImageGrid, render_grid

log = logging.getLogger(__name__)


def load_image_file(path: str | Path, shape: tuple[int, ...]) -> np.ndarray:
    """An image file resized to the model's ``(H, W, C)`` input, scaled to [0, 1]."""
    from PIL import Image

    if len(shape) != 3:
        raise ValueError(f"Model input {shape} is not an image; cannot load a picture into it.")
    h, w, c = shape
    image = Image.open(path).convert("L" if c == 1 else "RGB").resize((w, h))
    arr = np.asarray(image, dtype="float32") / 255.0
    return arr[..., None] if c == 1 else arr[..., :c]


def load_into(view: InspectView, path: str | Path) -> np.ndarray | None:
    """Load ``path`` for ``view``'s model input, or show why not and return None."""
    try:
        if view.model is None:
            raise ValueError("no model")
        return load_image_file(path, tuple(input_shapes(view.model)[0][1:]))
    except Exception as exc:  # noqa: BLE001 - shown to the user, never raised into Qt
        log.debug("load_into: handled exception", exc_info=True)
        view.show_error(f"Could not load {path}: {exc}")
        return None


class SamplePicker(QWidget):
    """Index spin box with prev/next buttons and an 'Open image…' button."""

    imageChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.spin = QSpinBox()
        self.open_button = QPushButton("Open image…")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (
            QLabel("Sample"),
            self.prev_button,
            self.spin,
            self.next_button,
            self.open_button,
        ):
            row.addWidget(w)
        self.prev_button.clicked.connect(lambda: self.spin.setValue(self.spin.value() - 1))
        self.next_button.clicked.connect(lambda: self.spin.setValue(self.spin.value() + 1))
        self.open_button.clicked.connect(self._ask_image)

    def _ask_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open image", "", "Images (*.png *.jpg *.jpeg *.bmp)"
        )
        if path:
            self.imageChosen.emit(path)

    def set_count(self, n: int) -> None:
        self.spin.setRange(0, max(0, n - 1))
        self.spin.setSuffix(f" / {n}")


class FeatureMapsView(InspectView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.picker = SamplePicker()
        row = QHBoxLayout()
        row.addWidget(QLabel("Layer"))
        row.addWidget(self.layer_combo)
        row.addWidget(self.picker)
        row.addStretch()
        self.body.addLayout(row)
        self.input_preview = ImageGrid(cell=96)
        self.input_preview.setFixedHeight(130)
        self.grid = ImageGrid()
        self.plot = pg.PlotWidget()
        self.plot.setBackground("#282828")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.plot)
        self.info = QLabel()
        self.body.addWidget(self.input_preview)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.info)
        self.loaded_sample: np.ndarray | None = None
        self.layer_combo.currentTextChanged.connect(self._on_layer_picked)
        self.picker.spin.valueChanged.connect(self._on_index)
        self.picker.imageChosen.connect(self.load_image)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    @property
    def sample_index(self) -> int:
        return self.picker.spin.value()

    def set_sample_index(self, index: int) -> None:
        self.picker.spin.setValue(index)

    def next_sample(self) -> None:
        self.picker.spin.setValue(self.picker.spin.value() + 1)

    def prev_sample(self) -> None:
        self.picker.spin.setValue(self.picker.spin.value() - 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.next_sample()
        elif event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.prev_sample()
        else:
            super().keyPressEvent(event)

    def _model_changed(self) -> None:
        self.loaded_sample = None
        names = layer_names(self.model)
        fill_combo(self.layer_combo, names, self.layer_name)
        if self.layer_name not in names and names:
            self.layer_name = names[0]

    def _dataset_changed(self) -> None:
        self.loaded_sample = None
        self.picker.set_count(sample_count(self.dataset))

    def _layer_changed(self) -> None:
        fill_combo(
            self.layer_combo,
            [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())],
            self.layer_name,
        )

    def _on_layer_picked(self, name: str) -> None:
        if name:
            self.layer_name = name
            self.layerChosen.emit(name)
            self.schedule_refresh()

    def _on_index(self, _: int) -> None:
        self.loaded_sample = None
        self.schedule_refresh()

    def load_image(self, path: str | Path) -> None:
        """Show feature maps for an image file instead of a dataset sample."""
        self.loaded_sample = load_into(self, path)
        if self.loaded_sample is not None:
            self.schedule_refresh()

    def current_sample(self):
        if self.loaded_sample is not None:
            return self.loaded_sample, "loaded image"
        if self.dataset is None or sample_count(self.dataset) == 0:
            return None, ""
        sample, target = sample_at(self.dataset, self.sample_index)
        return sample, f"sample {self.sample_index}, target {np.asarray(target).tolist()}"

    def _prepare(self) -> Work | None:
        if self.model is None:
            self.grid.show_message("No model.")
            return None
        sample, where = self.current_sample()
        if sample is None:
            self.grid.show_message("No dataset: set one or open an image.")
            return None
        image = image_of(first_input(sample))
        if image is not None:
            self.input_preview.set_images(image[None], [where])
        name = self.layer_name or self.layer_combo.currentText()
        return Work(
            _maps_and_picture,
            (self.model, name, sample, self.grid.cell),
            lambda result: self._show(name, where, *result),
            f"Running the model up to {name}…",
        )

    def _show(self, name: str, where: str, maps, picture) -> None:
        if maps.kind == "maps":
            self.stack.setCurrentWidget(self.grid)
            self.grid.set_rendered(picture)
        else:
            self.stack.setCurrentWidget(self.plot)
            self.plot.clear()
            if maps.kind == "sequence":
                item = pg.ImageItem(maps.data)  # x: time, y: channel
                item.setColorMap(pg.colormap.get("viridis"))
                self.plot.addItem(item)
                self.plot.setLabel("bottom", "time step")
                self.plot.setLabel("left", "channel")
            else:
                x = np.arange(maps.count)
                self.plot.addItem(
                    pg.BarGraphItem(x=x, height=maps.data, width=0.8, brush="#5fa8d3")
                )
                self.plot.setLabel("bottom", "unit")
                self.plot.setLabel("left", "activation")
            self.plot.autoRange()
        note = f" ({maps.note})" if maps.note else ""
        self.info.setText(f"{name}: {maps.kind} {maps.raw_shape}{note}, {where}")


def _maps_and_picture(model, name: str, sample, cell: int):
    """Worker side: the layer's output and, for image maps, its labelled grid. A conv layer
    of NASNet has up to a thousand maps; drawn on the UI thread they stalled it 80 ms."""
    maps = probe_for(model).maps(name, sample)
    if maps.kind != "maps":
        return maps, None
    labels = [f"{i}" for i in range(maps.count)]
    return maps, render_grid(maps.data, labels, cell=cell)
