"""The live trials table: one row per trial with its status, objective, parameter count, time,
whether it is on the Pareto front, and the value of every searched setting."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from studio.tuning.objective import Objective
from studio.tuning.search import SearchResult, TrialRecord

FIXED_COLUMNS = ("trial", "status", "metric", "params", "time", "front")


def _text(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class TrialsTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(FIXED_COLUMNS), parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.trials: list[TrialRecord] = []

    def show_trials(
        self,
        trials: list[TrialRecord],
        labels: dict[str, str],
        objective: Objective,
        budget: int | None,
    ) -> None:
        """Rebuild the rows; ``labels`` name the searched values' columns."""
        self.trials = list(trials)
        keys: list[str] = list(dict.fromkeys(k for t in trials for k in t.values))
        self.setColumnCount(len(FIXED_COLUMNS) + len(keys))
        self.setHorizontalHeaderLabels(
            ["trial", "status", objective.metric, "params", "time", "front"]
            + [labels.get(k, k) for k in keys]
        )
        self.horizontalHeaderItem(5).setToolTip(
            "★: on the Pareto front (no other trial is better and smaller at once)"
        )
        front = {
            t.trial_id for t in SearchResult("completed", "", trials, objective, budget).pareto
        }
        self.setRowCount(len(trials))
        for row, t in enumerate(trials):
            cells = [
                t.trial_id,
                t.status.replace("_", " "),
                "" if t.metric is None else f"{t.metric:.4f}",
                "" if t.params is None else f"{t.params:,}",
                f"{t.seconds:.1f}s" if t.seconds else "",
                "★" if t.trial_id in front else "",
                *(_text(t.values.get(k, "")) for k in keys),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1 and t.message:
                    item.setToolTip(t.message)
                self.setItem(row, col, item)

    def selected_trial(self) -> TrialRecord | None:
        rows = {i.row() for i in self.selectedItems()}
        return self.trials[rows.pop()] if len(rows) == 1 and self.trials else None
