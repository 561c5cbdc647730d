"""SummaryView: the layer table, sortable by any column, exportable to CSV or Markdown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from studio.checks import Analysis
from studio.graph import Graph, Node
from studio.inspect import (
    COLUMNS,
    HEADERS,
    SummaryTable,
    nodes_in_order,
    summarize,
    summarize_nodes,
)
from widgets.inspect.common import InspectView, Work

NUMERIC = {"params", "trainable_params", "macs", "activation_bytes", "param_bytes"}
Index = QModelIndex | QPersistentModelIndex


class SummaryTableModel(QAbstractTableModel):
    """Qt's view of a ``SummaryTable``; sorting delegates to ``SummaryTable.sorted_by``."""

    def __init__(self) -> None:
        super().__init__()
        self.table: SummaryTable | None = None

    def set_table(self, table: SummaryTable | None) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if self.table is None or parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if self.table is None or not index.isValid():
            return None
        column = COLUMNS[index.column()]
        value = getattr(self.table.rows[index.row()], column)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:,}" if column in NUMERIC else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[COLUMNS[section]]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.table is None:
            return
        self.layoutAboutToBeChanged.emit()
        descending = order == Qt.SortOrder.DescendingOrder
        self.table = self.table.sorted_by(COLUMNS[column], descending)
        self.layoutChanged.emit()


class SummaryView(InspectView):
    """The layer table. Given the design's analysis (``set_design``) it needs no compiled model
    and is current as soon as the analysis is; without one it summarises the model it holds."""

    needs_model = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.design: tuple[str, list[Node], Analysis] | None = None
        self.design_revision: int | None = None
        self.shown_design: int | None = None  # the design revision the table shows
        self.table_model = SummaryTableModel()
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        # Columns are sized once, from the first rows, when the first table arrives, then left
        # to the user. Sizing them to their contents on every change asked the Python model
        # for thousands of cells per selection; each call waited for the interpreter lock while
        # a worker generated code, and selecting a row froze the window for a second.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(60)
        self._sized = False
        self.totals = QLabel()
        self.export_button = QPushButton("Export…")
        row = QHBoxLayout()
        row.addWidget(self.totals, 1)
        row.addWidget(self.export_button)
        self.body.addWidget(self.table, 1)
        self.body.addLayout(row)
        self.export_button.clicked.connect(self._ask_export)
        self.table.clicked.connect(self._on_row_clicked)

    def set_design(self, graph: Graph | None, analysis: Analysis | None) -> None:
        """Follow the design: a new analysis (or None, when the design cannot be analysed and
        the model it holds is all there is). The table is built on the worker from the nodes
        taken now, in order; nodes are immutable, so later edits cannot mix into it."""
        if graph is None or analysis is None or not analysis.ok:
            self.design, self.design_revision = None, None
        else:
            nodes = nodes_in_order(graph, analysis)
            self.design, self.design_revision = (graph.name, nodes, analysis), analysis.revision
        self.shown_design = None
        self.schedule_refresh()

    def design_current(self) -> bool:
        """Whether the table shows the latest design given (and one was given)."""
        return self.design is not None and self.shown_design == self.design_revision

    def _prepare(self) -> Work | None:
        if self.design is not None:
            revision = self.design_revision

            def show(table: SummaryTable) -> None:
                self._show_table(table)
                self.shown_design = revision

            return Work(summarize_nodes, self.design, show, "Summarising the design…")
        if self.model is None:
            self.table_model.set_table(None)
            self.totals.setText("No model.")
            return None
        return Work(summarize, (self.model,), self._show_table, "Summarising the model…")

    def _show_table(self, table: SummaryTable) -> None:
        self.table_model.set_table(table)
        if not self._sized and table.rows:
            self.table.resizeColumnsToContents()
            self._sized = True
        self.totals.setText(
            f"Total params {table.total_params:,} (trainable {table.total_trainable_params:,})"
            f" · MACs {table.total_macs:,} · memory {table.total_memory_bytes / 1024:,.1f} KiB"
        )
        self._select_layer()

    def _layer_changed(self) -> None:
        self._select_layer()

    def _select_layer(self) -> None:
        table = self.table_model.table
        if table is None or self.layer_name is None:
            return
        for i, row in enumerate(table.rows):
            if row.name == self.layer_name:
                self.table.selectRow(i)
                return

    def _on_row_clicked(self, index: QModelIndex) -> None:
        table = self.table_model.table
        if table is not None:
            self.layer_name = table.rows[index.row()].name
            self.layerChosen.emit(self.layer_name)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export summary", "summary.csv", "CSV (*.csv);;Markdown (*.md)"
        )
        if path:
            self.export(path)

    def export(self, path: str | Path) -> Path | None:
        """Write the table as shown (sorted) to CSV or Markdown; errors shown in the view."""
        if self.table_model.table is None:
            self.show_error("Nothing to export: no model.")
            return None
        try:
            return self.table_model.table.export(path)
        except OSError as exc:
            self.show_error(f"Could not write {path}: {exc}")
            return None
