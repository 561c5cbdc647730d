"""A dialog to paste a Keras script and turn the model it defines into a graph.

The import runs the pasted code in a separate, contained process and can take seconds (Keras
starts in that process) or hit its time limit, so it runs on the shared job runner's worker; the
dialog stays responsive, shows a busy bar meanwhile, and shows an error in place instead of
closing. It says plainly that the containment is not a security sandbox.

"Load custom objects from a Python file…" is the other direction of trust: the user picks a
file of their own custom Keras classes, which runs *in the app* so the imported model's custom
layers become real layers instead of stand-ins.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.common.paths import resource
from studio.interop.code_import import CodeImportError, import_from_code
from studio.interop.custom_objects import CustomObjectsError, load_custom_objects
from widgets.common.jobs import JobFailed, JobRunner

log = logging.getLogger(__name__)

CONTAINMENT_NOTE = (
    "The code runs in a separate process that cannot write outside a temporary folder, open "
    "network connections or start programs, with limits on memory and time. This is not a "
    "security sandbox: it can still read your files. Only import code you would run yourself."
)

# The paste box's hint: a small script of the kind the dialog accepts.
PLACEHOLDER = resource("examples", "import_from_code_example.py").read_text(encoding="utf-8")


def _import(source: str, timeout: float) -> object:
    """On the worker: the import's result, or the CodeImportError whose sentence is shown as is."""
    try:
        return import_from_code(source, timeout=timeout)
    except CodeImportError as exc:
        return exc


class CodeImportDialog(QDialog):
    """Paste box and Import button; emits ``graphImported(Graph)`` and closes on success."""

    graphImported = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, timeout: float = 60.0) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import from code")
        self.resize(640, 480)
        self.timeout = timeout
        self._request = 0
        self.jobs = JobRunner(self)

        intro = QLabel(
            "Paste a Keras script using the Functional or Sequential API. It runs in "
            "a separate process; the model is the variable <code>model</code> or "
            "what <code>build_model()</code> returns."
        )
        intro.setWordWrap(True)
        self.containment_label = QLabel(CONTAINMENT_NOTE)
        self.containment_label.setWordWrap(True)
        self.containment_label.setStyleSheet("color: #8d6e00;")
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # an indeterminate bar: the child process gives no progress
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.custom_button = QPushButton("Load custom objects from a Python file…")
        self.custom_button.setToolTip(
            "Runs the file in the app to register your custom Keras classes, so models "
            "using them import as real layers. Pick only your own, trusted code."
        )
        self.custom_button.clicked.connect(self._ask_custom_objects)
        self.custom_label = QLabel()
        self.custom_label.setWordWrap(True)
        self.custom_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.custom_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.containment_label)
        layout.addWidget(self.custom_label)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def _ask_custom_objects(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load custom objects", "", "Python files (*.py)"
        )
        if path:
            self.load_custom_objects(path)

    def load_custom_objects(self, path: str) -> bool:
        """Register the custom Keras classes a trusted file defines; says what it loaded."""
        try:
            loaded = load_custom_objects(path)
        except CustomObjectsError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.error_label.hide()
        self.custom_label.setText(f"Custom objects loaded: {', '.join(loaded.names)}")
        self.custom_label.show()
        return True

    @property
    def is_busy(self) -> bool:
        return self.busy.isVisibleTo(self)

    def start_import(self) -> None:
        """Import the pasted code off the UI thread; a newer request supersedes an older one."""
        self._request += 1
        self.error_label.hide()
        self.busy.show()
        self.import_button.setEnabled(False)
        request = self._request
        self.jobs.run(
            _import,
            self.editor.toPlainText(),
            self.timeout,
            on_done=lambda outcome: self._arrived(request, outcome),
        )

    def _arrived(self, request: int, outcome: object) -> None:
        if isinstance(outcome, JobFailed):
            self._on_failed(request, outcome.message)
        elif isinstance(outcome, CodeImportError):
            self._on_failed(request, str(outcome))
        else:
            self._on_imported(request, outcome.graph, list(outcome.messages))

    def _finish(self, request: int) -> bool:
        if request != self._request:
            return False
        self.busy.hide()
        self.import_button.setEnabled(True)
        return True

    def _on_imported(self, request: int, graph: object, messages: list[str]) -> None:
        if not self._finish(request):
            return
        self.setToolTip("\n".join(messages))
        self.graphImported.emit(graph)
        self.accept()

    def _on_failed(self, request: int, message: str) -> None:
        if not self._finish(request):
            return
        self.error_label.setText(message)
        self.error_label.show()

    def done(self, result: int) -> None:
        """Closing forgets any import still running; its result is then ignored."""
        self._request += 1
        self.busy.hide()
        self.import_button.setEnabled(True)
        super().done(result)
