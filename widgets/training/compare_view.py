"""Compare runs: pick two or more, see their curves overlaid, their figures and settings side by
side, and restore one run's settings and weights as one undoable edit.

Runs come from this project's runs folder and from any other project's runs folder the user
adds, so a run of last week's design can be held against today's. The view only draws what
``studio.training.compare`` computes; restoring reads the weights on a worker thread and hands
a ``RestorePlan`` to whoever applies it (``RestoreRunCommand`` on the undo stack).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.graph import Graph
from studio.training.compare import (
    LoadedRun,
    RunComparison,
    compare_runs,
    format_value,
    list_runs,
    load_run_graph,
)
from studio.training.restore import RestorePlan, restore_plan
from studio.training.settings import TrainingError

log = logging.getLogger(__name__)

_PENS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


@dataclass(frozen=True)
class _Failed:
    message: str


class RestoreRunCommand(QUndoCommand):
    """Sets the project's training settings and the graph's weights from a run, as one step.

    Layers the run does not know keep their weights; undo puts back both the settings and
    every weight exactly as they were.
    """

    def __init__(
        self,
        project: Any,
        graph: Graph,
        plan: RestorePlan,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(f"Restore {plan.run}")
        self._project = project
        self._graph = graph
        self._plan = plan
        self._old_training = project.training
        self._old_weights = {k: list(v) for k, v in graph.weights.items()}
        self._on_change = on_change

    def redo(self) -> None:
        self._project.training = dict(self._plan.settings)
        self._graph.weights = {**self._old_weights, **self._plan.weights}
        if self._on_change is not None:
            self._on_change()

    def undo(self) -> None:
        self._project.training = self._old_training
        self._graph.weights = {k: list(v) for k, v in self._old_weights.items()}
        if self._on_change is not None:
            self._on_change()


class CompareView(QWidget):
    """``restoreReady`` carries a ``RestorePlan``; ``diffRequested`` two design graphs and
    their labels; ``message`` a line for the user."""

    restoreReady = Signal(object)
    diffRequested = Signal(object, object, str, str)
    message = Signal(str)

    def __init__(
        self,
        graph_provider: Callable[[], Graph] | None = None,
        parent: QWidget | None = None,
        jobs: Any = None,
    ) -> None:
        """``jobs`` runs long work off the UI thread (the window's ``JobRunner``: its
        ``run(fn, *args, on_done=...)`` reports a ``JobFailed``-like value with ``message``
        on failure); without one, the work runs in place."""
        super().__init__(parent)
        self._graph_provider = graph_provider
        self._folders: list[Path] = []
        self._runs: dict[str, LoadedRun] = {}
        self.comparison: RunComparison | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.jobs = jobs
        self._build()

    # ----- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.runs_list = QListWidget()
        self.add_folder_button = QPushButton("Add runs folder…")
        self.add_folder_button.setToolTip("Runs of another project (its NAME.runs folder)")
        self.add_folder_button.clicked.connect(self._ask_folder)
        self.metric_combo = QComboBox()
        self.metric_combo.currentTextChanged.connect(self._draw_curves)
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "epoch")
        self.legend = self.plot.addLegend()
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.settings_table = QTableWidget()
        self.settings_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.restore_combo = QComboBox()
        self.restore_button = QPushButton("Restore settings and weights")
        self.restore_button.setToolTip(
            "Put this run's training settings and best weights back into the project "
            "(one undoable step)"
        )
        self.restore_button.clicked.connect(self.restore_selected)
        self.diff_button = QPushButton("Architecture diff")
        self.diff_button.setToolTip("Compare the designs of the first two runs")
        self.diff_button.clicked.connect(self.diff_first_two)
        self.status = QLabel("Tick two or more runs to compare them.")
        self.status.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Runs"))
        left_layout.addWidget(self.runs_list, 1)
        left_layout.addWidget(self.add_folder_button)
        curves = QWidget()
        curves_layout = QVBoxLayout(curves)
        curves_layout.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Metric"))
        pick.addWidget(self.metric_combo, 1)
        curves_layout.addLayout(pick)
        curves_layout.addWidget(self.plot, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(curves, "Curves")
        self.tabs.addTab(self.table, "Metrics")
        self.tabs.addTab(self.settings_table, "Settings diff")
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 3)
        actions = QHBoxLayout()
        actions.addWidget(self.restore_combo, 1)
        actions.addWidget(self.restore_button)
        actions.addWidget(self.diff_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        self.runs_list.itemChanged.connect(lambda _item: self.update_comparison())
        self._enable()

    # ----- choosing runs ------------------------------------------------------------------------
    def set_runs_folder(self, folder: Path | None) -> None:
        """This project's runs; folders added by hand stay listed after it."""
        extra = self._folders[1:] if self._folders else []
        self._folders = ([Path(folder)] if folder is not None else []) + extra
        self.reload()

    def add_folder(self, folder: str | Path) -> int:
        """Add another project's runs; returns how many runs it holds."""
        path = Path(folder)
        if path.name.endswith(".studio.json"):
            from studio.project import Project

            path = Project.runs_dir_for(path)
        if path not in self._folders:
            self._folders.append(path)
        self.reload()
        found = len(list_runs(path))
        if not found:
            self._say(f"No runs found in {path}")
        return found

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Runs folder of another project")
        if folder:
            self.add_folder(folder)

    def reload(self) -> None:
        checked = set(self.checked_keys())
        self.runs_list.blockSignals(True)
        self.runs_list.clear()
        self._runs = {}
        several = len(self._folders) > 1
        for folder in self._folders:
            for run in reversed(list_runs(folder)):
                key = str(run.folder)
                self._runs[key] = run
                final = " ".join(
                    f"{k}={v:.3g}" for k, v in list(run.record.final_metrics.items())[:2]
                )
                where = f"{folder.name.removesuffix('.runs')}: " if several else ""
                item = QListWidgetItem(
                    f"{where}{run.label}  {run.record.started}  {run.record.status}  {final}"
                )
                item.setData(Qt.ItemDataRole.UserRole, key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if key in checked else Qt.CheckState.Unchecked
                )
                self.runs_list.addItem(item)
        self.runs_list.blockSignals(False)
        self.update_comparison()

    def run_keys(self) -> list[str]:
        return [
            self.runs_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.runs_list.count())
        ]

    def checked_keys(self) -> list[str]:
        return [
            self.runs_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.runs_list.count())
            if self.runs_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def check_runs(self, run_ids: list[str]) -> None:
        """Tick the runs with these ids (programmatic selection, e.g. from the Train tab)."""
        wanted = set(run_ids)
        self.runs_list.blockSignals(True)
        for i in range(self.runs_list.count()):
            item = self.runs_list.item(i)
            run = self._runs[item.data(Qt.ItemDataRole.UserRole)]
            item.setCheckState(
                Qt.CheckState.Checked if run.id in wanted else Qt.CheckState.Unchecked
            )
        self.runs_list.blockSignals(False)
        self.update_comparison()

    def checked_runs(self) -> list[LoadedRun]:
        # Oldest first, whatever order the list shows.
        runs = [self._runs[k] for k in self.checked_keys() if k in self._runs]
        return sorted(runs, key=lambda r: r.record.started)

    # ----- the comparison -----------------------------------------------------------------------
    def update_comparison(self) -> RunComparison | None:
        runs = self.checked_runs()
        self.comparison = None
        if len(runs) >= 2:
            try:
                self.comparison = compare_runs(runs)
            except TrainingError as exc:
                self._say(str(exc))
        self._fill()
        self._enable()
        if self.comparison is None:
            self.status.setText("Tick two or more runs to compare them.")
        else:
            self.status.setText(f"Comparing {len(runs)} runs.")
        return self.comparison

    def _enable(self) -> None:
        has = self.comparison is not None
        self.restore_button.setEnabled(has and self._graph_provider is not None)
        self.restore_combo.setEnabled(has)
        self.diff_button.setEnabled(has)

    def _fill(self) -> None:
        comparison = self.comparison
        current = self.metric_combo.currentText()
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        self.restore_combo.clear()
        if comparison is not None:
            self.metric_combo.addItems(list(comparison.curves))
            if current in comparison.curves:
                self.metric_combo.setCurrentText(current)
            for run, row in zip(self.checked_runs(), comparison.rows):
                self.restore_combo.addItem(row.run, str(run.folder))
        self.metric_combo.blockSignals(False)
        self._draw_curves()
        self._fill_table()
        self._fill_settings()

    def _draw_curves(self, *_args: Any) -> None:
        """One curve item per run, fed with ``setData``; items of runs no longer compared go."""
        metric = self.metric_combo.currentText()
        series = self.comparison.curves.get(metric, ()) if self.comparison else ()
        labels = [s.run for s in series]
        for label in list(self.curves):
            if label not in labels:
                self.plot.removeItem(self.curves.pop(label))
        self.legend.clear()
        for i, s in enumerate(series):
            curve = self.curves.get(s.run)
            if curve is None:
                pen = pg.mkPen(_PENS[i % len(_PENS)], width=2)
                curve = self.plot.plot([], [], pen=pen, symbol="o", symbolSize=5)
                self.curves[s.run] = curve
            curve.setData(list(s.x), list(s.y))
            self.legend.addItem(curve, s.run)
        self.plot.setLabel("left", metric)

    def _fill_table(self) -> None:
        comparison = self.comparison
        table = self.table
        table.clear()
        if comparison is None:
            table.setRowCount(0)
            table.setColumnCount(0)
            return
        lines: list[tuple[str, list[str]]] = [
            ("status", [r.status for r in comparison.rows]),
            ("epochs", [str(r.epochs) for r in comparison.rows]),
            ("train time (s)", [f"{r.train_seconds:.1f}" for r in comparison.rows]),
            ("parameters", [format_value(r.params) for r in comparison.rows]),
        ]
        for metric in comparison.metrics:
            lines.append(
                (f"final {metric}", [format_value(r.final.get(metric)) for r in comparison.rows])
            )
            lines.append(
                (
                    f"best {metric}",
                    [
                        f"{format_value(r.best[metric])} (epoch {r.best_epoch[metric]})"
                        if metric in r.best
                        else "-"
                        for r in comparison.rows
                    ],
                )
            )
        table.setColumnCount(len(comparison.runs))
        table.setRowCount(len(lines))
        table.setHorizontalHeaderLabels(list(comparison.runs))
        table.setVerticalHeaderLabels([name for name, _ in lines])
        for row, (_name, values) in enumerate(lines):
            for col, value in enumerate(values):
                table.setItem(row, col, QTableWidgetItem(value))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def _fill_settings(self) -> None:
        comparison = self.comparison
        table = self.settings_table
        table.clear()
        diffs = comparison.settings if comparison else ()
        table.setColumnCount(len(comparison.runs) if comparison else 0)
        table.setRowCount(len(diffs))
        if comparison is None:
            return
        table.setHorizontalHeaderLabels(list(comparison.runs))
        table.setVerticalHeaderLabels([d.key for d in diffs])
        for row, diff in enumerate(diffs):
            for col, value in enumerate(diff.values):
                table.setItem(row, col, QTableWidgetItem(format_value(value)))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        if not diffs:
            self.tabs.setTabText(2, "Settings diff (same)")
        else:
            self.tabs.setTabText(2, f"Settings diff ({len(diffs)})")

    # ----- actions -----------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    def restore_selected(self) -> None:
        """Read the chosen run's best weights into the current design, off the UI thread."""
        key = self.restore_combo.currentData()
        run = self._runs.get(key) if key else None
        if run is None or self._graph_provider is None:
            return
        graph = self._graph_provider().copy()  # edits made meanwhile cannot race the read
        self.restore_button.setEnabled(False)
        self._say(f"Reading the weights of {run.label}…")
        if self.jobs is not None:
            self.jobs.run(restore_plan, run, graph, on_done=self._restore_done)
            return
        try:
            outcome: Any = restore_plan(run, graph)
        except TrainingError as exc:
            outcome = _Failed(str(exc))
        self._restore_done(outcome)

    def _restore_done(self, outcome: Any) -> None:
        self._enable()
        if not isinstance(outcome, RestorePlan):
            self._say(f"Cannot restore: {outcome.message}")
            return
        self._say(outcome.message)
        self.restoreReady.emit(outcome)

    def diff_first_two(self) -> None:
        runs = self.checked_runs()[:2]
        if len(runs) < 2:
            return
        try:
            graphs = [load_run_graph(r) for r in runs]
        except TrainingError as exc:
            self._say(str(exc))
            return
        missing = [r.label for r, g in zip(runs, graphs) if g is None]
        if missing:
            self._say(
                f"{', '.join(missing)} kept no copy of its design (runs made before this "
                "version); only newer runs can be diffed."
            )
            return
        labels = self.comparison.runs[:2] if self.comparison else (runs[0].label, runs[1].label)
        self.diffRequested.emit(graphs[0], graphs[1], labels[0], labels[1])
