"""A connection drawn as a cubic curve from an output port to an input port, labelled with
the tensor shape that flows along it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from studio.graph import Edge
from widgets.common.theme import LIGHT, Theme

# Enum overloads of setBrush/setPen leak a reference to None in PySide6 6.12 and crash
# after enough frames; painting with objects avoids them.
_NO_BRUSH = QBrush()

_LABEL_FONT = QFont()
_LABEL_FONT.setPointSizeF(7.0)
_METRICS = QFontMetricsF(_LABEL_FONT)


def curve(a: QPointF, b: QPointF) -> QPainterPath:
    """A left-to-right S-curve; the handles grow with distance so long edges stay smooth, and
    stay short for edges that run backwards (a wrapped row) so they do not loop wide."""
    dx = max(abs(b.x() - a.x()) * 0.5, 40.0) if b.x() >= a.x() else 150.0
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


class EdgeItem(QGraphicsItem):
    def __init__(self, edge: Edge | None, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.edge = edge
        self.theme = theme
        self.label = ""
        self.show_label = True
        self.problem = ""
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._bounds = QRectF()
        self._label_at = QPointF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, edge is not None)
        self.setZValue(0)
        if edge is not None:  # panning then blits pixmaps instead of calling paint per edge
            self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self.prepareGeometryChange()
        self._path = curve(a, b)
        self._shape = None  # built on the first hit test; dragging never needs it
        self._label_at = self._path.pointAtPercent(0.5)
        w = _METRICS.horizontalAdvance(self.label) + 8 if self.label else 0
        label_box = QRectF(self._label_at.x() - w / 2, self._label_at.y() - 16, w, 14)
        self._bounds = self._path.boundingRect().adjusted(-4, -4, 4, 4).united(label_box)

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.label = text
            self.set_ends(self._path.pointAtPercent(0), self._path.pointAtPercent(1))
            self.update()

    def set_problem(self, message: str) -> None:
        if message != self.problem:
            self.problem = message
            self.setToolTip(message or self.label)
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        t = self.theme
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = t.error if self.problem else (t.selection if self.isSelected() else t.edge)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod > 0.5)
        pen = QPen(color, 2.2 if self.isSelected() or self.problem else 1.5)
        if self.edge is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path)
        if self.show_label and self.label and lod > 0.7:
            painter.setFont(_LABEL_FONT)
            painter.setPen(QPen(t.edge_label))
            w = _METRICS.horizontalAdvance(self.label) + 8
            painter.drawText(
                QRectF(self._label_at.x() - w / 2, self._label_at.y() - 16, w, 14),
                Qt.AlignmentFlag.AlignCenter,
                self.label,
            )
