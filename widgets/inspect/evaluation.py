"""EvaluationView: confusion matrix, per-class scores, worst samples, regression and PCA plots.

Predicting, scoring and the PCA run in the session's Keras process on a copy of the model
(``run_with_model``): TensorFlow traces the prediction function in calls that hold the
interpreter lock, which stalled this window's UI thread for 50-100 ms per evaluation of a
big model when it ran on a worker thread here.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.inspect import Evaluation, split_arrays
from studio.inspect.evaluation import evaluate_with_projection, project_layer
from studio.interop.child_process import run_with_model
from widgets.common.jobs import JobFailed
from widgets.inspect.class_table import ClassTable
from widgets.inspect.common import InspectView, Work, fill_combo, image_of, layer_names
from widgets.inspect.image_grid import ImageGrid

# Tableau 10: distinct neighbours, so classes 0, 1, 2 never look alike.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
MAX_GRID = 64


def _plot() -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground("#282828")
    return plot


class ConfusionPlot(QWidget):
    """Heat map with counts (or row shares) written in each cell; true classes on rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.normalised = QCheckBox("Normalise rows")
        self.plot = _plot()
        self.plot.invertY(True)
        self.plot.setLabel("bottom", "predicted")
        self.plot.setLabel("left", "true")
        layout = QVBoxLayout(self)
        layout.addWidget(self.normalised)
        layout.addWidget(self.plot, 1)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self._texts: list[pg.TextItem] = []
        self._result: Evaluation | None = None
        self.normalised.toggled.connect(lambda _: self.show_result(self._result))

    def show_result(self, result: Evaluation | None) -> None:
        self._result = result
        for t in self._texts:
            self.plot.removeItem(t)
        self._texts = []
        if result is None or result.confusion is None:
            self.image.clear()
            return
        norm = self.normalised.isChecked()
        matrix = result.confusion_normalised if norm else result.confusion
        self.image.setImage(np.asarray(matrix, "float64").T, levels=(0, float(matrix.max()) or 1))
        n = matrix.shape[0]
        if n <= 30:
            for i in range(n):
                for j in range(n):
                    text = f"{matrix[i, j]:.2f}" if norm else str(int(matrix[i, j]))
                    item = pg.TextItem(text, color="w", anchor=(0.5, 0.5))
                    item.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(item)
                    self._texts.append(item)
        names = result.report.names if result.report else [str(i) for i in range(n)]
        # Named ticks for a readable number of classes; 1000 ImageNet labels drawn on every
        # paint froze the window for seconds, so beyond 30 the axes keep plain numbers.
        ticks = [[(i + 0.5, names[i]) for i in range(n)]] if n <= 30 else None
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.autoRange()


class EvaluationView(InspectView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.evaluate_button = QPushButton("Evaluate")
        self.max_spin = QSpinBox()
        self.max_spin.setRange(10, 1_000_000)
        self.max_spin.setValue(2000)
        self.summary = QLabel(wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(self.evaluate_button)
        row.addWidget(QLabel("Max samples"))
        row.addWidget(self.max_spin)
        row.addWidget(self.summary, 1)
        self.body.addLayout(row)

        self.tabs = QTabWidget()
        self.confusion = ConfusionPlot()
        self.class_table = ClassTable()
        self.samples = ImageGrid(cell=56)
        self.regression = _plot()
        self.regression.setLabel("bottom", "true")
        self.regression.setLabel("left", "predicted")
        self.residuals = _plot()
        self.residuals.setLabel("bottom", "predicted")
        self.residuals.setLabel("left", "residual")
        regression_page = QWidget()
        reg_layout = QHBoxLayout(regression_page)
        reg_layout.addWidget(self.regression)
        reg_layout.addWidget(self.residuals)
        self.pca_layer = QComboBox()
        self.pca_plot = _plot()
        pca_page = QWidget()
        pca_layout = QVBoxLayout(pca_page)
        pca_row = QHBoxLayout()
        pca_row.addWidget(QLabel("Layer"))
        pca_row.addWidget(self.pca_layer)
        pca_row.addStretch()
        pca_layout.addLayout(pca_row)
        pca_layout.addWidget(self.pca_plot, 1)
        self.tabs.addTab(self.confusion, "Confusion")
        self.tabs.addTab(self.class_table, "Per class")
        self.tabs.addTab(self.samples, "Samples")
        self.tabs.addTab(regression_page, "Regression")
        self.tabs.addTab(pca_page, "PCA")
        self.body.addWidget(self.tabs, 1)
        self.result: Evaluation | None = None
        self._pca_generation = 0
        self.pca_status = QLabel()
        pca_row.addWidget(self.pca_status)
        self.evaluate_button.clicked.connect(self.refresh)
        self.pca_layer.currentTextChanged.connect(lambda _: self._request_pca())

    def _model_changed(self) -> None:
        self.result = None
        names = layer_names(self.model)
        fill_combo(self.pca_layer, names, self.layer_name)
        if names and self.pca_layer.currentText() != self.layer_name:
            # Default to the layer before the output: the representation the head classifies.
            self.pca_layer.blockSignals(True)
            self.pca_layer.setCurrentIndex(max(0, len(names) - 2))
            self.pca_layer.blockSignals(False)

    def _layer_changed(self) -> None:
        names = [self.pca_layer.itemText(i) for i in range(self.pca_layer.count())]
        if self.layer_name in names:
            fill_combo(self.pca_layer, names, self.layer_name)
            self._request_pca()

    def _prepare(self) -> Work | None:
        self.result = None
        if self.model is None or self.dataset is None:
            self.summary.setText("Set a model and a dataset to evaluate.")
            return None
        self.summary.setText("")
        return Work(
            run_with_model,
            (
                evaluate_with_projection,
                self.model,
                self.dataset,
                self.max_spin.value(),
                self.pca_layer.currentText(),
            ),
            self._show,
            f"Predicting up to {self.max_spin.value():,} samples…",
        )

    def _show(self, outcome) -> None:
        r, projection = outcome
        self.result = r
        parts = [f"{r.split} split, {len(r.y_true)} samples"]
        if r.loss is not None:
            parts.append(f"loss {r.loss:.4g}")
        parts += [f"{k} {v:.4g}" for k, v in r.metrics.items()]
        if r.note:
            parts.append(r.note)
        self.summary.setText(" · ".join(parts))
        self.confusion.show_result(r)
        self.class_table.show_report(r.report)
        self._draw_samples(r)
        self._draw_regression(r)
        self._draw_projection(projection)
        self.tabs.setCurrentIndex(0 if r.is_classification else 3)

    def _x(self):
        x, _, _ = split_arrays(self.dataset)
        x = x[0] if isinstance(x, list) else x
        return x[: self.max_spin.value()]

    def _draw_samples(self, r: Evaluation) -> None:
        x = self._x()
        picks = r.order[:MAX_GRID]
        images = [image_of(x[i]) for i in picks]
        if not len(picks) or any(im is None or im.ndim != 2 for im in images):
            self.samples.show_message("Samples are not single-channel images.")
            return
        if r.is_classification:
            names = r.report.names
            labels = [
                f"{'✗' if r.y_true[i] != r.y_pred[i] else '✓'} "
                f"{names[r.y_true[i]]}→{names[r.y_pred[i]]}"
                for i in picks
            ]
        else:
            labels = [f"err {r.residuals[i]:+.3g}" for i in picks]
        self.samples.set_images(np.stack(images), labels)

    def _draw_regression(self, r: Evaluation) -> None:
        self.regression.clear()
        self.residuals.clear()
        if r.residuals is None:
            return
        self.regression.plot(
            r.y_true, r.y_pred, pen=None, symbol="o", symbolSize=5, symbolBrush="#5fa8d3"
        )
        lo, hi = (
            float(min(r.y_true.min(), r.y_pred.min())),
            float(max(r.y_true.max(), r.y_pred.max())),
        )
        self.regression.plot(
            [lo, hi], [lo, hi], pen=pg.mkPen("#f4a259", style=Qt.PenStyle.DashLine)
        )
        self.residuals.plot(
            r.y_pred, r.residuals, pen=None, symbol="o", symbolSize=5, symbolBrush="#bc4b51"
        )
        self.residuals.addLine(y=0, pen="#888")

    def _request_pca(self) -> None:
        """Project the chosen layer's activations on the worker; a newer choice wins."""
        self._pca_generation += 1
        generation = self._pca_generation
        layer = self.pca_layer.currentText()
        if self.model is None or self.dataset is None or not layer or not self.isVisible():
            return
        if self.runner is None:
            from widgets.common.jobs import JobRunner

            self.runner = JobRunner(self)
        labels = self.result.y_true if self.result and self.result.is_classification else None
        self.pca_status.setText(f"Projecting {layer}…")
        self.runner.run(
            run_with_model,
            project_layer,
            self.model,
            self.dataset,
            self.max_spin.value(),
            layer,
            labels,
            key=f"pca-{id(self)}",
            on_done=lambda outcome: self._pca_arrived(generation, outcome),
        )

    def _pca_arrived(self, generation: int, outcome) -> None:
        if generation != self._pca_generation:
            return
        self.pca_status.setText("")
        if isinstance(outcome, JobFailed):
            self.show_error(outcome.message)
            return
        self._draw_projection(outcome)

    def _draw_projection(self, projection) -> None:
        self.pca_plot.clear()
        if projection is None:
            return
        layer, proj, labels = projection
        if labels is None:
            brushes = "#5fa8d3"
        else:
            brushes = [pg.mkBrush(PALETTE[int(c) % len(PALETTE)]) for c in labels]
        self.pca_plot.addItem(
            pg.ScatterPlotItem(
                proj.points[:, 0], proj.points[:, 1], size=6, pen=None, brush=brushes
            )
        )
        ev = proj.explained_variance_ratio
        self.pca_plot.setTitle(f"{layer}: PC1 {ev[0]:.0%}, PC2 {ev[1]:.0%} of variance")
