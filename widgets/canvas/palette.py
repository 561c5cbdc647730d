"""The layer palette: every catalogue layer by category, filtered as you type.

Layers leave the palette by drag (a custom mime type the canvas accepts) or by double-click
(``addRequested``), which the window turns into an add at the view centre.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.catalog import categories
from widgets.canvas.view import LAYER_MIME

TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


class _LayerTree(QTreeWidget):
    """Carries the layer's type name in the drag so the drop needs nothing else."""

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 - Qt's name
        mime = QMimeData()
        names = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        if names:
            mime.setData(LAYER_MIME, names[0].encode("utf-8"))
            mime.setText(names[0])
        return mime

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [LAYER_MIME]


class Palette(QWidget):
    addRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = _LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._double_clicked)

    def _fill(self) -> None:
        for category, specs in categories().items():
            parent = QTreeWidgetItem(self.tree, [category])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            for spec in specs:
                child = QTreeWidgetItem(parent, [spec.type_name])
                child.setData(0, TYPE_ROLE, spec.type_name)
                child.setToolTip(0, f"<b>{spec.type_name}</b><br>{spec.help}")
                child.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
            parent.setExpanded(category in ("Core", "Convolution", "Pooling"))

    def filter(self, text: str) -> None:
        """Show layers whose name or help mentions ``text``; open the groups that match."""
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            shown = 0
            for j in range(parent.childCount()):
                child = parent.child(j)
                match = (
                    not needle
                    or needle in child.text(0).lower()
                    or needle in child.toolTip(0).lower()
                )
                child.setHidden(not match)
                shown += match
            parent.setHidden(shown == 0)
            if needle:
                parent.setExpanded(shown > 0)

    def visible_layers(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            out += [
                parent.child(j).text(0)
                for j in range(parent.childCount())
                if not parent.isHidden() and not parent.child(j).isHidden()
            ]
        return out

    def _double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        name = item.data(0, TYPE_ROLE)
        if name:
            self.addRequested.emit(name)
