"""An autoencoder's reconstructions and, on labelled data, anomaly detection by their error.

Top: originals next to their reconstructions — for a denoising autoencoder (one with a
``GaussianNoise`` layer) the noisy inputs it is shown too, with the noise level editable —
as image rows, or as curves for 1-D series such as heartbeats. Bottom, when the dataset says
which validation samples are abnormal (``metadata["val_labels"]``, as the bundled ``ecg`` set
does): the reconstruction-error histogram of normal and abnormal samples, a threshold slider
(also draggable on the histogram) and the precision and recall that threshold gives.
Predictions run on a worker thread; moving the threshold only recounts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
)

from studio.data.dataset import Dataset
from studio.inspect import generative as gen
from studio.inspect.evaluation import split_arrays
from widgets.common.jobs import JobFailed
from widgets.inspect.common import InspectView, Work, sample_count
from widgets.inspect.image_grid import ImageGrid
from widgets.inspect.latent import gray_tiles

if TYPE_CHECKING:  # widgets only hold models the core built
    import keras

log = logging.getLogger(__name__)

SLIDER_STEPS = 1000
HISTOGRAM_BINS = 50
MAX_TRAIN_FOR_THRESHOLD = 2000


def _inputs(dataset: Dataset) -> np.ndarray:
    x, _, _ = split_arrays(dataset)
    if isinstance(x, list):
        raise gen.GenerativeError("an autoencoder view needs one input array")
    return np.asarray(x)


def anomaly_labels(dataset: Dataset | None) -> np.ndarray | None:
    """0/1 labels of the validation samples when the dataset carries them."""
    if dataset is None or dataset.x_val is None or isinstance(dataset.x_val, list):
        return None
    labels = dataset.metadata.get("val_labels")
    if labels is None or len(labels) != len(dataset.x_val):
        return None
    return np.asarray(labels).astype(int)


def compute_reconstruction(
    model: keras.Model, dataset: Dataset, params: dict[str, Any]
) -> dict[str, Any]:
    """Reconstructions of the chosen samples and, with labels, every validation error."""
    gen.check_autoencoder(model)
    x = _inputs(dataset)
    start = min(params["start"], max(0, len(x) - 1))
    chosen = x[start : start + params["count"]]
    clean, plain = gen.reconstruct(model, chosen)
    result: dict[str, Any] = {"originals": clean, "reconstructions": plain, "start": start}
    if params["noise"] > 0:
        noisy, denoised = gen.reconstruct(model, chosen, noise=params["noise"])
        result.update(noisy=noisy, denoised=denoised)
    labels = anomaly_labels(dataset)
    if labels is not None:
        errors = gen.reconstruction_errors(model, np.asarray(dataset.x_val))
        train = np.asarray(dataset.x_train)[:MAX_TRAIN_FOR_THRESHOLD]
        train_labels = dataset.metadata.get("train_labels")
        if train_labels is not None:
            train = train[np.asarray(train_labels)[: len(train)] == 0]
        normal_train = gen.reconstruction_errors(model, train)
        result.update(errors=errors, labels=labels, suggested=gen.suggested_threshold(normal_train))
    return result


class ReconstructionView(InspectView):
    """Originals vs reconstructions (and noisy inputs), plus reconstruction-error anomalies."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._token = 0
        self.result: dict[str, Any] | None = None
        self.detection: gen.Detection | None = None
        self.start_spin = QSpinBox(minimum=0, maximum=0)
        self.count_spin = QSpinBox(minimum=1, maximum=32, value=8)
        self.noise_spin = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, decimals=2)
        self.status = QLabel("")
        controls = QHBoxLayout()
        for label, widget in (
            ("First sample", self.start_spin),
            ("count", self.count_spin),
            ("input noise σ", self.noise_spin),
        ):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        controls.addStretch(1)
        self.body.addLayout(controls)
        self.body.addWidget(self.status)

        self.images = ImageGrid(cell=56)
        self.curves = pg.PlotWidget()
        self.curves.addLegend()
        self.curves.setLabel("bottom", "step")
        self.original_curve = self.curves.plot(pen=pg.mkPen("#4a90d9", width=2), name="original")
        self.recon_curve = self.curves.plot(pen=pg.mkPen("#d9534f", width=2), name="reconstruction")
        self.shown = QStackedWidget()
        self.shown.addWidget(self.images)
        self.shown.addWidget(self.curves)
        recon_box = QGroupBox("Originals and reconstructions")
        QVBoxLayout(recon_box).addWidget(self.shown)
        self.body.addWidget(recon_box, 2)

        self.anomaly_box = QGroupBox("Anomaly detection by reconstruction error")
        self.histogram = pg.PlotWidget()
        self.histogram.addLegend()
        self.histogram.setLabel("bottom", "reconstruction error (mean |x − x̂|)")
        self.histogram.setLabel("left", "samples")
        self.normal_hist = self.histogram.plot(
            stepMode="center", fillLevel=0, brush=(60, 160, 90, 120), name="normal"
        )
        self.abnormal_hist = self.histogram.plot(
            stepMode="center", fillLevel=0, brush=(210, 70, 70, 120), name="abnormal"
        )
        self.threshold_line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#f0ad4e"))
        self.histogram.addItem(self.threshold_line)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.threshold_label = QLabel("")
        self.scores_label = QLabel("")
        anomaly = QVBoxLayout(self.anomaly_box)
        anomaly.addWidget(self.histogram, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Threshold"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.threshold_label)
        anomaly.addLayout(row)
        anomaly.addWidget(self.scores_label)
        self.anomaly_box.hide()
        self.body.addWidget(self.anomaly_box, 2)

        for spin in (self.start_spin, self.count_spin, self.noise_spin):
            spin.valueChanged.connect(self.schedule_refresh)
        self.slider.valueChanged.connect(self._slider_moved)
        self.threshold_line.sigPositionChanged.connect(self._line_moved)

    # -- inputs --------------------------------------------------------------------------
    def _model_changed(self) -> None:
        self.noise_spin.blockSignals(True)
        self.noise_spin.setValue(gen.training_noise(self.model) if self.model else 0.0)
        self.noise_spin.blockSignals(False)

    def _dataset_changed(self) -> None:
        self.start_spin.blockSignals(True)
        self.start_spin.setMaximum(max(0, sample_count(self.dataset) - 1))
        self.start_spin.blockSignals(False)

    def params(self) -> dict[str, Any]:
        return {
            "start": self.start_spin.value(),
            "count": self.count_spin.value(),
            "noise": self.noise_spin.value(),
        }

    @property
    def busy(self) -> bool:
        return self.is_busy

    def _prepare(self) -> Work | None:
        if not self._applies():
            return None
        self.status.setText("Reconstructing…")
        return Work(
            compute_reconstruction,
            (self.model, self.dataset, self.params()),
            self._show,
            "Reconstructing…",
        )

    def _applies(self) -> bool:
        """Whether the model reconstructs its input; if not, say so in place of the views."""
        reason = "Needs a model and a dataset: build an autoencoder and pick data."
        if self.model is not None and self.dataset is not None:
            try:
                gen.check_autoencoder(self.model)
                return True
            except gen.GenerativeError as exc:
                reason = f"Reconstructions need an autoencoder: {exc}."
        self._token += 1
        self.result = None
        self.detection = None
        self.status.setText(reason)
        self.images.show_message("Not available for this model.")
        self.shown.setCurrentWidget(self.images)
        self.anomaly_box.hide()
        return False

    # -- drawing -------------------------------------------------------------------------
    def _show(self, outcome: Any) -> None:
        self.status.setText("")
        if isinstance(outcome, JobFailed):
            self.show_error(outcome.message)
            return
        self.result = outcome
        originals = outcome["originals"]
        if originals.ndim >= 3:  # images: rows of noisy (if any), original, reconstruction
            rows = [outcome.get("noisy"), originals, outcome["reconstructions"]]
            if "denoised" in outcome:
                rows[2] = outcome["denoised"]
            rows = [r for r in rows if r is not None]
            self.images.set_images(gray_tiles(np.concatenate(rows)), columns=len(originals))
            self.shown.setCurrentWidget(self.images)
            what = (
                "noisy inputs, originals, reconstructions"
                if len(rows) == 3
                else ("originals (top), reconstructions (bottom)")
            )
            self.status.setText(f"Samples {outcome['start']}…: {what}")
        else:  # 1-D series: the first chosen sample as two curves
            series = originals.reshape(len(originals), -1)
            recon = np.asarray(outcome["reconstructions"]).reshape(len(originals), -1)
            self.original_curve.setData(series[0])
            self.recon_curve.setData(recon[0])
            self.shown.setCurrentWidget(self.curves)
            error = float(np.abs(series[0] - recon[0]).mean())
            self.status.setText(
                f"Sample {outcome['start']}{self._sample_kind(outcome['start'])}: "
                f"mean |x − x̂| = {error:.4f}"
            )
        self._show_anomalies(outcome)

    def _sample_kind(self, index: int) -> str:
        """`` (normal)`` or `` (abnormal: kind)`` for a labelled validation sample."""
        labels = anomaly_labels(self.dataset)
        if labels is None or index >= len(labels):
            return ""
        if not labels[index]:
            return " (normal)"
        kinds = self.dataset.metadata.get("val_kinds")
        names = self.dataset.metadata.get("abnormal_kinds") or []
        kind = int(kinds[index]) if kinds is not None else -1
        return f" (abnormal: {names[kind]})" if 0 <= kind < len(names) else " (abnormal)"

    def _show_anomalies(self, outcome: dict[str, Any]) -> None:
        if "errors" not in outcome:
            self.anomaly_box.hide()
            self.detection = None
            return
        errors, labels = outcome["errors"], outcome["labels"]
        lo, hi = float(errors.min()), float(errors.max())
        self._range = (lo, hi if hi > lo else lo + 1e-6)
        edges = np.linspace(self._range[0], self._range[1], HISTOGRAM_BINS + 1)
        self.normal_hist.setData(edges, np.histogram(errors[labels == 0], edges)[0])
        self.abnormal_hist.setData(edges, np.histogram(errors[labels == 1], edges)[0])
        self.anomaly_box.show()
        self.set_threshold(min(max(outcome["suggested"], self._range[0]), self._range[1]))

    # -- threshold -----------------------------------------------------------------------
    def set_threshold(self, value: float) -> None:
        """Move the slider and the line to ``value`` and recount precision and recall."""
        lo, hi = self._range
        self.slider.blockSignals(True)
        self.slider.setValue(round((value - lo) / (hi - lo) * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self._apply(value)

    def _slider_moved(self, step: int) -> None:
        lo, hi = self._range
        self._apply(lo + (hi - lo) * step / SLIDER_STEPS)

    def _line_moved(self) -> None:
        value = float(self.threshold_line.value())
        if self.detection is None or abs(value - self.detection.threshold) < 1e-12:
            return
        self.set_threshold(value)

    def _apply(self, value: float) -> None:
        if self.result is None or "errors" not in self.result:
            return
        self.detection = gen.detect(self.result["errors"], self.result["labels"], value)
        self.threshold_line.blockSignals(True)
        self.threshold_line.setValue(value)
        self.threshold_line.blockSignals(False)
        d = self.detection
        self.threshold_label.setText(f"{value:.4f}")
        self.scores_label.setText(
            f"precision {d.precision:.3f} · recall {d.recall:.3f} · accuracy {d.accuracy:.3f}"
            f"   (flagged {d.true_positives + d.false_positives}: {d.true_positives} abnormal, "
            f"{d.false_positives} normal; missed {d.false_negatives} abnormal)"
        )
