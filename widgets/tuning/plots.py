"""Two views of a search: the objective of each trial (with the best so far), and the
objective against parameter count with the Pareto front drawn through it.

Both hold their items and only ``setData`` new points, so a long search costs no more per
trial than a short one.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from studio.tuning.objective import Objective, Scored, pareto_front
from studio.tuning.search import TrialRecord


class SearchPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.per_trial = pg.PlotWidget()
        self.per_trial.setLabel("bottom", "trial")
        self.per_trial.showGrid(x=True, y=True, alpha=0.2)
        self.trial_points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(70, 130, 200, 200))
        self.best_line = pg.PlotDataItem(pen=pg.mkPen(220, 120, 40, width=2), stepMode=None)
        self.per_trial.addItem(self.trial_points)
        self.per_trial.addItem(self.best_line)
        self.versus = pg.PlotWidget()
        self.versus.setLabel("bottom", "parameters")
        self.versus.setLogMode(x=True, y=False)
        self.versus.showGrid(x=True, y=True, alpha=0.2)
        self.param_points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(120, 120, 120, 160))
        self.front_line = pg.PlotDataItem(
            pen=pg.mkPen(40, 160, 90, width=2),
            symbol="o",
            symbolBrush=pg.mkBrush(40, 160, 90),
            symbolSize=9,
        )
        self.versus.addItem(self.param_points)
        self.versus.addItem(self.front_line)
        for plot in (self.per_trial, self.versus):
            plot.setBackground("w")  # as the training curves
        self.per_trial.setTitle("metric per trial (line: best so far)", size="9pt")
        self.versus.setTitle("metric vs parameters (green: Pareto front)", size="9pt")
        layout.addWidget(self.per_trial)
        layout.addWidget(self.versus)
        self.front: list[Scored] = []
        self._shown: tuple[Objective, list[Scored | None]] | None = None

    def show_trials(self, trials: list[TrialRecord], objective: Objective) -> None:
        """Draw these trials; the same ones again cost nothing (every project open shows
        the stored search, most often none: relabelling the axes took tens of ms)."""
        scored = [t.scored() for t in trials]
        if self._shown == (objective, scored):
            return
        if self._shown is None or self._shown[0].metric != objective.metric:
            self.per_trial.setLabel("left", objective.metric)
            self.versus.setLabel("left", objective.metric)
        self._shown = (objective, scored)
        done = [(i, s) for i, s in enumerate(scored) if s is not None]
        xs = [float(i) for i, _ in done]
        ys = [s.metric for _, s in done]
        self.trial_points.setData(xs, ys)
        best: list[float] = []
        for y in ys:
            best.append(y if not best or objective.better(y, best[-1]) else best[-1])
        self.best_line.setData(xs, best)
        self.param_points.setData([float(s.params) for _, s in done], ys)
        self.front = pareto_front([s for _, s in done], objective)
        self.front_line.setData(
            [float(max(s.params, 1)) for s in self.front], [s.metric for s in self.front]
        )
