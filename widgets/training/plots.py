"""Live training curves: one plot per metric, train and validation, batches and epochs, many runs.

Points are appended to plain lists as they arrive; a 50 ms timer pushes changed series into
their existing curve items with ``setData`` so a fast run costs at most 20 redraws a second no
matter how often updates come in.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.training.runs import RunRecord

REDRAW_MS = 100  # at most 10 redraws a second: each costs ~10 ms of UI time
SKIPPED_KEYS = {"epoch", "batch", "step", "time", "seconds", "val_seconds", "samples"}


@dataclass
class _Series:
    """One curve's points; ``ema`` carries batch smoothing across appends."""

    run_id: str
    name: str
    kind: str
    curve: pg.PlotDataItem
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    ema: float | None = None
    dirty: bool = False


def _base_metric(name: str) -> str:
    return name[4:] if name.startswith("val_") else name


class TrainingPlots(QWidget):
    """Curves of one or several runs; ``smoothing`` is the EMA weight kept per batch sample."""

    def __init__(self, parent: QWidget | None = None, smoothing: float = 0.6) -> None:
        super().__init__(parent)
        self.smoothing = smoothing
        self._series: dict[tuple[str, str, str], _Series] = {}
        self._plots: dict[str, pg.PlotItem] = {}
        self._cursors: dict[str, pg.InfiniteLine] = {}
        self._run_colors: dict[str, object] = {}
        self._run_labels: dict[str, str] = {}
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.hover_label = QLabel(" ")
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        png = QPushButton("Export PNG…")
        png.clicked.connect(self._ask_png)
        table = QPushButton("Export CSV…")
        table.clicked.connect(self._ask_csv)
        bar = QHBoxLayout()
        bar.addWidget(self.hover_label, 1)
        bar.addWidget(png)
        bar.addWidget(table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._flush)
        self._mouse = pg.SignalProxy(
            self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )

    # -- feeding data ----------------------------------------------------------------------
    def start_run(self, run_id: str, label: str | None = None) -> None:
        """Give a run its colour and legend name before its first point arrives."""
        if run_id not in self._run_colors:
            self._run_colors[run_id] = pg.intColor(len(self._run_colors), hues=9)
        self._run_labels[run_id] = label or run_id

    def prepare(self, metric_names: list[str]) -> None:
        """Have a plot for each of these metrics. Plots left empty by ``forget_runs`` for
        metrics not among them (another project's) are taken away first."""
        wanted = {_base_metric(name) for name in metric_names}
        holding = {_base_metric(series.name) for series in self._series.values()}
        if any(base not in wanted and base not in holding for base in self._plots):
            self._forget_plots()
        for name in metric_names:
            self._plot_for(_base_metric(name))

    def add_batch(self, run_id: str, step: float, logs: dict[str, float]) -> None:
        """A sampled batch at fractional epoch ``step``; values are EMA-smoothed."""
        for name, value in logs.items():
            if name in SKIPPED_KEYS:
                continue
            series = self._get(run_id, name, "batch")
            series.ema = (
                value
                if series.ema is None
                else (self.smoothing * series.ema + (1 - self.smoothing) * value)
            )
            self._append(series, step, series.ema)

    def add_epoch(self, run_id: str, epoch: int, logs: dict[str, float]) -> None:
        """End of epoch ``epoch`` (counted from 1), drawn at x = epoch."""
        for name, value in logs.items():
            if name not in SKIPPED_KEYS:
                self._append(self._get(run_id, name, "epoch"), float(epoch), value)

    def show_record(self, record: RunRecord, label: str | None = None) -> None:
        """Draw a finished run from its record, replacing what was drawn for it."""
        self.remove_run(record.id)
        self.start_run(record.id, label)
        for row in record.batches:
            self.add_batch(record.id, row["step"], row)
        for row in record.epochs:
            self.add_epoch(record.id, int(row["epoch"]), row)
        self._flush()

    def remove_run(self, run_id: str) -> None:
        for key in [k for k in self._series if k[0] == run_id]:
            series = self._series.pop(key)
            self._plots[_base_metric(series.name)].removeItem(series.curve)
        self._run_colors.pop(run_id, None)
        self._run_labels.pop(run_id, None)

    def clear(self) -> None:
        """Forget every run and every plot."""
        self._forget_runs()
        self._forget_plots()

    def forget_runs(self) -> None:
        """Forget every run and keep the plots, empty. Making a plot costs 15-30 ms of the UI
        thread (80 ms measured when it landed beside a compile at the Train click), and the
        next run most often logs the same metrics."""
        for plot in self._plots.values():
            if plot.legend is not None:
                plot.legend.clear()  # at once: curve by curve, it re-laid itself out each time
                plot.legend.hide()  # an empty legend is an empty box over the plot
        for series in self._series.values():
            self._plots[_base_metric(series.name)].removeItem(series.curve)
        for cursor in self._cursors.values():
            cursor.setVisible(False)
        self._forget_runs()

    def _forget_runs(self) -> None:
        self._series.clear()
        self._run_colors.clear()
        self._run_labels.clear()
        self.hover_label.setText(" ")

    def _forget_plots(self) -> None:
        self._plots.clear()
        self._cursors.clear()
        self.graphics.clear()

    # -- reading back ----------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        return list(self._run_colors)

    def metric_names(self) -> list[str]:
        return list(self._plots)

    def series(
        self, run_id: str, name: str, kind: str = "epoch"
    ) -> tuple[list[float], list[float]]:
        found = self._series.get((run_id, name, kind))
        return (list(found.xs), list(found.ys)) if found else ([], [])

    # -- drawing ---------------------------------------------------------------------------
    def _plot_for(self, base: str) -> pg.PlotItem:
        plot = self._plots.get(base)
        if plot is None:
            index = len(self._plots)
            plot = self.graphics.addPlot(row=index // 2, col=index % 2, title=base)
            # No grid: pyqtgraph draws it with the axes over the whole plot, which made each
            # redraw ~25 ms and the window stutter while training; the hover readout and the
            # crosshair give exact values instead.
            plot.setLabel("bottom", "epoch")
            # A small, see-through legend in two columns: long run names neither get clipped
            # at the plot's edge nor hide the curves behind an opaque box.
            plot.addLegend(
                offset=(-6, 6),
                labelTextSize="7pt",
                colCount=2,
                brush=pg.mkBrush(255, 255, 255, 150),
                pen=pg.mkPen(200, 200, 200, 180),
                verSpacing=-6,
            )
            plot.legend.hide()  # until a curve is named in it
            plot.setMinimumHeight(160)
            cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", width=1))
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)
            self._plots[base] = plot
            self._cursors[base] = cursor
        return plot

    def _get(self, run_id: str, name: str, kind: str) -> _Series:
        key = (run_id, name, kind)
        series = self._series.get(key)
        if series is None:
            self.start_run(run_id, self._run_labels.get(run_id))
            color = self._run_colors[run_id]
            validation = name.startswith("val_")
            style = Qt.PenStyle.DashLine if validation else Qt.PenStyle.SolidLine
            if kind == "batch":
                pen = pg.mkPen(color, width=1, style=style)
                curve = pg.PlotDataItem(pen=pen)
            else:
                pen = pg.mkPen(color, width=2, style=style)
                curve = pg.PlotDataItem(
                    pen=pen,
                    symbol="o",
                    symbolSize=5,
                    symbolBrush=color,
                    name=f"{self._run_labels[run_id]} {name}",
                )
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            plot = self._plot_for(_base_metric(name))
            plot.addItem(curve)
            plot.legend.setVisible(bool(plot.legend.items))
            series = _Series(run_id, name, kind, curve)
            self._series[key] = series
        return series

    def _append(self, series: _Series, x: float, y: float) -> None:
        series.xs.append(float(x))
        series.ys.append(float(y))
        series.dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        dirty = [s for s in self._series.values() if s.dirty]
        for series in dirty:
            series.curve.setData(series.xs, series.ys)
            series.dirty = False
        if not dirty:
            self._timer.stop()

    def _on_mouse_moved(self, event: tuple) -> None:
        position = event[0]
        for base, plot in self._plots.items():
            cursor = self._cursors[base]
            if not plot.sceneBoundingRect().contains(position):
                cursor.setVisible(False)
                continue
            x = plot.vb.mapSceneToView(position).x()
            cursor.setPos(x)
            cursor.setVisible(True)
            self.hover_label.setText(self._values_near(base, x))

    def _values_near(self, base: str, x: float) -> str:
        parts = [f"epoch {x:.2f}"]
        for series in self._series.values():
            if _base_metric(series.name) != base or not series.xs:
                continue
            i = min(range(len(series.xs)), key=lambda k: abs(series.xs[k] - x))
            run = self._run_labels.get(series.run_id, series.run_id)
            parts.append(
                f"{run} {series.name}{' (batch)' if series.kind == 'batch' else ''}"
                f" = {series.ys[i]:.4g}"
            )
        return "   ".join(parts)

    # -- export ----------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> None:
        self._flush()
        exporter = pyqtgraph.exporters.ImageExporter(self.graphics.scene())
        exporter.export(str(path))

    def export_csv(self, path: str | Path) -> None:
        """Long format (run, kind, metric, x, value) so runs with different metrics fit."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["run", "kind", "metric", "epoch", "value"])
            for series in self._series.values():
                for x, y in zip(series.xs, series.ys, strict=True):
                    writer.writerow([series.run_id, series.kind, series.name, x, y])

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot", "training.png", "PNG (*.png)")
        if path:
            self.export_png(path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export history", "history.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)
