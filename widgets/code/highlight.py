"""Syntax colours for the Code panel, applied only to the lines on screen.

``QSyntaxHighlighter`` colours every line of the document whenever the text is set: a Python
callback per line on the UI thread, 119 ms for NASNetMobile's 6,000-line script on an idle
machine and several times that while workers compete for the interpreter lock. This
colours the lines as they scroll into view and remembers which it has done; a line whose
text changes is done again when it is next shown.

Keywords, strings, numbers and comments: enough to read a generated script at a glance.
Rules are applied in order, later ones winning, so a ``#`` or keyword inside a string is
coloured as the string. Generated scripts have no multi-line strings except the docstring
on line 1, which a one-line rule covers.
"""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QColor, QFont, QTextBlock, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit

_DONE = 1  # a block's user state once its colours are applied (Qt starts blocks at -1)


def _format(color: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


_WORDS = "|".join(keyword.kwlist)
_RULES: list[tuple[re.Pattern[str], QTextCharFormat]] = [
    (re.compile(rf"\b(?:{_WORDS})\b"), _format("#1565c0", bold=True)),
    (re.compile(r"\b(?:self|keras|tf|layers)\b"), _format("#6a1b9a")),
    (re.compile(r"\b\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\b"), _format("#00897b")),
    (re.compile(r"\b[A-Za-z_]\w*(?=\()"), _format("#5d4037")),
    (
        re.compile(r"\"\"\".*?\"\"\"|\"[^\"\\]*(?:\\.[^\"\\]*)*\"|'[^'\\]*(?:\\.[^'\\]*)*'"),
        _format("#2e7d32"),
    ),
    (re.compile(r"#[^\n]*$"), _format("#757575", italic=True)),
]


def python_formats(text: str) -> list[QTextLayout.FormatRange]:
    """The coloured ranges of one line of Python. A later rule replaces an earlier one's
    format where they overlap (a keyword inside a string is the string), as
    ``QSyntaxHighlighter.setFormat`` did; layout formats would merge instead."""
    chosen: list[QTextCharFormat | None] = [None] * len(text)
    for pattern, fmt in _RULES:
        for match in pattern.finditer(text):
            if fmt.fontItalic() and _inside_string(text, match.start()):
                continue
            chosen[match.start() : match.end()] = [fmt] * (match.end() - match.start())
    ranges = []
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or chosen[end] is not chosen[start]:
            if chosen[start] is not None:
                r = QTextLayout.FormatRange()
                r.start, r.length, r.format = start, end - start, chosen[start]
                ranges.append(r)
            start = end
    return ranges


def _inside_string(text: str, position: int) -> bool:
    before = text[:position]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1


class VisibleLinesHighlighter(QObject):
    """Colours the editor's visible lines; ``coloured`` counts lines done (for tests)."""

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self.editor = editor
        self.coloured = 0
        self._busy = False
        editor.updateRequest.connect(self._update_requested)
        editor.document().contentsChange.connect(self._contents_changed)

    def _contents_changed(self, position: int, _removed: int, added: int) -> None:
        """The first and last block of a change were edited in place and keep their state:
        colour them again. Blocks between them are new (Qt starts them uncoloured)."""
        document = self.editor.document()
        for block in (document.findBlock(position), document.findBlock(position + added)):
            if block.isValid():
                block.setUserState(-1)

    def _update_requested(self, _rect: QRect, _dy: int) -> None:
        self.colour_visible()

    def colour_visible(self) -> int:
        """Colour the lines on screen that are not coloured yet; returns how many."""
        if self._busy:  # applying colours relays the lines out, which asks for an update
            return 0
        self._busy = True
        try:
            return self._colour_visible()
        finally:
            self._busy = False

    def _colour_visible(self) -> int:
        editor = self.editor
        document = editor.document()
        height = editor.viewport().height()
        block: QTextBlock = editor.firstVisibleBlock()
        offset = editor.contentOffset()
        done = 0
        while block.isValid():
            top = editor.blockBoundingGeometry(block).translated(offset).top()
            if top > height:
                break
            if block.userState() != _DONE:
                block.layout().setFormats(python_formats(block.text()))
                block.setUserState(_DONE)
                document.markContentsDirty(block.position(), block.length())
                done += 1
            block = block.next()
        self.coloured += done
        return done
