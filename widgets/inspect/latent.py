"""A generative model's latent space: a decoded 2-D grid, interpolation versus pixel fading,
and random samples.

For a VAE (a ``Sampling`` layer between encoder and decoder) all three are shown; a GAN's
generator has no encoder, so it gets the grid and random samples. Decoding runs on a worker
thread (``widgets.common.jobs.JobRunner``); the view only draws what comes back, and a result
that arrives after the settings changed again is dropped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from studio.data.dataset import Dataset
from studio.inspect import generative as gen
from widgets.common.jobs import JobFailed
from widgets.inspect.common import InspectView, Work, fill_combo, sample_at, sample_count
from widgets.inspect.image_grid import ImageGrid

if TYPE_CHECKING:  # widgets only hold models the core built
    import keras

log = logging.getLogger(__name__)


def gray_tiles(images: np.ndarray) -> np.ndarray:
    """Images in [0, 1] — ``(n, h, w)`` or ``(n, h, w, c)`` — as RGB uint8 tiles, unstretched."""
    a = np.asarray(images, dtype="float32")
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 3:
        a = np.repeat(a[..., None], 3, axis=-1)
    return (np.clip(a[..., :3], 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def compute_latent(
    model: keras.Model, dataset: Dataset | None, params: dict[str, Any]
) -> dict[str, Any]:
    """Everything the view draws, computed on the worker thread."""
    lm = gen.latent_model(model)
    size = params["size"]
    dims = (params["dim_x"], params["dim_y"]) if lm.latent_dim > 1 else (0, 0)
    result: dict[str, Any] = {"kind": lm.kind, "latent_dim": lm.latent_dim}
    if lm.latent_dim >= 2:
        result["grid"], _ = gen.latent_grid(lm, size, params["span"], dims)
    result["samples"] = gen.random_samples(lm, params["count"], params["seed"])
    n = sample_count(dataset)
    if lm.encoder is not None and dataset is not None and n >= 2:
        a, _ = sample_at(dataset, min(params["a"], n - 1))
        b, _ = sample_at(dataset, min(params["b"], n - 1))
        result["latent_path"], result["pixel_fade"] = gen.interpolation(
            lm, np.asarray(a), np.asarray(b), params["steps"]
        )
    return result


class LatentView(InspectView):
    """Latent grid, interpolation (latent vs pixels) and random samples for a VAE or GAN."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._token = 0
        self.result: dict[str, Any] | None = None
        self.status = QLabel("")
        self.size_spin = QSpinBox(minimum=2, maximum=30, value=15)
        self.span_spin = QDoubleSpinBox(minimum=0.5, maximum=5.0, value=2.0, singleStep=0.5)
        self.dim_x = QComboBox()
        self.dim_y = QComboBox()
        self.a_spin = QSpinBox(minimum=0, maximum=0, value=0)
        self.b_spin = QSpinBox(minimum=0, maximum=0, value=1)
        self.steps_spin = QSpinBox(minimum=2, maximum=20, value=8)
        self.count_spin = QSpinBox(minimum=1, maximum=100, value=16)
        self.seed_spin = QSpinBox(minimum=0, maximum=1_000_000, value=0)
        self.new_samples = QPushButton("New samples")
        self.grid_view = ImageGrid(cell=28)
        self.interp_view = ImageGrid(cell=36)
        self.samples_view = ImageGrid(cell=40)

        controls = QGridLayout()
        for col, (label, widget) in enumerate(
            [("Grid", self.size_spin), ("±", self.span_spin), ("x", self.dim_x), ("y", self.dim_y)]
        ):
            controls.addWidget(QLabel(label), 0, 2 * col)
            controls.addWidget(widget, 0, 2 * col + 1)
        for col, (label, widget) in enumerate(
            [("From sample", self.a_spin), ("to", self.b_spin), ("steps", self.steps_spin)]
        ):
            controls.addWidget(QLabel(label), 1, 2 * col)
            controls.addWidget(widget, 1, 2 * col + 1)
        for col, (label, widget) in enumerate(
            [("Samples", self.count_spin), ("seed", self.seed_spin)]
        ):
            controls.addWidget(QLabel(label), 2, 2 * col)
            controls.addWidget(widget, 2, 2 * col + 1)
        controls.addWidget(self.new_samples, 2, 4, 1, 2)
        self.body.addLayout(controls)
        self.body.addWidget(self.status)
        self.grid_box = self._boxed("Latent grid (decoded)", self.grid_view)
        self.interp_box = self._boxed(
            "Interpolation: through latent space (top) vs pixel fading (bottom)", self.interp_view
        )
        samples_box = self._boxed("Random samples from N(0, I)", self.samples_view)
        row = QHBoxLayout()
        row.addWidget(self.grid_box, 3)
        right = QVBoxLayout()
        right.addWidget(self.interp_box)
        right.addWidget(samples_box)
        row.addLayout(right, 2)
        self.body.addLayout(row, 1)

        for spin in (
            self.size_spin,
            self.span_spin,
            self.a_spin,
            self.b_spin,
            self.steps_spin,
            self.count_spin,
            self.seed_spin,
        ):
            spin.valueChanged.connect(self.schedule_refresh)
        self.dim_x.currentIndexChanged.connect(self.schedule_refresh)
        self.dim_y.currentIndexChanged.connect(self.schedule_refresh)
        self.new_samples.clicked.connect(
            lambda: self.seed_spin.setValue(self.seed_spin.value() + 1)
        )

    @staticmethod
    def _boxed(title: str, widget) -> QGroupBox:
        box = QGroupBox(title)
        QVBoxLayout(box).addWidget(widget)
        return box

    def _model_changed(self) -> None:
        dims: list[str] = []
        if self.model is not None:
            try:
                dims = [f"z[{i}]" for i in range(gen.latent_model(self.model).latent_dim)]
            except gen.GenerativeError:
                dims = []
        fill_combo(self.dim_x, dims, self.dim_x.currentText() or (dims[0] if dims else None))
        second = dims[1] if len(dims) > 1 else None
        fill_combo(self.dim_y, dims, self.dim_y.currentText() or second)
        if len(dims) > 1 and self.dim_x.currentIndex() == self.dim_y.currentIndex():
            self.dim_y.setCurrentIndex(1)

    def _dataset_changed(self) -> None:
        top = max(0, sample_count(self.dataset) - 1)
        for spin in (self.a_spin, self.b_spin):
            spin.blockSignals(True)
            spin.setMaximum(top)
            spin.blockSignals(False)
        if top >= 1 and self.a_spin.value() == self.b_spin.value():
            self.b_spin.blockSignals(True)  # two different samples to travel between
            self.b_spin.setValue(1 if self.a_spin.value() == 0 else 0)
            self.b_spin.blockSignals(False)

    def params(self) -> dict[str, Any]:
        return {
            "size": self.size_spin.value(),
            "span": self.span_spin.value(),
            "dim_x": max(0, self.dim_x.currentIndex()),
            "dim_y": max(0, self.dim_y.currentIndex()),
            "a": self.a_spin.value(),
            "b": self.b_spin.value(),
            "steps": self.steps_spin.value(),
            "count": self.count_spin.value(),
            "seed": self.seed_spin.value(),
        }

    @property
    def busy(self) -> bool:
        return self.is_busy

    def _prepare(self) -> Work | None:
        if not self._applies():
            return None
        self.status.setText("Decoding…")
        return Work(
            compute_latent, (self.model, self.dataset, self.params()), self._show, "Decoding…"
        )

    def _applies(self) -> bool:
        """Whether the model has a latent space; if not, say so in place of the pictures."""
        reason = "Build or train a VAE or GAN to explore its latent space."
        if self.model is not None:
            try:
                gen.latent_model(self.model)
                return True
            except gen.GenerativeError as exc:
                reason = str(exc)
        self._token += 1  # a job still running for an earlier model is dropped
        self.result = None
        self.status.setText(reason)
        for grid in (self.grid_view, self.interp_view, self.samples_view):
            grid.show_message("Not available for this model.")
        return False

    def _show(self, outcome: Any) -> None:
        if isinstance(outcome, JobFailed):
            self.status.setText("")
            self.show_error(outcome.message)
            return
        self.result = outcome
        self.status.setText(
            f"{outcome['kind'].upper()} with a {outcome['latent_dim']}-number latent code"
        )
        if "grid" in outcome:
            self.grid_view.set_images(gray_tiles(outcome["grid"]), columns=self.size_spin.value())
        else:
            self.grid_view.show_message("A 2-D grid needs at least two latent dimensions.")
        if "latent_path" in outcome:
            both = np.concatenate([outcome["latent_path"], outcome["pixel_fade"]])
            self.interp_view.set_images(gray_tiles(both), columns=self.steps_spin.value())
        else:
            self.interp_view.show_message(
                "Interpolation needs an encoder (a VAE) and a dataset with two samples."
            )
        self.samples_view.set_images(gray_tiles(outcome["samples"]))
