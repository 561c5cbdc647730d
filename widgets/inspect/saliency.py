"""SaliencyView: Grad-CAM, HiResCAM or gradient saliency over the input image."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from studio.inspect import colormap, grad_cam, gradient_saliency, overlay, to_rgb
from widgets.inspect.common import (
    InspectView,
    Work,
    fill_combo,
    first_input,
    image_of,
    sample_at,
    sample_count,
)
from widgets.inspect.feature_maps import SamplePicker, load_into
from widgets.inspect.image_grid import ImageGrid

METHODS = {"Grad-CAM": "gradcam", "HiResCAM": "hirescam", "Gradient saliency": "saliency"}


def cam_layers(model) -> list[str]:
    """Layers with spatial (H, W, C) or sequence (T, C) outputs, deepest first (best CAMs)."""
    names = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError, RuntimeError):
            continue
        if len(shape) in (3, 4) and "Input" not in type(layer).__name__:
            names.append(layer.name)
    return names[::-1]


class SaliencyView(InspectView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method_combo = QComboBox()
        self.method_combo.addItems(list(METHODS))
        self.layer_combo = QComboBox()
        self.class_spin = QSpinBox()
        self.class_spin.setRange(-1, 9999)
        self.class_spin.setSpecialValueText("predicted")
        self.class_spin.setValue(-1)
        self.picker = SamplePicker()
        row = QHBoxLayout()
        for label, w in [
            ("Method", self.method_combo),
            ("Layer", self.layer_combo),
            ("Class", self.class_spin),
        ]:
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addWidget(self.picker)
        row.addStretch()
        self.body.addLayout(row)
        self.grid = ImageGrid(cell=220)
        self.info = QLabel()
        self.body.addWidget(self.grid, 1)
        self.body.addWidget(self.info)
        self.loaded_sample: np.ndarray | None = None
        self.method_combo.currentTextChanged.connect(lambda _: self.schedule_refresh())
        self.class_spin.valueChanged.connect(lambda _: self.schedule_refresh())
        self.layer_combo.currentTextChanged.connect(self._on_layer_picked)
        self.picker.spin.valueChanged.connect(self._on_index)
        self.picker.imageChosen.connect(self.load_image)

    def _model_changed(self) -> None:
        self.loaded_sample = None
        names = cam_layers(self.model) if self.model is not None else []
        fill_combo(self.layer_combo, names, self.layer_name)

    def _dataset_changed(self) -> None:
        self.loaded_sample = None
        self.picker.set_count(sample_count(self.dataset))

    def _layer_changed(self) -> None:
        if self.model is not None and self.layer_name in cam_layers(self.model):
            fill_combo(self.layer_combo, cam_layers(self.model), self.layer_name)

    def _on_layer_picked(self, name: str) -> None:
        if name:
            self.layerChosen.emit(name)
            self.schedule_refresh()

    def _on_index(self, _: int) -> None:
        self.loaded_sample = None
        self.schedule_refresh()

    def load_image(self, path: str) -> None:
        """Explain an image file instead of a dataset sample."""
        self.loaded_sample = load_into(self, path)
        if self.loaded_sample is not None:
            self.schedule_refresh()

    def _prepare(self) -> Work | None:
        if self.model is None:
            self.grid.show_message("No model.")
            return None
        if self.loaded_sample is not None:
            sample = self.loaded_sample
        elif self.dataset is not None and sample_count(self.dataset):
            sample, _ = sample_at(self.dataset, self.picker.spin.value())
        else:
            self.grid.show_message("No dataset: set one or open an image.")
            return None
        method = METHODS[self.method_combo.currentText()]
        cls = None if self.class_spin.value() < 0 else self.class_spin.value()
        layer = self.layer_combo.currentText()
        if method != "saliency" and not layer:
            self.grid.show_message("No convolutional layer to explain.")
            return None
        return Work(
            explain,
            (self.model, sample, method, layer, cls),
            self._show,
            "Computing gradients…",
        )

    def _show(self, result) -> None:
        heat, tiles, labels = result
        self.grid.set_images(tiles, labels, columns=3)
        where = f" at {heat.layer_name}" if heat.layer_name else ""
        self.info.setText(f"{heat.method}{where}: class {heat.class_index}, score {heat.score:.4g}")


def explain(model, sample, method: str, layer: str, cls: int | None):
    """Worker-thread part: the heat map and the tiles to show (input, map, overlay)."""
    if method == "saliency":
        heat = gradient_saliency(model, sample, cls)
    else:
        heat = grad_cam(model, sample, layer, cls, method)
    image = image_of(first_input(sample))
    values = heat.values if heat.values.ndim == 2 else heat.values[None, :]
    heat_rgb = (colormap(values) * 255).astype(np.uint8)
    if image is not None and image.shape[:2] == values.shape:
        tiles = np.stack([(to_rgb(image) * 255).astype(np.uint8), heat_rgb, overlay(image, values)])
    else:  # not an image (e.g. a sequence): the map alone
        tiles = heat_rgb[None]
    labels = ["input", heat.method, "overlay"][: len(tiles)]
    return heat, tiles, labels
