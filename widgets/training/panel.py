"""The Train tab: choose settings, run training on a worker thread, watch and compare runs.

The panel owns no training logic: it builds ``TrainingSettings`` from its controls, hands them
to a ``TrainerThread`` and draws what comes back. Every user-caused error is shown in the
panel's message line instead of escaping into Qt's event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.data.dataset import Dataset
from studio.training.device import backend_name, describe_device
from studio.training.engine import TrainingResult, describe_error
from studio.training.headless import format_clock
from studio.training.modes import get_mode
from studio.training.runs import RunStore
from studio.training.settings import (
    SCHEDULES,
    CallbackSettings,
    LossSettings,
    OptimizerSettings,
    ScheduleSettings,
    TrainingError,
    TrainingSettings,
    available_losses,
    available_metrics,
    available_optimizers,
    default_schedule_params,
)
from widgets.common.breathing import workers_held
from widgets.common.wrapping import WrappingColumn
from widgets.training.episode_plot import EpisodePlot
from widgets.training.generated_samples import GeneratedSamplesView
from widgets.training.memory_budget import MemoryBudget
from widgets.training.mode_form import ModeForm
from widgets.training.param_form import ParamForm
from widgets.training.plots import TrainingPlots
from widgets.training.trainer_thread import TrainerThread

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # widgets only hold models the core built
    import keras
ModelReady = Callable[[Any], None]  # gets a keras.Model, or the message saying why not


class TrainingPanel(QWidget):
    settingsChanged = Signal(object)
    weightsLoaded = Signal(object)
    trainingFinished = Signal(object, object)  # TrainingResult, the trained keras.Model
    runningChanged = Signal(bool)
    trainerCreated = Signal(object, object)  # TrainerThread, Dataset: before it starts

    def __init__(
        self,
        model_provider: Callable[[], keras.Model],
        dataset_provider: Callable[[], Dataset],
        run_store_provider: Callable[[], RunStore | None],
        settings: TrainingSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model_provider = model_provider
        self._dataset_provider = dataset_provider
        self._run_store_provider = run_store_provider
        self._model: keras.Model | None = None
        self._seed: int | None = None
        self._mode, self._mode_options = "supervised", {}  # training mode, kept as loaded
        self.trainer: TrainerThread | None = None
        self.last_result: TrainingResult | None = None
        self._loading = False
        self._preparing = False
        # Set by the app: builds the model off the UI thread and calls back with it (or with
        # the reason it could not); without it the synchronous ``model_provider`` is used.
        self.prepare_model: Callable[[ModelReady, str], None] | None = None
        self._build()
        self.set_settings(settings or TrainingSettings())
        self.refresh_runs()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItems(list(available_optimizers()))
        self.optimizer_form = ParamForm("Optimizer")
        self.schedule_combo = QComboBox()
        self.schedule_combo.addItems(list(SCHEDULES))
        self.schedule_form = ParamForm("Schedule")
        self.loss_combo = QComboBox()
        self.loss_combo.addItems(list(available_losses()))
        self.loss_form = ParamForm("Loss")
        self.metrics_list = QListWidget()
        self.metrics_list.setMaximumHeight(110)
        for name in available_metrics():
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.metrics_list.addItem(item)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 100000)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 1 << 20)
        self.split_spin = QDoubleSpinBox()
        self.split_spin.setRange(0.0, 0.95)
        self.split_spin.setSingleStep(0.05)
        self.shuffle_check = QCheckBox("shuffle")
        self.callback_boxes: dict[str, tuple[QGroupBox, ParamForm]] = {}

        form = QFormLayout()
        self.mode_form = ModeForm()
        form.addRow(self.mode_form)
        form.addRow("Optimizer", self.optimizer_combo)
        form.addRow(self.optimizer_form)
        form.addRow("LR schedule", self.schedule_combo)
        form.addRow(self.schedule_form)
        form.addRow("Loss", self.loss_combo)
        form.addRow(self.loss_form)
        form.addRow("Metrics", self.metrics_list)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Validation split", self.split_spin)
        form.addRow(self.shuffle_check)
        self.callbacks_layout = QVBoxLayout()
        form.addRow(self.callbacks_layout)
        settings_widget = QWidget()
        settings_widget.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(settings_widget)
        # Tall enough to read a dozen settings at once in either theme; the dock scrolls.
        scroll.setMinimumHeight(280)
        self.settings_scroll = scroll

        self.device_label = QLabel(f"Backend: {backend_name()} · Device: {describe_device()}")
        self.train_button = QPushButton("Train")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.eta_label = QLabel("")
        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b00020")
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)

        self.runs_list = QListWidget()
        self.runs_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.show_runs_button = QPushButton("Show / compare")
        self.delete_run_button = QPushButton("Delete")
        self.load_best_button = QPushButton("Load best weights")
        self.load_last_button = QPushButton("Load last weights")
        run_buttons = QGridLayout()  # two by two, so the panel fits a side dock
        for i, button in enumerate(
            (
                self.show_runs_button,
                self.delete_run_button,
                self.load_best_button,
                self.load_last_button,
            )
        ):
            run_buttons.addWidget(button, i // 2, i % 2)
        self.plots = TrainingPlots()
        # The plots a run of the default settings draws, made now while the window is built,
        # not at the first Train click.
        self.plots.prepare(["loss", *TrainingSettings().metrics])
        self.episode_plot = EpisodePlot()  # shown for reinforcement-learning runs
        self.episode_plot.hide()

        left = WrappingColumn()  # the memory line wraps: keep room for it
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(self.device_label)
        self.memory_budget = MemoryBudget()  # filled in once the app gives it a source
        self.memory_budget.fixRequested.connect(self.batch_spin.setValue)
        left_layout.addWidget(self.memory_budget)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.eta_label)
        left_layout.addWidget(self.message_label)
        left_layout.addWidget(QLabel("Runs"))
        left_layout.addWidget(self.runs_list)
        left_layout.addLayout(run_buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.episode_plot)
        plots.addWidget(self.plots)
        self.samples_view = GeneratedSamplesView()  # shown for modes that make sample grids
        self.samples_view.hide()
        plots.addWidget(self.samples_view)
        splitter.addWidget(plots)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.optimizer_combo.currentTextChanged.connect(self._optimizer_chosen)
        self.schedule_combo.currentTextChanged.connect(self._schedule_chosen)
        self.loss_combo.currentTextChanged.connect(self._loss_chosen)
        for form_widget in (
            self.optimizer_form,
            self.schedule_form,
            self.loss_form,
            self.mode_form,
        ):
            form_widget.changed.connect(self._edited)
        self.metrics_list.itemChanged.connect(self._edited)
        self.epochs_spin.valueChanged.connect(self._edited)
        self.batch_spin.valueChanged.connect(self._edited)
        self.split_spin.valueChanged.connect(self._edited)
        self.shuffle_check.toggled.connect(self._edited)
        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        self.show_runs_button.clicked.connect(self.show_selected_runs)
        self.runs_list.itemDoubleClicked.connect(lambda _item: self.show_selected_runs())
        self.delete_run_button.clicked.connect(self.delete_selected_runs)
        self.load_best_button.clicked.connect(lambda: self.load_selected_weights("best"))
        self.load_last_button.clicked.connect(lambda: self.load_selected_weights("last"))
        self._set_running(False)

    # -- settings <-> controls -------------------------------------------------------------
    def set_settings(self, settings: TrainingSettings) -> None:
        self._loading = True
        try:
            self.optimizer_combo.setCurrentText(settings.optimizer.name)
            self._optimizer_chosen(settings.optimizer.name, settings.optimizer.params)
            self.schedule_combo.setCurrentText(settings.schedule.kind)
            self._schedule_chosen(settings.schedule.kind, settings.schedule.params)
            self.loss_combo.setCurrentText(settings.loss.name)
            self._loss_chosen(settings.loss.name, settings.loss.params)
            for i in range(self.metrics_list.count()):
                item = self.metrics_list.item(i)
                checked = item.text() in settings.metrics
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.epochs_spin.setValue(settings.epochs)
            self.batch_spin.setValue(settings.batch_size)
            self.split_spin.setValue(settings.validation_split)
            self.shuffle_check.setChecked(settings.shuffle)
            self._seed = settings.seed
            self._mode, self._mode_options = settings.mode, dict(settings.mode_options)
            self._set_callbacks(settings.callbacks)
            self.mode_form.set_mode(settings.mode, settings.mode_options)
        finally:
            self._loading = False
        self.memory_budget.refresh(settings)

    def _set_callbacks(self, callbacks: list[CallbackSettings]) -> None:
        for box, _form in self.callback_boxes.values():
            box.deleteLater()
        self.callback_boxes = {}
        for cb in callbacks:
            box = QGroupBox(cb.kind)
            box.setCheckable(True)
            box.setChecked(cb.enabled)
            form = ParamForm(cb.kind)
            form.set_fields(cb.params)
            QVBoxLayout(box).addWidget(form)
            box.toggled.connect(self._edited)
            form.changed.connect(self._edited)
            self.callbacks_layout.addWidget(box)
            self.callback_boxes[cb.kind] = (box, form)

    def _optimizer_chosen(self, name: str, values: dict[str, Any] | None = None) -> None:
        specs = available_optimizers().get(name, [])
        self.optimizer_form.set_fields({s.name: s.default for s in specs}, values, name)
        self._edited()

    def _schedule_chosen(self, kind: str, values: dict[str, Any] | None = None) -> None:
        self.schedule_form.set_fields(default_schedule_params(kind), values, kind)
        self._edited()

    def _loss_chosen(self, name: str, values: dict[str, Any] | None = None) -> None:
        specs = available_losses().get(name, [])
        self.loss_form.set_fields({s.name: s.default for s in specs}, values, name)
        self._edited()

    def _chosen_mode_options(self) -> dict[str, Any]:
        """The form's options for modes that declare them (SOM, DQN, ...); modes without a
        form (GAN, VAE) keep the options the project was loaded with."""
        mode = self.mode_form.mode()
        if getattr(get_mode(mode), "options_type", None) is not None:
            return self.mode_form.options()
        return dict(self._mode_options) if mode == self._mode else {}

    def settings(self) -> TrainingSettings:
        """Settings from the controls; raises TrainingError naming a field that does not parse."""
        optimizer_params = self.optimizer_form.values(changed_only=True)
        optimizer_params.setdefault("learning_rate", self.optimizer_form.values()["learning_rate"])
        metrics = [
            self.metrics_list.item(i).text()
            for i in range(self.metrics_list.count())
            if self.metrics_list.item(i).checkState() == Qt.CheckState.Checked
        ]
        callbacks = [
            CallbackSettings(kind, box.isChecked(), form.values())
            for kind, (box, form) in self.callback_boxes.items()
        ]
        return TrainingSettings(
            optimizer=OptimizerSettings(self.optimizer_combo.currentText(), optimizer_params),
            schedule=ScheduleSettings(
                self.schedule_combo.currentText(), self.schedule_form.values()
            ),
            loss=LossSettings(
                self.loss_combo.currentText(), self.loss_form.values(changed_only=True)
            ),
            metrics=metrics,
            epochs=self.epochs_spin.value(),
            batch_size=self.batch_spin.value(),
            validation_split=self.split_spin.value(),
            shuffle=self.shuffle_check.isChecked(),
            seed=self._seed,
            callbacks=callbacks,
            mode=self.mode_form.mode(),
            mode_options=self._chosen_mode_options(),
        )

    def _edited(self, *_args: Any) -> None:
        if self._loading:
            return
        try:
            settings = self.settings()
        except (TrainingError, KeyError) as exc:
            self.show_message(str(exc))
            return
        self.show_message("")
        self.memory_budget.refresh(settings)
        self.settingsChanged.emit(settings)

    # -- running ---------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.message_label.setText(text)

    def is_running(self) -> bool:
        return self.trainer is not None and self.trainer.isRunning()

    def is_busy(self) -> bool:
        """A run is being built, is running, or has ended without the panel hearing of it."""
        return self._preparing or self.trainer is not None

    def _set_running(self, running: bool, paused: bool = False) -> None:
        busy = running or self._preparing
        self.train_button.setEnabled(not busy)
        self.pause_button.setEnabled(running and not paused)
        self.resume_button.setEnabled(running and paused)
        self.stop_button.setEnabled(running)
        for button in (self.load_best_button, self.load_last_button, self.delete_run_button):
            button.setEnabled(not busy)
        self.runningChanged.emit(busy)

    def reset(self) -> None:
        """Forget everything shown about the previous project's training: curves, progress,
        messages and the last result. The runs list follows the new project's store."""
        if self.is_running():
            self.trainer.stop()
        self._preparing = False
        self.last_result = None
        self._run_id = None
        self.plots.forget_runs()
        self.progress.setValue(0)
        self.eta_label.setText("")
        self.show_message("")
        self._set_running(self.is_running())
        self.refresh_runs()

    def train(self) -> None:
        if self.is_running() or self._preparing:
            return
        try:
            settings = replace(self.settings())
            settings.validate()
        except TrainingError as exc:
            self.show_message(str(exc))
            return
        if self.prepare_model is None:
            try:
                model = self._model_provider()
            except Exception as exc:  # noqa: BLE001 - providers may fail in any way; show it
                log.debug("train: handled exception", exc_info=True)
                self.show_message(describe_error(exc))
                return
            self._start(settings, model)
            return
        self._preparing = True
        self._set_running(False)
        self.show_message("")
        self.eta_label.setText("Building the model…")
        self.prepare_model(lambda outcome: self._prepared(settings, outcome), "train")

    def _prepared(self, settings: TrainingSettings, outcome: Any) -> None:
        self._preparing = False
        self.eta_label.setText("")
        self._set_running(False)
        if isinstance(outcome, str):
            self.show_message(outcome)
            return
        self._start(settings, outcome)

    def _start(self, settings: TrainingSettings, model: keras.Model) -> None:
        try:
            dataset = self._dataset_provider()
            store = self._run_store_provider()
        except Exception as exc:  # noqa: BLE001 - providers may fail in any way; show it
            log.debug("_start: handled exception", exc_info=True)
            self.show_message(
                describe_error(exc) if not isinstance(exc, TrainingError) else str(exc)
            )
            return
        self._model = model
        self.show_message("")
        mode = get_mode(settings.mode)
        metrics = getattr(mode, "metrics", None)  # modes name what they log (GAN: d_loss, ...)
        with workers_held():  # many Qt calls: background jobs pause meanwhile
            self.plots.prepare(list(metrics) if metrics else ["loss", *settings.metrics])
        self.samples_view.setVisible(mode is not None and hasattr(mode, "prepare"))
        trainer = TrainerThread(self._model, dataset, settings, store, parent=self)
        trainer.samplesReady.connect(
            lambda epoch, grid: self.samples_view.add_grid(self._run_id or "", epoch, grid)
        )
        trainer.runStarted.connect(self._run_started)
        trainer.batchProgress.connect(self._batch_progress)
        trainer.epochEnded.connect(self._epoch_ended)
        self.episode_plot.setVisible(settings.mode == "dqn")
        self.episode_plot.clear()
        trainer.epochEnded.connect(self.episode_plot.add_epoch)
        trainer.errorOccurred.connect(self.show_message)
        trainer.runFinished.connect(self._run_finished)
        trainer.finished.connect(lambda: self._thread_ended(trainer))
        self.trainer = trainer
        self.trainerCreated.emit(trainer, dataset)
        self._run_id: str | None = None
        self._set_running(True)
        self.progress.setValue(0)
        # The first run starts the training process (it imports Keras): seconds to say so.
        self.eta_label.setText("Starting the run…")
        trainer.start()

    def _thread_ended(self, trainer: TrainerThread) -> None:
        """A run that died before reporting a result (an error) must not leave the buttons
        saying it is still running."""
        if self.trainer is trainer and trainer.result is None:
            self.trainer = None
            trainer.deleteLater()
            self._set_running(False)

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()
            self._set_running(True, paused=True)
            self.eta_label.setText("Paused")

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()
            self._set_running(True, paused=False)

    def stop(self) -> None:
        if self.trainer is not None:
            self.trainer.stop()

    def _run_started(self, info: dict) -> None:
        self._run_id = info["run_id"]
        self.eta_label.setText(f"Training on {info['device']}…")
        self.plots.start_run(self._run_id, f"run {self._run_id[-6:]}")
        self.samples_view.start_run(self._run_id)

    def _batch_progress(self, info: dict) -> None:
        self.progress.setValue(int(info["fraction"] * 1000))
        state = "Paused · " if info["paused"] else ""
        # Two lines of their own: one long line widened the panel past its dock, and a
        # word-wrapped one made the scrolling dock squeeze the rows above it together.
        self.eta_label.setText(
            f"{state}Epoch {info['epoch']}/{info['epochs']} · batch "
            f"{info['batch']}/{info['batches']}\nepoch ETA "
            f"{format_clock(info['epoch_eta'])} · total ETA "
            f"{format_clock(info['overall_eta'])}"
        )
        if info["logs"] and self._run_id is not None:
            step = info["epoch"] - 1 + info["batch"] / max(info["batches"], 1)
            self.plots.add_batch(self._run_id, step, info["logs"])

    def _epoch_ended(self, info: dict) -> None:
        if self._run_id is not None:
            self.plots.add_epoch(self._run_id, info["epoch"], info["logs"])

    def _run_finished(self, result: TrainingResult) -> None:
        self.last_result = result
        if self.trainer is not None:
            self.trainer.wait()
            self.trainer.deleteLater()
            self.trainer = None
        self._set_running(False)
        if result.status == "completed":
            self.progress.setValue(1000)
        self.eta_label.setText(result.message if result.ok else "")
        if not result.ok:
            self.show_message(result.message)
        self.refresh_runs()
        self.trainingFinished.emit(result, self._model)

    # -- runs ------------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        self.runs_list.clear()
        store = self._store()
        if store is None:
            return
        for record in reversed(store.list()):
            final = record.final_metrics
            summary = " ".join(f"{k}={v:.3g}" for k, v in list(final.items())[:3])
            item = QListWidgetItem(f"{record.started}  {record.status}  {summary}")
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            self.runs_list.addItem(item)

    def run_ids(self) -> list[str]:
        return [
            self.runs_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.runs_list.count())
        ]

    def _selected(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.runs_list.selectedItems()]

    def _store(self) -> RunStore | None:
        try:
            return self._run_store_provider()
        except Exception as exc:  # noqa: BLE001
            log.debug("_store: handled exception", exc_info=True)
            self.show_message(describe_error(exc))
            return None

    def show_selected_runs(self) -> None:
        store = self._store()
        if store is None:
            return
        self.plots.clear()
        try:
            for run_id in self._selected():
                self.plots.show_record(store.load(run_id), f"run {run_id[-6:]}")
                if self.samples_view.load_run(run_id, store.run_dir(run_id)):
                    self.samples_view.show()
        except TrainingError as exc:
            self.show_message(str(exc))

    def delete_selected_runs(self) -> None:
        store = self._store()
        if store is None:
            return
        try:
            for run_id in self._selected():
                store.delete(run_id)
                self.plots.remove_run(run_id)
        except TrainingError as exc:
            self.show_message(str(exc))
        self.refresh_runs()

    def load_selected_weights(self, which: str = "best") -> None:
        store = self._store()
        selected = self._selected()
        if store is None or len(selected) != 1:
            self.show_message("Select one run to load its weights.")
            return
        if self.prepare_model is None:
            try:
                model = self._model_provider()
            except Exception as exc:  # noqa: BLE001 - shown in the panel, never raised into Qt
                log.debug("load_selected_weights: handled exception", exc_info=True)
                self.show_message(describe_error(exc))
                return
            self._load_into(model, store, selected[0], which)
            return
        self.eta_label.setText("Building the model…")
        self.prepare_model(
            lambda outcome: self._load_into(outcome, store, selected[0], which), "load"
        )

    def _load_into(self, model: Any, store: RunStore, run_id: str, which: str) -> None:
        self.eta_label.setText("")
        if isinstance(model, str):
            self.show_message(model)
            return
        try:
            store.load_weights_into(model, run_id, which)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never raised into Qt
            log.debug("_load_into: handled exception", exc_info=True)
            self.show_message(str(exc) if isinstance(exc, TrainingError) else describe_error(exc))
            return
        self.show_message("")
        self.weightsLoaded.emit(model)
