"""Episode rewards of a reinforcement-learning run and their moving average, on one plot, live.

Fed from the trainer's ``epochEnded`` (one epoch is one episode in the ``dqn`` mode); points
are appended and pushed into the two existing curves with ``setData``, at most every 100 ms.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

REWARD = "reward"
MEAN = "reward_mean_100"


class EpisodePlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.PlotWidget(background="w", title="Episode reward")
        self.graphics.setLabel("bottom", "episode")
        self.graphics.addLegend(offset=(10, 10))
        self.reward_curve = self.graphics.plot(
            [], [], pen=pg.mkPen("#9bb7d4", width=1), name="reward"
        )
        self.mean_curve = self.graphics.plot(
            [], [], pen=pg.mkPen("#c0392b", width=2), name="100-episode mean"
        )
        self.episodes: list[float] = []
        self.rewards: list[float] = []
        self.means: list[float] = []
        self._dirty = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._flush)
        self._timer.start()

    def clear(self) -> None:
        self.episodes, self.rewards, self.means = [], [], []
        self._dirty = True
        self._flush()

    def add_epoch(self, info: dict) -> None:
        """One ``epochEnded`` payload; ignored when it carries no episode reward."""
        logs = info.get("logs") or {}
        if REWARD not in logs:
            return
        self.episodes.append(float(info["epoch"]))
        self.rewards.append(float(logs[REWARD]))
        self.means.append(float(logs.get(MEAN, logs[REWARD])))
        self._dirty = True

    def _flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.reward_curve.setData(self.episodes, self.rewards)
            self.mean_curve.setData(self.episodes, self.means)
