"""The issues list: what stops the model from compiling (and warnings), one row each.

Clicking a row reports the node it is about (``nodeActivated``) so the window can select and
centre it; a row whose fix the app can make has an "Apply fix" entry in its context menu and
a button below the list (``fixRequested``). The panel itself only displays the analysis it is
given: the summary line always follows the latest analysis, while the rows are rebuilt only
when they changed, so the user's scroll position and selection survive ordinary edits.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.checks import Analysis, Issue

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
ISSUE_ROLE = Qt.ItemDataRole.UserRole + 2


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class IssuesPanel(QWidget):
    nodeActivated = Signal(str)
    fixRequested = Signal(object)  # the Issue whose fix the user asked for

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Checking the model…", self)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["", "Problem", "Fix"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 70)
        self.tree.setColumnWidth(1, 420)
        self.tree.setWordWrap(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.fix_button = QPushButton("Apply fix")
        self.fix_button.setToolTip("Make the change the selected problem suggests (undoable)")
        self.fix_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.fix_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.tree, 1)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)
        self.tree.currentItemChanged.connect(lambda *_: self._update_fix_button())
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.fix_button.clicked.connect(self._fix_current)
        self.can_fix = lambda issue: False  # the window says which fixes it knows how to make
        self._shown: list[tuple[str, str | None, str]] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Small when there is nothing to list: an empty list must not take the canvas's room."""
        rows = self.tree.topLevelItemCount()
        height = 40 + (min(rows, 8) * 22 + 30 if rows else 0)
        return QSize(super().sizeHint().width(), height)

    def show_pending(self) -> None:
        self.summary.setText("Checking the model…")

    def show_analysis(self, analysis: Analysis) -> None:
        errors = len(analysis.errors)
        warnings = len(analysis.issues) - errors
        if not analysis.issues:
            self.summary.setText(f"No problems · {analysis.total_params:,} parameters")
        else:
            self.summary.setText(
                f"{_count(errors, 'error')}, {_count(warnings, 'warning')} · "
                f"{analysis.total_params:,} parameters"
            )
        rows = [(i.message, i.node, i.severity) for i in analysis.issues]
        if rows == self._shown:
            return  # most edits leave the list as it was; keep the user's scroll and selection
        self._shown = rows
        self.tree.clear()
        for issue in sorted(analysis.issues, key=lambda i: i.severity != "error"):
            item = QTreeWidgetItem(self.tree, [issue.severity, issue.message, issue.fix])
            item.setToolTip(1, issue.message)
            item.setData(0, NODE_ROLE, issue.node)
            item.setData(0, ISSUE_ROLE, issue)
            item.setForeground(
                0, Qt.GlobalColor.red if issue.severity == "error" else Qt.GlobalColor.darkYellow
            )
        self._update_fix_button()
        self.updateGeometry()  # the dock grows with the list and shrinks when it empties

    def issues(self) -> list[Issue]:
        return [
            self.tree.topLevelItem(i).data(0, ISSUE_ROLE)
            for i in range(self.tree.topLevelItemCount())
        ]

    def _current_issue(self) -> Issue | None:
        item = self.tree.currentItem()
        return item.data(0, ISSUE_ROLE) if item is not None else None

    def _update_fix_button(self) -> None:
        issue = self._current_issue()
        self.fix_button.setEnabled(issue is not None and bool(self.can_fix(issue)))

    def _fix_current(self) -> None:
        issue = self._current_issue()
        if issue is not None:
            self.fixRequested.emit(issue)

    def _clicked(self, item: QTreeWidgetItem, column: int = 0) -> None:
        node = item.data(0, NODE_ROLE)
        if node:
            self.nodeActivated.emit(node)

    def context_menu_for(self, item: QTreeWidgetItem) -> QMenu:
        """The menu a right click on ``item`` opens (tests read its actions)."""
        issue: Issue = item.data(0, ISSUE_ROLE)
        menu = QMenu(self)
        show = menu.addAction("Show layer")
        show.setEnabled(bool(issue.node))
        show.triggered.connect(lambda: self.nodeActivated.emit(issue.node))
        fix = menu.addAction(f"Apply fix: {issue.fix}" if issue.fix else "Apply fix")
        fix.setEnabled(bool(self.can_fix(issue)))
        fix.triggered.connect(lambda: self.fixRequested.emit(issue))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        menu = self.context_menu_for(item)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.tree.viewport().mapToGlobal(pos))
