"""What every inspect view shares: the model/dataset/layer setters and errors shown in place.

Views refresh only when visible (a hidden tab marks itself stale and catches up when shown),
and any exception from the core becomes a message in the view instead of escaping to Qt.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from studio.data.dataset import Dataset
from studio.inspect import split_arrays

if TYPE_CHECKING:  # widgets only hold models the core built
    import keras


class InspectView(QWidget):
    """Base of the inspect views: holds model, dataset and selected layer; no other state.

    Subclasses build their controls in ``__init__`` and draw in ``_refresh``; the user
    choosing a layer in a view emits ``layerChosen`` so a panel can keep the others in step.
    """

    layerChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: keras.Model | None = None
        self.dataset: Dataset | None = None
        self.layer_name: str | None = None
        self._stale = True
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b03030;")
        self.message.hide()
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.message)

    def set_model(self, model: keras.Model | None) -> None:
        self.model = model
        self._model_changed()
        self.schedule_refresh()

    def set_dataset(self, dataset: Dataset | None) -> None:
        self.dataset = dataset
        self._dataset_changed()
        self.schedule_refresh()

    def set_layer(self, name: str | None) -> None:
        self.layer_name = name
        self._layer_changed()
        self.schedule_refresh()

    def _model_changed(self) -> None:
        """Hook: repopulate combos that depend on the model."""

    def _dataset_changed(self) -> None:
        """Hook: reset sample pickers that depend on the dataset."""

    def _layer_changed(self) -> None:
        """Hook: follow an external selection in the view's own layer combo."""

    def schedule_refresh(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Redraw now, showing any failure as a message in the view."""
        self._stale = False
        try:
            self.show_error("")
            self._refresh()
        except Exception as exc:  # noqa: BLE001 - nothing may escape into Qt's event loop
            self.show_error(f"{type(exc).__name__}: {exc}")
            self._last_traceback = traceback.format_exc()

    def _refresh(self) -> None:
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def fill_combo(combo: QComboBox, names: list[str], current: str | None) -> None:
    """Replace a combo's items without emitting change signals; keep ``current`` if present."""
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(names)
    if current in names:
        combo.setCurrentText(current)
    combo.blockSignals(False)


def sample_count(dataset: Dataset | None) -> int:
    if dataset is None:
        return 0
    x, _, _ = split_arrays(dataset)
    return len(x[0] if isinstance(x, list) else x)


def sample_at(dataset: Dataset, index: int) -> tuple[np.ndarray | list[np.ndarray], object]:
    """The ``index``-th validation sample (training if no validation split) and its target."""
    x, y, _ = split_arrays(dataset)
    sample = [a[index] for a in x] if isinstance(x, list) else x[index]
    target = [a[index] for a in y] if isinstance(y, list) else y[index]
    return sample, target


def first_input(sample: np.ndarray | list[np.ndarray]) -> np.ndarray:
    return sample[0] if isinstance(sample, list) else sample


def image_of(sample: np.ndarray) -> np.ndarray | None:
    """A displayable 2-D image for an input sample, or None when it is not image-like."""
    a = np.asarray(sample, dtype="float32")
    if a.ndim == 3 and a.shape[-1] in (1, 3, 4):
        return a[..., 0] if a.shape[-1] == 1 else a[..., :3]
    if a.ndim == 2:
        return a
    return None
