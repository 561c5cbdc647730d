"""FiltersView: a conv or dense layer's kernels as a grid, with its bias values."""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from studio.inspect import filter_grid, has_filters
from widgets.inspect.common import InspectView, Work, fill_combo
from widgets.inspect.image_grid import ImageGrid, render_grid


class FiltersView(InspectView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.channel_combo = QComboBox()
        self.channel_combo.addItems(["mean", "per_channel"])
        self.normalise_combo = QComboBox()
        self.normalise_combo.addItems(["filter", "layer", "none"])
        self.depth_combo = QComboBox()
        self.depth_combo.addItems(["middle", "max"])
        row = QHBoxLayout()
        for label, widget in [
            ("Layer", self.layer_combo),
            ("Channels", self.channel_combo),
            ("Normalise", self.normalise_combo),
            ("3-D depth", self.depth_combo),
        ]:
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addStretch()
        self.body.addLayout(row)
        self.grid = ImageGrid()
        self.info = QLabel(wordWrap=True)
        self.body.addWidget(self.grid, 1)
        self.body.addWidget(self.info)
        self.layer_combo.currentTextChanged.connect(self._on_layer_picked)
        for combo in (self.channel_combo, self.normalise_combo, self.depth_combo):
            combo.currentTextChanged.connect(lambda _: self.schedule_refresh())

    def _filter_layers(self) -> list[str]:
        if self.model is None:
            return []
        return [layer.name for layer in self.model.layers if has_filters(layer)]

    def _model_changed(self) -> None:
        names = self._filter_layers()
        current = self.layer_name if self.layer_name in names else (names[0] if names else None)
        fill_combo(self.layer_combo, names, current)

    def _layer_changed(self) -> None:
        if self.layer_name in self._filter_layers():
            fill_combo(self.layer_combo, self._filter_layers(), self.layer_name)

    def _on_layer_picked(self, name: str) -> None:
        if name:
            self.layer_name = name
            self.layerChosen.emit(name)
            self.schedule_refresh()

    def _prepare(self) -> Work | None:
        if self.model is None:
            self.grid.show_message("No model.")
            return None
        name = self.layer_name
        if name not in self._filter_layers():
            picked = self.layer_combo.currentText()
            if name:
                self.grid.show_message(f"Layer {name!r} has no kernel to show.")
                self.info.setText("Pick a convolution or dense layer.")
                return None
            name = picked
        if not name:
            self.grid.show_message("This model has no convolution or dense layers.")
            return None
        compute = partial(
            _filters_and_picture,
            self.model.get_layer(name),
            self.grid.cell,
            channel_mode=self.channel_combo.currentText(),
            normalise=self.normalise_combo.currentText(),
            depth_reduction=self.depth_combo.currentText(),
        )
        return Work(
            compute, (), lambda result: self._show(name, *result), f"Reading {name}'s kernels…"
        )

    def _show(self, name: str, grid, picture) -> None:
        self.grid.set_rendered(picture)
        parts = [f"{name}: {grid.count} images"]
        if grid.depth_reduction:
            parts.append(f"3-D kernel shown as {grid.depth_reduction} depth")
        if grid.note:
            parts.append(grid.note)
        if grid.bias is not None:
            shown = np.array2string(grid.bias[:16], precision=3, separator=", ")
            parts.append(f"bias {shown}{' ...' if grid.bias.size > 16 else ''}")
        self.info.setText("; ".join(parts))


def _filters_and_picture(layer, cell: int, **options):
    """Worker side: the kernels and their labelled grid, drawn off the UI thread."""
    grid = filter_grid(layer, **options)
    return grid, render_grid(grid.images, grid.labels, per_image=False, cell=cell)
