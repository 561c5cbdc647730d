"""The Evaluation view's per-class table: precision, recall, F1 and support of each class.

A model over the report's arrays instead of one item object per cell: an ImageNet-sized
head (1,000 classes) made 4,000 items on the UI thread, 18 ms on an idle machine and several
times that while a worker ran; the view now asks only for the rows it paints.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView, QWidget

from studio.inspect import ClassReport

HEADERS = ("Precision", "Recall", "F1", "Support")
Index = QModelIndex | QPersistentModelIndex


class _ReportModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.report: ClassReport | None = None

    def show(self, report: ClassReport | None) -> None:
        self.beginResetModel()
        self.report = report
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if self.report is None or parent.isValid() else len(self.report.names)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self.report is None or not index.isValid():
            return None
        r, row = self.report, index.row()
        column = (r.precision, r.recall, r.f1, r.support)[index.column()]
        return str(int(column[row])) if index.column() == 3 else f"{column[row]:.3f}"

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if section < len(HEADERS) else None
        if self.report is not None and section < len(self.report.names):
            return self.report.names[section]
        return None


class ClassTable(QTableView):
    """Rows are classes; ``show_report(None)`` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = _ReportModel()
        self.setModel(self._model)

    def show_report(self, report: ClassReport | None) -> None:
        self._model.show(report)

    def rowCount(self) -> int:  # noqa: N802 (mirrors QTableWidget, which this replaced)
        return self._model.rowCount()

    def cell(self, row: int, column: int) -> str:
        """The text shown in one cell."""
        return self._model.data(self._model.index(row, column))
