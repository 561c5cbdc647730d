"""The dataset dock: pick a source, set preprocessing, see what the model will be fed.

The panel holds no dataset logic of its own. It builds a :class:`DatasetRef` from its controls,
loads it on a worker thread through :func:`studio.data.load`, and draws what
:mod:`studio.data.summary` returns. Errors land in the panel's status line, never in Qt's event
loop.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.data.bundled import BUNDLED
from studio.data.dataset import Dataset
from studio.data.errors import DatasetError
from studio.data.files import csv_columns
from studio.data.keras_sets import KERAS_SETS, is_cached
from studio.data.preprocess import LABEL_ENCODINGS, SCALINGS, VALIDATIONS, Preprocessing
from studio.data.source import DatasetRef, load
from studio.data.summary import describe, image_samples, preview_kind, sequence_text, table_rows
from widgets.common.jobs import JobFailed, JobRunner

log = logging.getLogger(__name__)

SOURCES = [
    ("bundled", "Bundled (offline)"),
    ("keras", "Keras dataset"),
    ("csv", "CSV file"),
    ("npy", "NumPy .npy pair"),
    ("npz", "NumPy .npz archive"),
    ("folder", "Image folder"),
]
THUMBNAILS = 16
THUMB_SIZE = 56


def _load_dataset(ref: DatasetRef, on_progress) -> Dataset | DatasetError:
    """On the worker: the dataset, or the DatasetError whose sentence is shown as it is."""
    try:
        return load(ref, on_progress)
    except DatasetError as exc:
        return exc


class _PathRow(QWidget):
    """A line edit with a Browse button opening a file or folder dialog."""

    changed = Signal(str)

    def __init__(self, caption: str, file_filter: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self._caption, self._filter = caption, file_filter
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(caption)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.edit.editingFinished.connect(lambda: self.changed.emit(self.text()))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def _browse(self) -> None:
        if self._filter is None:
            path = QFileDialog.getExistingDirectory(self, self._caption)
        else:
            path, _ = QFileDialog.getOpenFileName(self, self._caption, "", self._filter)
        if path:
            self.edit.setText(path)
            self.changed.emit(path)


class DatasetPanel(QWidget):
    """Choose and preview the dataset; emits ``datasetChanged(DatasetRef)`` after a good load."""

    datasetChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._request = 0
        self._dataset: Dataset | None = None
        self._loaded_ref: DatasetRef | None = None
        self._pending_ref: DatasetRef | None = None
        self.jobs = JobRunner(self)

        self.source_combo = QComboBox()
        for kind, title in SOURCES:
            self.source_combo.addItem(title, kind)
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(self._build_bundled())
        self.source_stack.addWidget(self._build_keras())
        self.source_stack.addWidget(self._build_csv())
        self.source_stack.addWidget(self._build_npy())
        self.npz_path = _PathRow("NumPy archive (.npz)", "NumPy archives (*.npz)")
        self.source_stack.addWidget(self.npz_path)
        self.source_stack.addWidget(self._build_folder())
        self.source_combo.currentIndexChanged.connect(self.source_stack.setCurrentIndex)

        self.load_button = QPushButton("Load")
        self.load_button.clicked.connect(self.reload)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.summary = QLabel("No dataset loaded")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.thumbnails = QListWidget()
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.sequence_view = QPlainTextEdit()
        self.sequence_view.setReadOnly(True)
        self.preview_stack = QStackedWidget()
        for view in (self.table, self.thumbnails, self.sequence_view):
            self.preview_stack.addWidget(view)

        # Everything sits in a scroll area: a short dock scrolls instead of squeezing the
        # groups over one another.
        content = QWidget()
        layout = QVBoxLayout(content)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        self.scroll_area = scroll
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.preview_stack.setMinimumHeight(140)
        layout.addWidget(self.source_combo)
        layout.addWidget(self.source_stack)
        layout.addWidget(self._build_preprocessing())
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.progress, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview_stack, 1)

    # --- building the source pages -----------------------------------------------------------

    def _build_bundled(self) -> QWidget:
        page = QWidget()
        self.bundled_list = QListWidget()
        for info in BUNDLED.values():
            item = QListWidgetItem(info.name)
            item.setToolTip(info.description)
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.bundled_list.addItem(item)
        self.bundled_description = QLabel()
        self.bundled_description.setWordWrap(True)
        self.bundled_list.currentItemChanged.connect(self._on_bundled_selected)
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.bundled_list)
        col.addWidget(self.bundled_description)
        return page

    def _build_keras(self) -> QWidget:
        page = QWidget()
        self.keras_combo = QComboBox()
        for info in KERAS_SETS.values():
            self.keras_combo.addItem(info.title, info.name)
        self.keras_info = QLabel()
        self.keras_info.setWordWrap(True)
        self.keras_combo.currentIndexChanged.connect(self._update_keras_info)
        self._update_keras_info()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.keras_combo)
        col.addWidget(self.keras_info)
        return page

    def _build_csv(self) -> QWidget:
        page = QWidget()
        self.csv_path = _PathRow("CSV file", "CSV files (*.csv);;All files (*)")
        self.csv_path.changed.connect(self._read_csv_columns)
        self.csv_target = QComboBox()
        self.csv_features = QListWidget()
        self.csv_target.currentTextChanged.connect(self._sync_feature_checks)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.csv_path)
        form.addRow("Target column", self.csv_target)
        form.addRow("Feature columns", self.csv_features)
        return page

    def _build_npy(self) -> QWidget:
        page = QWidget()
        self.npy_x_path = _PathRow("inputs (x.npy)", "NumPy arrays (*.npy)")
        self.npy_y_path = _PathRow("targets (y.npy)", "NumPy arrays (*.npy)")
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.npy_x_path)
        col.addWidget(self.npy_y_path)
        return page

    def _build_folder(self) -> QWidget:
        page = QWidget()
        self.folder_path = _PathRow("folder with one sub-folder per class", None)
        self.folder_size = QSpinBox()
        self.folder_size.setRange(8, 512)
        self.folder_size.setValue(32)
        self.folder_size.setSuffix(" px")
        self.folder_color = QComboBox()
        self.folder_color.addItems(["rgb", "grayscale"])
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.folder_path)
        form.addRow("Image size", self.folder_size)
        form.addRow("Colour", self.folder_color)
        return page

    def _build_preprocessing(self) -> QWidget:
        box = QGroupBox("Preprocessing")
        self.scaling_combo = QComboBox()
        self.scaling_combo.addItems(list(SCALINGS))
        self.labels_combo = QComboBox()
        self.labels_combo.addItems(list(LABEL_ENCODINGS))
        self.validation_combo = QComboBox()
        self.validation_combo.addItems(list(VALIDATIONS))
        self.validation_fraction = QDoubleSpinBox()
        self.validation_fraction.setRange(0.05, 0.5)
        self.validation_fraction.setSingleStep(0.05)
        self.validation_fraction.setValue(0.2)
        self.shuffle_check = QCheckBox("Shuffle")
        self.shuffle_check.setChecked(True)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        validation = QHBoxLayout()
        validation.addWidget(self.validation_combo)
        validation.addWidget(self.validation_fraction)
        form = QFormLayout(box)
        form.addRow("Scaling", self.scaling_combo)
        form.addRow("Labels", self.labels_combo)
        form.addRow("Validation", validation)
        form.addRow(self.shuffle_check)
        form.addRow("Seed", self.seed_spin)
        return box

    # --- reading and writing the ref ---------------------------------------------------------

    def preprocessing(self) -> Preprocessing:
        return Preprocessing(
            scaling=self.scaling_combo.currentText(),  # type: ignore[arg-type]
            labels=self.labels_combo.currentText(),  # type: ignore[arg-type]
            validation=self.validation_combo.currentText(),  # type: ignore[arg-type]
            validation_fraction=round(self.validation_fraction.value(), 3),
            shuffle=self.shuffle_check.isChecked(),
            seed=self.seed_spin.value(),
        )

    def ref(self) -> DatasetRef | None:
        """The ref the controls describe now, or None while they are incomplete."""
        kind = self.source_combo.currentData()
        prep = self.preprocessing()
        try:
            if kind == "bundled":
                item = self.bundled_list.currentItem()
                if item is None:
                    return None
                return DatasetRef("bundled", name=item.data(Qt.ItemDataRole.UserRole),
                                  preprocessing=prep)  # fmt: skip
            if kind == "keras":
                return DatasetRef("keras", name=self.keras_combo.currentData(), preprocessing=prep)
            if kind == "csv":
                options: dict = {}
                if self.csv_target.currentText():
                    options["target"] = self.csv_target.currentText()
                    options["features"] = self._checked_features()
                return DatasetRef("csv", path=self.csv_path.text(), options=options,
                                  preprocessing=prep)  # fmt: skip
            if kind == "npy":
                options = {"y_path": self.npy_y_path.text()} if self.npy_y_path.text() else {}
                return DatasetRef("npy", path=self.npy_x_path.text(), options=options,
                                  preprocessing=prep)  # fmt: skip
            if kind == "npz":
                return DatasetRef("npz", path=self.npz_path.text(), preprocessing=prep)
            size = self.folder_size.value()
            options = {"image_size": (size, size), "color": self.folder_color.currentText()}
            return DatasetRef("folder", path=self.folder_path.text(), options=options,
                              preprocessing=prep)  # fmt: skip
        except DatasetError:
            return None

    def set_ref(self, ref: DatasetRef) -> None:
        """Show ``ref`` in the controls and load it."""
        widgets = [self.source_combo, self.bundled_list, self.keras_combo, self.csv_target]
        for w in widgets:
            w.blockSignals(True)
        try:
            self.source_combo.setCurrentIndex(self.source_combo.findData(ref.kind))
            self.source_stack.setCurrentIndex(self.source_combo.currentIndex())
            self._show_options(ref)
            self._show_preprocessing(ref.preprocessing)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._start(ref)

    def _show_options(self, ref: DatasetRef) -> None:
        opts = ref.options
        if ref.kind == "bundled":
            matches = self.bundled_list.findItems(ref.name, Qt.MatchFlag.MatchExactly)
            if matches:
                self.bundled_list.setCurrentItem(matches[0])
                self.bundled_description.setText(BUNDLED[ref.name].description)
        elif ref.kind == "keras":
            self.keras_combo.setCurrentIndex(self.keras_combo.findData(ref.name))
            self._update_keras_info()
        elif ref.kind == "csv":
            self.csv_path.set_text(ref.path)
            self._read_csv_columns(ref.path)
            if opts.get("target"):
                self.csv_target.setCurrentText(opts["target"])
            self._sync_feature_checks(opts.get("features"))
        elif ref.kind == "npy":
            self.npy_x_path.set_text(ref.path)
            self.npy_y_path.set_text(opts.get("y_path", ""))
        elif ref.kind == "npz":
            self.npz_path.set_text(ref.path)
        else:
            self.folder_path.set_text(ref.path)
            self.folder_size.setValue(int(opts.get("image_size", (32, 32))[0]))
            self.folder_color.setCurrentText(opts.get("color", "rgb"))

    def _show_preprocessing(self, prep: Preprocessing) -> None:
        self.scaling_combo.setCurrentText(prep.scaling)
        self.labels_combo.setCurrentText(prep.labels)
        self.validation_combo.setCurrentText(prep.validation)
        self.validation_fraction.setValue(prep.validation_fraction)
        self.shuffle_check.setChecked(prep.shuffle)
        self.seed_spin.setValue(prep.seed)

    def dataset(self) -> Dataset | None:
        """The last dataset loaded successfully."""
        return self._dataset

    def clear(self) -> None:
        """Forget the dataset (another project without one was opened); a load still
        running for the old project is dropped."""
        self._request += 1
        self.jobs.cancel("load")
        self.progress.setVisible(False)
        self._dataset = None
        self._loaded_ref = None
        self._pending_ref = None
        self._set_status("", error=False)
        self.summary.setText("No dataset loaded")
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.thumbnails.clear()
        self.sequence_view.clear()

    def error_text(self) -> str:
        return self.status.text() if self.status.property("error") else ""

    def is_loading(self) -> bool:
        return self.progress.isVisible()

    # --- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        ref = self.ref()
        if ref is None:
            self._show_error("choose a dataset first: a name, or a file or folder path")
            return
        self._start(ref)

    def _start(self, ref: DatasetRef) -> None:
        self._request += 1
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._set_status(f"loading {ref.label}…", error=False)
        self._pending_ref = ref
        request = self._request
        self.jobs.run(  # a newer choice drops a load still waiting to start
            _load_dataset,
            ref,
            key="load",
            on_progress=lambda fraction, message: self._on_progress(request, fraction, message),
            on_done=lambda outcome: self._arrived(request, ref, outcome),
        )

    def _arrived(self, request: int, ref: DatasetRef, outcome: object) -> None:
        if isinstance(outcome, JobFailed):
            self._on_failed(request, f"{ref.label}: {outcome.message}")
        elif isinstance(outcome, DatasetError):
            self._on_failed(request, str(outcome))
        else:
            self._on_loaded(request, outcome)

    def _on_progress(self, request: int, fraction: float, message: str) -> None:
        if request == self._request:
            self.progress.setValue(int(fraction * 100))
            self._set_status(message, error=False)

    def _on_loaded(self, request: int, dataset: Dataset) -> None:
        if request != self._request:
            return
        self.progress.setVisible(False)
        self._dataset = dataset
        self._loaded_ref = self._pending_ref
        self._set_status(f"loaded {self._loaded_ref.label}", error=False)
        self.summary.setText(describe(dataset))
        self._show_preview(dataset)
        self.datasetChanged.emit(self._loaded_ref)

    def _on_failed(self, request: int, message: str) -> None:
        if request == self._request:
            self.progress.setVisible(False)
            self._show_error(message)

    def _set_status(self, text: str, error: bool) -> None:
        self.status.setProperty("error", error)
        self.status.setStyleSheet("color: #c0392b;" if error else "")
        self.status.setText(text)

    def _show_error(self, message: str) -> None:
        self._set_status(message, error=True)

    # --- preview -----------------------------------------------------------------------------

    def _show_preview(self, dataset: Dataset) -> None:
        kind = preview_kind(dataset)
        if kind == "table":
            columns, rows = table_rows(dataset)
            self.table.clear()
            self.table.setColumnCount(len(columns))
            self.table.setRowCount(len(rows))
            self.table.setHorizontalHeaderLabels(columns)
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    self.table.setItem(r, c, QTableWidgetItem(text))
            self.preview_stack.setCurrentWidget(self.table)
        elif kind == "images":
            self.thumbnails.clear()
            for label, image in image_samples(dataset, THUMBNAILS):
                self.thumbnails.addItem(QListWidgetItem(QIcon(_pixmap(image)), label))
            self.preview_stack.setCurrentWidget(self.thumbnails)
        else:
            self.sequence_view.setPlainText(sequence_text(dataset))
            self.preview_stack.setCurrentWidget(self.sequence_view)

    # --- source-page reactions ---------------------------------------------------------------

    def _on_bundled_selected(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        self.bundled_description.setText(BUNDLED[name].description)
        self.reload()  # bundled sets load in well under a second: no button press needed

    def _update_keras_info(self) -> None:
        info = KERAS_SETS[self.keras_combo.currentData()]
        where = "cached" if is_cached(info.name) else "downloads on first load"
        self.keras_info.setText(f"{info.description} ({where})")

    def _read_csv_columns(self, path: str) -> None:
        self.csv_target.blockSignals(True)
        self.csv_target.clear()
        self.csv_features.clear()
        try:
            columns = csv_columns(path) if path else []
        except DatasetError as exc:
            self._show_error(str(exc))
            columns = []
        self.csv_target.addItems(columns)
        for name in columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            self.csv_features.addItem(item)
        if columns:
            self.csv_target.setCurrentIndex(len(columns) - 1)
        self.csv_target.blockSignals(False)
        self._sync_feature_checks()

    def _sync_feature_checks(self, features: list[str] | str | None = None) -> None:
        """Check every column but the target unless ``features`` names the ones to use."""
        chosen = features if isinstance(features, list) else None
        target = self.csv_target.currentText()
        for i in range(self.csv_features.count()):
            item = self.csv_features.item(i)
            on = item.text() in chosen if chosen is not None else item.text() != target
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _checked_features(self) -> list[str]:
        target = self.csv_target.currentText()
        return [
            self.csv_features.item(i).text()
            for i in range(self.csv_features.count())
            if self.csv_features.item(i).checkState() == Qt.CheckState.Checked
            and self.csv_features.item(i).text() != target
        ]


def _pixmap(image) -> QPixmap:
    """uint8 (h, w) or (h, w, 3) array -> pixmap scaled for a thumbnail."""
    h, w = image.shape[:2]
    if image.ndim == 2:
        qimage = QImage(image.tobytes(), w, h, w, QImage.Format.Format_Grayscale8)
    else:
        rgb = image[..., :3].copy()
        qimage = QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(qimage.copy()).scaled(
        THUMB_SIZE, THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio
    )
