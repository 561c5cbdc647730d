"""What every inspect view shares: the model/dataset/layer setters, work off the UI thread,
and errors shown in place.

Views refresh only when visible (a hidden tab marks itself stale and catches up when shown).
A refresh reads the view's controls on the UI thread (``_prepare``), computes on the inspect
worker thread (predictions, PCA, kernels, Grad-CAM, histograms, the summary) and draws the
result back on the UI thread; a result computed for settings or a model the view has left
behind is dropped. While the worker computes, the view says so and offers Cancel. Any
exception from the core becomes a message in the view instead of escaping to Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.data.dataset import Dataset
from studio.inspect import split_arrays
from widgets.common.jobs import JobFailed, JobRunner

log = logging.getLogger(__name__)


@dataclass
class Work:
    """What a refresh computes off the UI thread and how its result is drawn."""

    compute: Callable[..., Any]
    args: tuple[Any, ...]
    show: Callable[[Any], None]
    what: str = "Computing…"


def layer_names(model: keras.Model | None) -> list[str]:
    """The model's layers in order, inputs excluded, read without building anything."""
    if model is None:
        return []
    return [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]


if TYPE_CHECKING:  # widgets only hold models the core built
    import keras


class InspectView(QWidget):
    """Base of the inspect views: holds model, dataset and selected layer; no other state.

    Subclasses build their controls in ``__init__`` and say what to compute in ``_prepare``; the user
    choosing a layer in a view emits ``layerChosen`` so a panel can keep the others in step.
    """

    layerChosen = Signal(str)
    needs_model = True  # False: the view draws from the design alone, nothing is compiled for it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: keras.Model | None = None
        self.dataset: Dataset | None = None
        self.layer_name: str | None = None
        self._stale = True
        self._generation = 0  # bumped whenever what the view should show changes
        self.runner: JobRunner | None = None  # shared by the panel's views; own one if alone
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b03030;")
        self.message.hide()
        self.busy_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for this result")
        self.cancel_button.clicked.connect(self.cancel)
        busy = QHBoxLayout()
        busy.addWidget(self.busy_label, 1)
        busy.addWidget(self.cancel_button)
        self.busy_row = QWidget()
        self.busy_row.setLayout(busy)
        busy.setContentsMargins(0, 0, 0, 0)
        self.busy_row.hide()
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.message)
        self.body.addWidget(self.busy_row)

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
        self._generation += 1  # whatever is being computed is for the old settings now
        if self.isVisible():
            self.refresh()
        else:
            self._set_busy(None)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    @property
    def is_busy(self) -> bool:
        return self.busy_row.isVisible() or (
            self.runner is not None and self.runner.pending(self._key())
        )

    def refresh(self) -> None:
        """Redraw now: quick answers are drawn at once, real work goes to the worker."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        self.show_error("")
        try:
            work = self._prepare()
        except Exception as exc:  # noqa: BLE001 - nothing may escape into Qt's event loop
            log.debug("inspect view could not prepare", exc_info=True)
            self._set_busy(None)
            self.show_error(f"{type(exc).__name__}: {exc}")
            return
        if work is None:
            self._set_busy(None)
            return
        if self.runner is None:
            self.runner = JobRunner(self)
        self._set_busy(work.what)
        self.runner.run(
            work.compute,
            *work.args,
            key=self._key(),
            on_done=lambda outcome: self._arrived(generation, work, outcome),
        )

    def _key(self) -> str:
        return f"inspect-{id(self)}"

    def _arrived(self, generation: int, work: Work, outcome: Any) -> None:
        if generation != self._generation:
            return  # computed for a model, layer or setting the view has left behind
        self._set_busy(None)
        if isinstance(outcome, JobFailed):
            self.show_error(outcome.message)
            return
        try:
            work.show(outcome)
        except Exception as exc:  # noqa: BLE001 - nothing may escape into Qt's event loop
            log.debug("inspect view could not draw", exc_info=True)
            self.show_error(f"{type(exc).__name__}: {exc}")

    def cancel(self) -> None:
        """Stop waiting: the running computation's result will be thrown away."""
        self._generation += 1
        if self.runner is not None:
            self.runner.cancel(self._key())
        self._set_busy(None)
        self._stale = True
        self.show_error("Cancelled. Change a setting or press Refresh to compute again.")

    def _set_busy(self, text: str | None) -> None:
        self.busy_label.setText(text or "")
        self.busy_row.setVisible(bool(text))

    def _prepare(self) -> Work | None:
        """Read the controls and return the work to do off the UI thread, or draw a quick
        answer (no model, no dataset) directly and return None."""
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
