"""The architecture diff drawn: both versions of a model in one picture, changes marked.

Layers of the newer version stand where the editor put them; layers only the older version had
stand where they were, drawn dashed. Green is added, red removed, amber changed (the changed
parameters and the parameter-count delta are written on the box and listed beside the
picture), grey unchanged. It is a read-only drawing: its own scene, built from a
``studio.graph.diff.GraphDiff``, never the editor's.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.graph import Graph
from studio.graph.diff import GraphDiff, NodeDiff

WIDTH, HEIGHT = 190.0, 58.0
COLORS = {
    "added": QColor("#2e7d32"),
    "removed": QColor("#c62828"),
    "changed": QColor("#ef8f00"),
    "same": QColor("#9aa3ad"),
}
MARKS = {"added": "+", "removed": "−", "changed": "~", "same": ""}


def _delta_text(row: NodeDiff) -> str:
    delta = row.param_delta
    return f"params {delta:+,}" if delta else ""


class DiffNodeItem(QGraphicsRectItem):
    """One layer box; ``row`` says what happened to it."""

    def __init__(self, row: NodeDiff, pos: QPointF) -> None:
        super().__init__(QRectF(0, 0, WIDTH, HEIGHT))
        self.row = row
        color = COLORS[row.status]
        pen = QPen(color, 2.4 if row.status != "same" else 1.0)
        if row.status == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(40 if row.status != "same" else 15)
        self.setBrush(QBrush(fill))
        self.setPos(pos)
        title = QGraphicsSimpleTextItem(f"{MARKS[row.status]} {row.name}", self)
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(8.5)
        title.setFont(font)
        title.setPos(6, 4)
        detail = [row.type]
        if row.changes:
            detail.append(", ".join(c.name for c in row.changes)[:40])
        body = QGraphicsSimpleTextItem(" · ".join(detail), self)
        body.setPos(6, 22)
        delta = QGraphicsSimpleTextItem(_delta_text(row), self)
        delta.setPos(6, 38)
        lines = [f"<b>{row.name}</b> ({row.type}): {row.status}"]
        lines += [f"{c.name}: {c.before!r} → {c.after!r}" for c in row.changes]
        if row.params_a is not None or row.params_b is not None:
            lines.append(f"params {row.params_a} → {row.params_b}")
        self.setToolTip("<br>".join(lines))


def draw_diff(
    scene: QGraphicsScene, diff: GraphDiff, a: Graph, b: Graph
) -> dict[str, DiffNodeItem]:
    """Fill ``scene``; returns the boxes by layer name."""
    scene.clear()
    items: dict[str, DiffNodeItem] = {}
    anchors: dict[tuple[str, str], DiffNodeItem] = {}
    taken: list[QRectF] = [
        QRectF(*b.node(r.id_b).position, WIDTH, HEIGHT) for r in diff.nodes if r.id_b is not None
    ]
    for row in diff.nodes:
        if row.id_b is not None:
            x, y = b.node(row.id_b).position
        else:
            x, y = a.node(row.id_a).position  # type: ignore[arg-type]
            # Where it was may now hold another layer: move it down until it stands free.
            while any(QRectF(x, y, WIDTH, HEIGHT).intersects(r) for r in taken):
                y += HEIGHT + 24
            taken.append(QRectF(x, y, WIDTH, HEIGHT))
        item = DiffNodeItem(row, QPointF(x, y))
        scene.addItem(item)
        items[row.name] = item
        if row.id_b is not None:
            anchors[("b", row.id_b)] = item
        if row.id_a is not None:
            anchors[("a", row.id_a)] = item
    # B's wiring solid; A's wiring that B no longer has, dashed red.
    drawn: set[tuple[int, int]] = set()
    for side, graph in (("b", b), ("a", a)):
        for edge in graph.edges:
            src, dst = anchors.get((side, edge.src)), anchors.get((side, edge.dst))
            if src is None or dst is None or (id(src), id(dst)) in drawn:
                continue
            drawn.add((id(src), id(dst)))
            path = QPainterPath(src.pos() + QPointF(WIDTH, HEIGHT / 2))
            end = dst.pos() + QPointF(0, HEIGHT / 2)
            mid = (path.currentPosition().x() + end.x()) / 2
            path.cubicTo(QPointF(mid, path.currentPosition().y()), QPointF(mid, end.y()), end)
            pen = QPen(QColor("#55606e"), 1.4)
            if side == "a":
                pen = QPen(COLORS["removed"], 1.4, Qt.PenStyle.DashLine)
            edge_item = QGraphicsPathItem(path)
            edge_item.setPen(pen)
            edge_item.setZValue(-1)
            scene.addItem(edge_item)
    return items


class DiffDialog(QDialog):
    """The picture and, beside it, the list of changes with the parameter totals."""

    def __init__(self, diff: GraphDiff, a: Graph, b: Graph, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diff = diff
        self.setWindowTitle(f"Architecture diff: {diff.name_a} → {diff.name_b}")
        self.resize(1100, 650)
        self.scene = QGraphicsScene(self)
        self.items = draw_diff(self.scene, diff, a, b)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.changes = QListWidget()
        for row in diff.nodes:
            if row.status == "same":
                continue
            text = f"{MARKS[row.status]} {row.name} ({row.type}) {_delta_text(row)}".rstrip()
            for change in row.changes:
                text += f"\n    {change.name}: {change.before!r} → {change.after!r}"
            item = QListWidgetItem(text)
            item.setForeground(QBrush(COLORS[row.status]))
            item.setData(Qt.ItemDataRole.UserRole, row.name)
            self.changes.addItem(item)
        self.changes.currentItemChanged.connect(self._focus)
        total = (
            f"Total parameters {diff.total_a:,} → {diff.total_b:,} ({diff.total_delta:+,})"
            if diff.total_a is not None and diff.total_b is not None
            else "Total parameters: one version cannot be sized (it has errors)"
        )
        self.summary = QLabel(
            f"{len(diff.added)} added, {len(diff.removed)} removed, "
            f"{len(diff.changed)} changed. {total}"
            if not diff.identical
            else f"The two versions are the same. {total}"
        )
        self.summary.setWordWrap(True)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.changes)
        splitter.setStretchFactor(0, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        rect = self.scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def _focus(self, current: QListWidgetItem | None, _previous: object = None) -> None:
        if current is None:
            return
        item = self.items.get(current.data(Qt.ItemDataRole.UserRole))
        if item is not None:
            self.scene.clearSelection()
            self.view.centerOn(item)


__all__ = ["DiffDialog", "DiffNodeItem", "draw_diff"]
