"""A connection drawn as a smooth curve from an output port through the layout's bend points
to an input port, labelled with the tensor shape that flows along it.

The curve is made of the pieces ``studio.graph.routing`` defines, the same ones the layout
benchmark checks against node boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from studio.graph.routing import pieces
from widgets.common.theme import LIGHT, Theme

# Enum overloads of setBrush/setPen leak a reference to None in PySide6 6.12 and crash
# after enough frames; painting with objects avoids them.
_NO_BRUSH = QBrush()

_LABEL_FONT = QFont()
_LABEL_FONT.setPointSizeF(7.0)
_METRICS = QFontMetricsF(_LABEL_FONT)
LABEL_LOD = 0.7  # shape labels below this zoom would be smaller than about five pixels
_PAD = 10.0  # room around a label's text, more than hinting ever adds at any zoom


def curve(points: Sequence[QPointF], direction: str = "LR") -> QPainterPath:
    """The drawn path through ``points`` (port, bend points, port)."""
    path = QPainterPath(points[0])
    for _a, c1, c2, b in pieces([(p.x(), p.y()) for p in points], direction):
        path.cubicTo(QPointF(*c1), QPointF(*c2), QPointF(*b))
    return path


class EdgeItem(QGraphicsItem):
    def __init__(self, edge: Edge | None, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.edge = edge
        self.theme = theme
        self.label = ""
        self.show_label = True
        self.problem = ""
        self.direction = "LR"
        self._points: list[QPointF] = [QPointF(), QPointF()]
        self.scene_points: list[tuple[float, float]] = [(0.0, 0.0), (0.0, 0.0)]
        self.shown = True  # as set by the scene; read without a Qt call
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._bounds = QRectF()
        self._path_bounds = QRectF()
        self._label_box = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, edge is not None)
        self.setZValue(0)
        if edge is not None:  # panning then blits pixmaps instead of calling paint per edge
            self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self.set_points([a, b])

    def set_points(self, points: Sequence[QPointF], direction: str | None = None) -> None:
        """Ports and bend points in scene coordinates; ``direction`` is the flow ("TB"/"LR")."""
        self.prepareGeometryChange()
        if direction is not None:
            self.direction = direction
        self._points = [QPointF(p) for p in points]
        self.scene_points = [(p.x(), p.y()) for p in self._points]  # for the overview
        self._path = curve(self._points, self.direction)
        self._shape = None  # built on the first hit test; dragging never needs it
        self._path_bounds = self._path.boundingRect().adjusted(-4, -4, 4, 4)
        self._fit_label()

    def _fit_label(self) -> None:
        self._label_box = self._place_label()
        self._bounds = self._path_bounds
        if self.label:
            self._bounds = self._bounds.united(self._label_box)

    def _place_label(self) -> QRectF:
        """Just past the source port: the shape is the source's output, every edge leaving
        that port carries the same one (so their labels coincide and read as one), and a long
        routed edge would otherwise put it far from both ends."""
        w = _METRICS.horizontalAdvance(self.label) + _PAD
        h = _METRICS.height() + 4
        at = self._points[0]
        if self.direction == "TB":
            return QRectF(at.x() + 4, at.y() + 3, w, h)
        return QRectF(at.x() + 4, at.y() - h - 2, w, h)

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.label = text
            self.prepareGeometryChange()
            self._fit_label()  # the curve stays: the first analysis labels 2,800 edges
            if not self.problem:
                self.setToolTip(text)
            self.update()

    def set_problem(self, message: str) -> None:
        if message != self.problem:
            self.problem = message
            self.setToolTip(message or self.label)
            self.update()

    def points(self) -> list[QPointF]:
        return list(self._points)

    def path(self) -> QPainterPath:
        return QPainterPath(self._path)

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
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod > 0.3)
        width = 2.2 if self.isSelected() or self.problem else 1.5
        pen = QPen(color, max(width, 1.0 / max(lod, 0.01)))  # never thinner than a pixel
        if self.edge is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path)
        if self.show_label and self.label and lod > LABEL_LOD:
            painter.setFont(_LABEL_FONT)
            painter.setPen(QPen(t.edge_label))
            painter.drawText(
                self._label_box,
                Qt.AlignmentFlag.AlignLeft
                | Qt.AlignmentFlag.AlignVCenter
                | Qt.TextFlag.TextDontClip,
                self.label,
            )
