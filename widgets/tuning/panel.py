"""The Search panel: what is searched, how, the live trials and "Apply".

The panel edits the project's search space only through its host (one undoable command per
change) and runs searches on a ``TunerThread``; it keeps the trials it has been told about and
nothing else. ``SearchHost`` is the small surface the app gives it (``widgets.tuning.dock``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.data.dataset import Dataset
from studio.graph import Op
from studio.project import Project
from studio.training.runs import RunStore
from studio.tuning.design import apply_op, current_value, training_value
from studio.tuning.objective import Objective
from studio.tuning.search import (
    TUNERS,
    Search,
    SearchOptions,
    SearchResult,
    TrialRecord,
    read_trials,
)
from studio.tuning.space import (
    TRAINING_KEYS,
    Dimension,
    SearchSpace,
    SearchSpaceError,
    dimension_for_value,
)
from widgets.tuning.plots import SearchPlots
from widgets.tuning.range_dialog import RangeDialog
from widgets.tuning.trials_table import TrialsTable
from widgets.tuning.tuner_thread import TunerThread

log = logging.getLogger(__name__)

OBJECTIVES = ("val_accuracy", "val_loss", "accuracy", "loss")
_TRAINING_CHOICES = {
    "optimizer": ("Adam", "SGD", "RMSprop", "AdamW"),
    "loss": (),
}


class SearchHost(Protocol):
    def project(self) -> Project: ...
    def dataset(self) -> Dataset | None: ...
    def run_store(self) -> RunStore | None: ...
    def tuning_dir(self) -> Path: ...
    def set_space(self, space: SearchSpace, text: str) -> None: ...
    def push(self, op: Op, text: str) -> bool: ...
    def selection(self) -> tuple[list[str], str | None]: ...


class SearchPanel(QWidget):
    """See the module docstring. ``searchFinished`` carries the ``SearchResult``."""

    searchFinished = Signal(object)
    trialEnded = Signal(object)

    def __init__(self, host: SearchHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.thread: TunerThread | None = None
        self.trials: list[TrialRecord] = []
        self.result: SearchResult | None = None
        self.dialog: RangeDialog | None = None
        self._build()
        self.refresh()

    # ----- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        splitter = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(splitter)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(
            QLabel("<b>Searched values</b> (right-click a parameter in the inspector to add one)")
        )
        self.space_table = QTableWidget(0, 2)
        self.space_table.setHorizontalHeaderLabels(["value", "range"])
        self.space_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.space_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.space_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.space_table.doubleClicked.connect(lambda _i: self.edit_selected())
        top_layout.addWidget(self.space_table)
        row = QHBoxLayout()
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.training_button = QPushButton("Training setting ▾")
        self.training_menu = QMenu(self.training_button)
        for key in TRAINING_KEYS:
            self.training_menu.addAction(key, lambda key=key: self.mark_training(key))
        self.training_button.setMenu(self.training_menu)
        self.optional_button = QPushButton("Block optional")
        self.optional_button.setToolTip("Let the search leave the selected block or layer out")
        self.repeat_button = QPushButton("Block repeated…")
        self.repeat_button.setToolTip("Let the search repeat the selected block 1..N times")
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.optional_button.clicked.connect(lambda: self.mark_block("optional"))
        self.repeat_button.clicked.connect(lambda: self.mark_block("repeat"))
        for b in (
            self.edit_button,
            self.remove_button,
            self.training_button,
            self.optional_button,
            self.repeat_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        top_layout.addLayout(row)
        form = QFormLayout()
        self.tuner = QComboBox()
        for name, title in zip(TUNERS, ("Random search", "Bayesian optimisation", "Hyperband")):
            self.tuner.addItem(title, name)
        self.trials_box = QSpinBox()
        self.trials_box.setRange(1, 10_000)
        self.trials_box.setValue(10)
        self.objective = QComboBox()
        self.objective.setEditable(True)
        self.objective.addItems(OBJECTIVES)
        self.budget = QSpinBox()
        self.budget.setRange(0, 2**31 - 1)
        self.budget.setSingleStep(10_000)
        self.budget.setSpecialValueText("no budget")
        self.budget.setToolTip("Designs with more parameters are skipped without training")
        form.addRow("tuner", self.tuner)
        form.addRow("trials", self.trials_box)
        form.addRow("objective", self.objective)
        form.addRow("max parameters", self.budget)
        top_layout.addLayout(form)
        controls = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.resume_button = QPushButton("Resume")
        self.apply_button = QPushButton("Apply best")
        self.apply_selected_button = QPushButton("Apply selected")
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.stop_button.clicked.connect(self.stop)
        self.apply_button.clicked.connect(self.apply_best)
        self.apply_selected_button.clicked.connect(self.apply_selected)
        for b in (
            self.start_button,
            self.stop_button,
            self.resume_button,
            self.apply_button,
            self.apply_selected_button,
        ):
            controls.addWidget(b)
        top_layout.addLayout(controls)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        top_layout.addWidget(self.status)
        splitter.addWidget(top)
        self.table = TrialsTable()
        self.table.itemSelectionChanged.connect(self._update_buttons)
        splitter.addWidget(self.table)
        self.plots = SearchPlots()
        self.plots.setMinimumHeight(140)
        splitter.addWidget(self.plots)
        self.tuner.currentIndexChanged.connect(lambda _i: self.load_stored())

    # ----- the search space ----------------------------------------------------------------------
    @property
    def space(self) -> SearchSpace:
        try:
            return SearchSpace.from_dict(self.host.project().search)
        except SearchSpaceError as exc:
            self.status.setText(str(exc))
            return SearchSpace()

    def refresh(self) -> None:
        """Show the project's search space (after an edit, undo or a newly opened project)."""
        graph = self.host.project().graph
        space = self.space
        self.space_table.setRowCount(len(space.dimensions))
        for row, dim in enumerate(space.dimensions):
            label = QTableWidgetItem(space.label(dim, graph))
            label.setData(Qt.ItemDataRole.UserRole, dim.key)
            self.space_table.setItem(row, 0, label)
            self.space_table.setItem(row, 1, QTableWidgetItem(dim.range_text()))
        self._update_buttons()

    def _selected_dimension(self) -> Dimension | None:
        rows = {i.row() for i in self.space_table.selectedItems()}
        if len(rows) != 1:
            return None
        return self.space.dimensions[rows.pop()]

    def remove_selected(self) -> None:
        dim = self._selected_dimension()
        if dim is not None:
            label = self.space.label(dim, self.host.project().graph)
            self.host.set_space(self.space.without(dim.key), f"Stop searching {label}")

    def edit_selected(self) -> None:
        dim = self._selected_dimension()
        if dim is not None:
            self.open_range_dialog(dim)

    def mark_training(self, key: str) -> None:
        project = self.host.project()
        existing = self.space.get("training", key, key)
        if existing is not None:
            self.open_range_dialog(existing)
            return
        now = training_value(project.training, key)
        choices = _TRAINING_CHOICES.get(key, ())
        if key == "loss":
            choices = (now,)
        dim = dimension_for_value("training", key, key, now, tuple(choices))
        self.open_range_dialog(dim)

    def mark_block(self, which: str) -> None:
        nodes, block = self.host.selection()
        ref = block or (nodes[0] if len(nodes) == 1 else None)
        if ref is None:
            self.status.setText("Select one block (or one layer) on the canvas first.")
            return
        graph = self.host.project().graph
        existing = self.space.get("block", ref, which)
        dim = existing or dimension_for_value("block", ref, which, None)
        if which == "optional":
            label = self.space.label(dim, graph)
            self.host.set_space(self.space.with_dimension(dim), f"Search {label}")
            return
        self.open_range_dialog(dim, modes=("int",))

    def open_range_dialog(
        self,
        dim: Dimension,
        modes: tuple[str, ...] | None = None,
        on_chosen: Any = None,
    ) -> RangeDialog:
        """Edit how ``dim`` is searched; OK writes it into the space as one undo step
        (or hands the new dimension to ``on_chosen``)."""
        project = self.host.project()
        label = self.space.label(dim, project.graph)
        now = current_value(project.graph, project.training, dim) if dim.target != "block" else 1
        if modes is None:
            if isinstance(now, bool) or not isinstance(now, (int, float)):
                modes = ("choice",)
            elif isinstance(now, int):
                modes = ("int", "choice")
            else:
                modes = ("float", "choice")
        dialog = RangeDialog(label, dim.target, dim.ref, dim.param, now, dim, modes, self)
        dialog.chosen.connect(
            on_chosen
            or (lambda d: self.host.set_space(self.space.with_dimension(d), f"Search {label}"))
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    # ----- running ------------------------------------------------------------------------------
    def options(self) -> SearchOptions:
        budget = self.budget.value()
        return SearchOptions(
            tuner=self.tuner.currentData(),
            trials=self.trials_box.value(),
            objective=Objective.parse(self.objective.currentText()),
            max_params=budget or None,
        )

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def start(self, resume: bool = False) -> None:
        if self.is_running():
            return
        project = self.host.project()
        try:
            dataset = self.host.dataset()
            if dataset is None:
                raise ValueError("Choose a dataset in the Dataset panel first.")
            options = self.options()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        search = Search(
            project.graph,
            project.training,
            self.space,
            dataset,
            self.host.tuning_dir(),
            options,
            run_store=self.host.run_store(),
            dataset_ref=project.dataset,
        )
        if not resume:
            self.trials = []
            self.result = None
            self._show_trials()
        self.thread = TunerThread(search, resume, self)
        self.thread.trialStarted.connect(self._trial_started)
        self.thread.trialEnded.connect(self._trial_ended)
        self.thread.epochEnded.connect(self._epoch_ended)
        self.thread.message.connect(self.status.setText)
        self.thread.searchFinished.connect(self._finished)
        self.status.setText(("Resuming" if resume else "Starting") + f" {options.tuner} search…")
        self.thread.start()
        self._update_buttons()

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.status.setText("Stopping after the current batch…")

    def _trial_started(self, record: TrialRecord) -> None:
        self._upsert(record)
        self.status.setText(f"Trial {record.trial_id} running…")

    def _epoch_ended(self, trial_id: str, epoch: int, logs: dict) -> None:
        metric = self._objective().metric
        shown = f" {metric}={logs[metric]:.4g}" if metric in logs else ""
        self.status.setText(f"Trial {trial_id}: epoch {epoch}{shown}")

    def _trial_ended(self, record: TrialRecord) -> None:
        self._upsert(record)
        self.trialEnded.emit(record)

    def _finished(self, result: SearchResult) -> None:
        self.result = result
        if result.trials:
            self.trials = list(result.trials)
        self._show_trials()
        best = self.best()
        text = f"Search {result.status}: {result.message}"
        if best is not None:
            text += f" Best: trial {best.trial_id}, {result.objective.metric}={best.metric:.4g}"
            text += f", {best.params:,} parameters."
        self.status.setText(text)
        if self.thread is not None:
            # the signal is the thread's last act: let run() return before letting go of it,
            # so closing the window right after never destroys a thread that still runs
            self.thread.wait()
            self.thread.deleteLater()
        self.thread = None
        self._update_buttons()
        self.searchFinished.emit(result)

    def _upsert(self, record: TrialRecord) -> None:
        for i, t in enumerate(self.trials):
            if t.trial_id == record.trial_id:
                self.trials[i] = record
                break
        else:
            self.trials.append(record)
        self._show_trials()

    def load_stored(self) -> None:
        """Show the trials a stored search of the chosen tuner left beside the project."""
        if self.is_running():
            return
        folder = self.host.tuning_dir() / str(self.tuner.currentData())
        self.trials = read_trials(folder) if folder.is_dir() else []
        self.result = None
        self._show_trials()

    # ----- the trials table ---------------------------------------------------------------------
    def _show_trials(self) -> None:
        space = self.space
        graph = self.host.project().graph
        labels = {d.key: space.label(d, graph) for d in space.dimensions}
        objective = self._objective()
        self.table.show_trials(self.trials, labels, objective, self.budget.value() or None)
        self.plots.show_trials(self.trials, objective)
        self._update_buttons()

    def _objective(self) -> Objective:
        """The objective as typed, or the default while what is typed cannot be read."""
        try:
            return Objective.parse(self.objective.currentText())
        except ValueError:
            return Objective()

    def best(self) -> TrialRecord | None:
        try:
            options = self.options()
        except ValueError:
            return None
        return SearchResult(
            "completed", "", self.trials, options.objective, options.max_params
        ).best

    def selected_trial(self) -> TrialRecord | None:
        return self.table.selected_trial()

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_space = bool(self.space)
        self.start_button.setEnabled(not running and has_space)
        self.resume_button.setEnabled(not running and has_space)
        self.stop_button.setEnabled(running)
        self.apply_button.setEnabled(not running and self.best() is not None)
        chosen = self.selected_trial()
        self.apply_selected_button.setEnabled(
            not running and chosen is not None and chosen.status == "completed"
        )
        selected = self._selected_dimension() is not None
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    # ----- apply --------------------------------------------------------------------------------
    def apply_best(self) -> bool:
        best = self.best()
        return best is not None and self.apply_trial(best)

    def apply_selected(self) -> bool:
        chosen = self.selected_trial()
        return chosen is not None and self.apply_trial(chosen)

    def apply_trial(self, trial: TrialRecord) -> bool:
        """Write the trial's values into the design and training settings: one undo step."""
        project = self.host.project()
        try:
            op = apply_op(project, self.space, trial.values, f"Apply trial {trial.trial_id}")
        except SearchSpaceError as exc:
            self.status.setText(str(exc))
            return False
        if not op.ops:
            self.status.setText(f"Trial {trial.trial_id} is the design as it is already.")
            return False
        done = self.host.push(op, f"Apply trial {trial.trial_id}")
        if done:
            self.status.setText(f"Applied trial {trial.trial_id}; Undo puts the design back.")
        return done

    def shutdown(self) -> None:
        """Stop a running search and wait for it (closing the window)."""
        if self.thread is not None and self.thread.isRunning():
            self.thread.stop()
            self.thread.wait()
