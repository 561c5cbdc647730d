"""HistogramsView: weight or activation distributions of the selected layer."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from studio.inspect import activation_histograms, probe_for, split_arrays, weight_histograms
from widgets.inspect.common import InspectView, Work, fill_combo

COLOURS = ["#5fa8d3", "#f4a259", "#8cb369", "#bc4b51", "#9b72cf"]


class HistogramsView(InspectView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(["weights", "activations"])
        self.layer_combo = QComboBox()
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(1, 4096)
        self.samples_spin.setValue(64)
        row = QHBoxLayout()
        for label, w in [
            ("Show", self.kind_combo),
            ("Layer", self.layer_combo),
            ("Samples", self.samples_spin),
        ]:
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addStretch()
        self.body.addLayout(row)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("#282828")
        self.plot.addLegend()
        self.info = QLabel(wordWrap=True)
        self.body.addWidget(self.plot, 1)
        self.body.addWidget(self.info)
        self.kind_combo.currentTextChanged.connect(lambda _: self.schedule_refresh())
        self.samples_spin.valueChanged.connect(lambda _: self.schedule_refresh())
        self.layer_combo.currentTextChanged.connect(self._on_layer_picked)

    def _model_changed(self) -> None:
        names = [layer.name for layer in self.model.layers] if self.model is not None else []
        fill_combo(self.layer_combo, names, self.layer_name)

    def _layer_changed(self) -> None:
        if self.layer_name:
            self.layer_combo.blockSignals(True)
            self.layer_combo.setCurrentText(self.layer_name)
            self.layer_combo.blockSignals(False)

    def _on_layer_picked(self, name: str) -> None:
        if name:
            self.layer_name = name
            self.layerChosen.emit(name)
            self.schedule_refresh()

    def histograms(self) -> list:
        """The histograms for the current choices, computed here (for tests and export)."""
        return compute_histograms(*self._choices())

    def _choices(self) -> tuple:
        name = self.layer_combo.currentText()
        return (
            self.model,
            name,
            self.kind_combo.currentText(),
            self.dataset,
            self.samples_spin.value(),
        )

    def _prepare(self) -> Work | None:
        self.plot.clear()
        if self.model is None:
            self.info.setText("No model.")
            return None
        return Work(compute_histograms, self._choices(), self._show, "Counting values…")

    def _show(self, hists: list) -> None:
        self.plot.clear()
        if not hists:
            self.info.setText("This layer has no weights." if self.model else "No model.")
            return
        lines = []
        for i, h in enumerate(hists):
            if h.size == 0:
                continue
            colour = COLOURS[i % len(COLOURS)]
            self.plot.plot(
                h.edges,
                h.counts,
                stepMode="center",
                fillLevel=0,
                brush=pg.mkBrush(colour + "80"),
                pen=colour,
                name=h.name,
            )
            lines.append(
                f"{h.name}: n={h.size:,} mean={h.mean:.4g} std={h.std:.4g} "
                f"range=[{h.min:.4g}, {h.max:.4g}] zeros={h.zero_fraction:.1%}"
            )
        self.info.setText("\n".join(lines))


def compute_histograms(model, name: str, kind: str, dataset, n: int) -> list:
    """Worker-thread part: weight or activation histograms of one layer."""
    if model is None or not name:
        return []
    if kind == "weights":
        return weight_histograms(model.get_layer(name))
    if dataset is None:
        raise ValueError("Activation histograms need a dataset.")
    x, _, _ = split_arrays(dataset)
    batch = [a[:n] for a in x] if isinstance(x, list) else x[:n]
    probe = probe_for(model)
    if name not in probe.layer_names:
        raise ValueError(f"Layer {name!r} has no output to measure.")
    return list(activation_histograms(probe, batch, [name]).values())
