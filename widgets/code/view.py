"""The generated Keras script, kept up to date with the graph, with the selection highlighted.

The view holds no state of its own beyond what it shows: the text comes from
``studio.compile.codegen.generate`` and is rebuilt a moment after the graph changes (a debounce, so
dragging a slider in the inspector regenerates once, not per step). ``generate`` also says
which lines each node produced, which is how a selected node's code is highlighted.

Generating a 177-layer script takes a quarter of a second, so it runs on the model service's
worker thread, from a snapshot, and only when it can differ: the script is cached by the
graph's *content* revision (moving a layer or selecting one changes no code), a hidden view
catches up when it is shown, and a script that arrives for an older revision is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QGuiApplication,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from studio.compile.codegen import generate
from studio.graph import Change, Graph
from studio.project import atomic_write_text
from widgets.code.highlight import VisibleLinesHighlighter
from widgets.code.import_dialog import CodeImportDialog
from widgets.common.jobs import JobFailed
from widgets.common.model_service import ModelService

log = logging.getLogger(__name__)

DEBOUNCE_MS = 150
HIGHLIGHT = QColor(255, 213, 79, 90)


def _call_all(functions: list[Callable[[], None]]) -> None:
    while functions:
        functions.pop()()


def changed_span(old: list[str], new: list[str]) -> tuple[int, int, int]:
    """``(first, old_end, new_end)``: lines ``old[first:old_end]`` became
    ``new[first:new_end]``; everything before and after is the same."""
    first = 0
    limit = min(len(old), len(new))
    while first < limit and old[first] == new[first]:
        first += 1
    old_end, new_end = len(old), len(new)
    while old_end > first and new_end > first and old[old_end - 1] == new[new_end - 1]:
        old_end -= 1
        new_end -= 1
    return first, old_end, new_end


def replace_changed_lines(editor: QPlainTextEdit, old_text: str, new_text: str) -> None:
    """Rewrite only the lines that differ. An edit changes a line or two of a script that is
    thousands of lines long for a big model; setting the whole text again re-highlighted every
    line on the UI thread."""
    if old_text == new_text:
        return
    old, new = old_text.split("\n"), new_text.split("\n")
    first, old_end, new_end = changed_span(old, new)
    if first == 0 and old_end == len(old):
        editor.setPlainText(new_text)
        return
    document = editor.document()
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    if old_end < len(old):  # lines first..old_end-1 are replaced, each with its newline
        cursor.setPosition(document.findBlockByNumber(first).position())
        cursor.setPosition(
            document.findBlockByNumber(old_end).position(), QTextCursor.MoveMode.KeepAnchor
        )
        cursor.insertText("".join(line + "\n" for line in new[first:new_end]))
    else:  # the change reaches the end: replace from the newline before line ``first``
        cursor.setPosition(document.findBlockByNumber(first - 1).position())
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText("".join("\n" + line for line in new[first:new_end]))
    cursor.endEditBlock()


class CodeView(QWidget):
    """Read-only script of ``graph`` with Copy, Save and "Import from code…".

    ``graphImported(Graph)`` carries a graph built from pasted code; the window decides what to
    do with it (open it as a new project, replace the current one after asking, ...).
    """

    graphImported = Signal(object)

    def __init__(
        self, graph: Graph, parent: QWidget | None = None, service: ModelService | None = None
    ) -> None:
        super().__init__(parent)
        self._graph: Graph | None = None
        self.service = service or ModelService(self)
        self._shown_revision: int | None = None  # content revision of the text shown
        self._requested: int | None = None  # content revision being generated
        self.generated = 0  # scripts generated so far (benchmarks and tests read it)
        # Shared with the ``destroyed`` connection below, which must not touch ``self``: when
        # Qt deletes the view, the graph stops calling it, and the graph is left as it was.
        self._unsubscribers: list[Callable[[], None]] = []
        self.destroyed.connect(partial(_call_all, self._unsubscribers))
        self._lines: dict[str, tuple[int, int]] = {}
        self._selected: tuple[str, ...] = ()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._request)

        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.highlighter = VisibleLinesHighlighter(self.editor)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.hide()

        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the script to the clipboard")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the script as a .py file")
        self.save_button.clicked.connect(self._ask_save)
        self.import_button = QPushButton("Import from code…")
        self.import_button.setToolTip("Paste a Keras script and open its model as a graph")
        self.import_button.clicked.connect(self.open_import_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.status_label)
        self.set_graph(graph)

    # ----- the document -----------------------------------------------------------------
    @property
    def graph(self) -> Graph | None:
        return self._graph

    def set_graph(self, graph: Graph) -> None:
        """Show ``graph``'s script from now on; the old graph is no longer listened to."""
        self._detach()
        self._graph = graph
        self._unsubscribers.append(graph.subscribe(self._on_change))
        self._selected = ()
        self._shown_revision = None
        self._requested = None
        self._lines = {}
        self.editor.setPlainText("")
        self._content_revision()  # start tracking this document's content edits
        self._request_if_visible()

    def _detach(self) -> None:
        _call_all(self._unsubscribers)

    def _content_revision(self) -> int:
        assert self._graph is not None
        return self.service.content_revision(self._graph)

    def is_current(self) -> bool:
        """Whether the text shown is the script of the graph as it is now."""
        return self._graph is not None and self._shown_revision == self._content_revision()

    def _on_change(self, _change: Change) -> None:
        if not self.is_current():
            self._timer.start()

    def _request_if_visible(self) -> None:
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.is_current():
            self._request()

    def _request(self) -> None:
        """Generate the script on the worker, unless it is current, already being made, or
        nobody can see it (then it is made when the view is shown)."""
        self._timer.stop()
        if self._graph is None or self.is_current() or not self.isVisible():
            return
        revision = self._content_revision()
        if self._requested == revision:
            return
        self._requested = revision
        graph = self._graph
        self.service.request_code(graph, lambda outcome: self._arrived(graph, revision, outcome))

    def _arrived(self, graph: Graph, revision: int, outcome: object) -> None:
        if graph is not self._graph or revision != self._content_revision():
            if self._requested == revision:
                self._requested = None
                self._request()  # the graph moved on while this was made: make the new one
            return
        self._requested = None
        if isinstance(outcome, JobFailed):
            self._show_failure(outcome.message)
            return
        self._show_code(outcome, revision)

    def text(self) -> str:
        """The script of the graph as it is now (generated here if not yet current)."""
        if self._graph is not None and not self.is_current():
            self.regenerate()
        return self.editor.toPlainText()

    def regenerate(self) -> None:
        """Rebuild the script now, keeping the scroll position and the selection's highlight."""
        self._timer.stop()
        if self._graph is None:
            return
        revision = self._content_revision()
        try:
            code = generate(self._graph)
        except Exception as exc:  # noqa: BLE001 - an unfinished graph must not break the view
            log.debug("regenerate: handled exception", exc_info=True)
            self._show_failure(str(exc))
            return
        self._show_code(code, revision)

    def _show_failure(self, reason: str) -> None:
        self.status_label.setText(
            f"The script is out of date: the graph cannot be written as code yet ({reason})."
        )
        self.status_label.show()

    def _show_code(self, code, revision: int) -> None:
        self.generated += 1
        self._shown_revision = revision
        self.status_label.hide()
        self._lines = dict(code.lines)
        old_text = self.editor.toPlainText()
        if code.text != old_text:
            bar = self.editor.verticalScrollBar()
            position = bar.value()
            replace_changed_lines(self.editor, old_text, code.text)
            bar.setValue(position)
        self._apply_highlight(scroll=False)

    # ----- selection --------------------------------------------------------------------
    def set_selected(self, node_ids: Iterable[str]) -> None:
        """Highlight the lines of these nodes and scroll the first of them into view."""
        self._selected = tuple(node_ids)
        self._apply_highlight(scroll=True)

    def highlighted_lines(self) -> list[int]:
        """1-based line numbers currently highlighted, in order (what the user sees marked)."""
        if self._graph is not None and not self.is_current():
            self.regenerate()
        return sorted({sel.cursor.blockNumber() + 1 for sel in self.editor.extraSelections()})

    def _apply_highlight(self, *, scroll: bool) -> None:
        document = self.editor.document()
        selections = []
        first_block = None
        line_format = QTextCharFormat()
        line_format.setBackground(HIGHLIGHT)
        line_format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        for nid in self._selected:
            span = self._lines.get(nid)
            if span is None:
                continue
            for line in range(span[0], span[1] + 1):
                block = document.findBlockByNumber(line - 1)
                if not block.isValid():
                    continue
                selection = QTextEdit.ExtraSelection()
                selection.format = line_format
                selection.cursor = QTextCursor(block)
                selections.append(selection)
                if first_block is None or block.blockNumber() < first_block.blockNumber():
                    first_block = block
        self.editor.setExtraSelections(selections)
        if scroll and first_block is not None:
            self.editor.setTextCursor(QTextCursor(first_block))
            self.editor.centerCursor()

    # ----- actions ----------------------------------------------------------------------
    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def save_to(self, path: Path | str) -> Path:
        """Write the script atomically, so a failed save leaves an older file whole."""
        target = Path(path)
        atomic_write_text(target, self.text())
        return target

    def _ask_save(self) -> None:
        name = f"{self._graph.name if self._graph else 'model'}.py"
        path, _ = QFileDialog.getSaveFileName(self, "Save script", name, "Python (*.py)")
        if not path:
            return
        try:
            self.save_to(path)
        except OSError as exc:
            self.status_label.setText(f"Could not save {path}: {exc.strerror or exc}")
            self.status_label.show()

    def open_import_dialog(self) -> CodeImportDialog:
        """Open the paste dialog; a graph it imports is passed on as ``graphImported``."""
        dialog = CodeImportDialog(self)
        dialog.graphImported.connect(self.graphImported)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
