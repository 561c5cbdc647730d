"""A connection point on a node: inputs on the left edge, outputs on the right."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

RADIUS = 5.5


class PortItem(QGraphicsItem):
    """Drawn and hit-tested as a small circle; the view starts connections from outputs."""

    def __init__(self, parent: QGraphicsItem, index: int, output: bool, name: str) -> None:
        super().__init__(parent)
        self.index = index
        self.output = output
        self.name = name
        self.connected = False
        self.color = QColor("#7a8594")
        self.setAcceptHoverEvents(True)
        self.setToolTip(("output " if output else "input ") + name)
        self.setZValue(2)

    @property
    def node_key(self) -> str:
        return self.parentItem().key  # type: ignore[union-attr]

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        r = RADIUS + 1.5
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if option.levelOfDetailFromTransform(painter.worldTransform()) < 0.3:
            return  # too small to aim at; the node box alone reads better
        painter.setPen(QPen(self.color, 1.6))
        painter.setBrush(QBrush(self.color) if self.connected else QBrush(QColor(0, 0, 0, 0)))
        painter.drawEllipse(QRectF(-RADIUS, -RADIUS, 2 * RADIUS, 2 * RADIUS))

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self.setScale(1.35)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.setScale(1.0)
        super().hoverLeaveEvent(event)
