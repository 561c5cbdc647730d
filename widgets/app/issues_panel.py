"""The issues list: what stops the model from compiling (and warnings), one row each.

Clicking a row reports the node it is about (``nodeActivated``) so the window can select and
centre it; the panel itself only displays the analysis it is given.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from studio.checks import Analysis

NODE_ROLE = Qt.ItemDataRole.UserRole + 1


class IssuesPanel(QWidget):
    nodeActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No problems", self)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["", "Problem", "Fix"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 70)
        self.tree.setColumnWidth(1, 420)
        self.tree.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)
        self._shown: list[tuple[str, str | None, str]] = []

    def show_analysis(self, analysis: Analysis) -> None:
        rows = [(i.message, i.node, i.severity) for i in analysis.issues]
        if rows == self._shown:
            return  # most edits leave the list as it was; keep the user's scroll and selection
        self._shown = rows
        self.tree.clear()
        for issue in sorted(analysis.issues, key=lambda i: i.severity != "error"):
            item = QTreeWidgetItem(self.tree, [issue.severity, issue.message, issue.fix])
            item.setToolTip(1, issue.message)
            item.setData(0, NODE_ROLE, issue.node)
            item.setForeground(
                0, Qt.GlobalColor.red if issue.severity == "error" else Qt.GlobalColor.darkYellow
            )
        errors = len(analysis.errors)
        warnings = len(analysis.issues) - errors
        if not analysis.issues:
            self.summary.setText(f"No problems · {analysis.total_params:,} parameters")
        else:
            self.summary.setText(f"{errors} error(s), {warnings} warning(s)")

    def _clicked(self, item: QTreeWidgetItem, column: int = 0) -> None:
        node = item.data(0, NODE_ROLE)
        if node:
            self.nodeActivated.emit(node)
