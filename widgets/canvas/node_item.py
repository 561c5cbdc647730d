"""A layer (or a collapsed block) drawn as a box: name, type, key parameters, output shape
and parameter count, with its ports on the sides.

Painting is hand-written and cached per item in device coordinates, and text is skipped when
zoomed out (level of detail), so a graph of several hundred layers pans at full frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from widgets.app.theme import LIGHT, Theme
from widgets.canvas.port_item import PortItem

# Enum overloads of setPen/setBrush leak a reference to None in PySide6 6.12 and crash
# after enough frames; painting with objects avoids them.
_NO_PEN = QPen(Qt.PenStyle.NoPen)
_NO_BRUSH = QBrush()

WIDTH = 190.0
HEIGHT = 78.0
HEADER = 22.0
BADGE_HEIGHT = 18.0
_TITLE_FONT = QFont()
_TITLE_FONT.setPointSizeF(8.6)
_TITLE_FONT.setBold(True)
_BODY_FONT = QFont()
_BODY_FONT.setPointSizeF(7.6)


@dataclass
class NodeLook:
    """Everything a node box shows; built by the scene from the graph and the analysis."""

    title: str
    subtitle: str
    category: str
    lines: list[str] = field(default_factory=list)
    shape: str = ""
    params: str = ""
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    problem: str = ""
    severity: str = ""
    frozen: bool = False
    block: bool = False


class NodeItem(QGraphicsItem):
    """One box on the canvas. ``key`` is the node id, or ``group:<id>`` for a block."""

    def __init__(self, key: str, look: NodeLook, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.key = key
        self.look = look
        self.theme = theme
        self.ports_shown = True
        self.in_ports: list[PortItem] = []
        self.out_ports: list[PortItem] = []
        self._texts: tuple[str, str, str, str] = ("", "", "", "")
        self.search_badge = ""  # searched values and ranges (widgets.tuning.badges)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self.set_look(look)

    @property
    def node_id(self) -> str | None:
        return None if self.look.block else self.key

    @property
    def group_id(self) -> str | None:
        return self.key.split(":", 1)[1] if self.look.block else None

    # ----- content ---------------------------------------------------------------------------
    def set_look(self, look: NodeLook) -> None:
        """Show new content; ports are rebuilt only when their count or names change."""
        old = self.look
        self.look = look
        if (
            (not self.in_ports and not self.out_ports)
            or old.inputs != look.inputs
            or old.outputs != look.outputs
        ):
            self._make_ports()
        metrics = QFontMetrics(_BODY_FONT)
        room = WIDTH - 28 - metrics.horizontalAdvance(look.subtitle) - (14 if look.frozen else 0)
        title = QFontMetrics(_TITLE_FONT).elidedText(
            look.title, Qt.TextElideMode.ElideRight, int(max(room, 40))
        )
        middle = metrics.elidedText(
            "  ".join(look.lines), Qt.TextElideMode.ElideRight, int(WIDTH - 16)
        )
        bottom = metrics.elidedText(look.shape, Qt.TextElideMode.ElideRight, int(WIDTH - 70))
        self._texts = (title, look.subtitle, middle, bottom)
        tip = [f"<b>{look.title}</b> — {look.subtitle}"]
        if look.shape:
            tip.append(f"output {look.shape}")
        if look.params:
            tip.append(look.params)
        if look.problem:
            color = (
                self.theme.error.name() if look.severity == "error" else self.theme.warning.name()
            )
            tip.append(f"<span style='color:{color}'>{look.problem}</span>")
        self.setToolTip("<br>".join(tip))
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for port in (*self.in_ports, *self.out_ports):
            port.color = theme.edge
            port.update()
        self.update()

    def _make_ports(self) -> None:
        scene = self.scene()
        for port in (*self.in_ports, *self.out_ports):
            if scene is not None:
                scene.removeItem(port)
            port.setParentItem(None)
        self.in_ports = [PortItem(self, i, False, n) for i, n in enumerate(self.look.inputs)]
        self.out_ports = [PortItem(self, i, True, n) for i, n in enumerate(self.look.outputs)]
        for ports, x in ((self.in_ports, 0.0), (self.out_ports, WIDTH)):
            for port in ports:
                port.color = self.theme.edge
                port.setPos(x, self.port_y(port.index, len(ports)))
                port.setVisible(self.ports_shown)

    def show_ports(self, shown: bool) -> None:
        """Ports are too small to hit when zoomed far out, and thousands of them would
        double the cost of every frame; the view hides them below a zoom level."""
        self.ports_shown = shown
        for port in (*self.in_ports, *self.out_ports):
            port.setVisible(shown)

    @staticmethod
    def port_y(index: int, count: int) -> float:
        body = HEIGHT - HEADER
        return HEADER + body * (index + 1) / (count + 1)

    def port_pos(self, index: int, output: bool) -> QPointF:
        """Where edges attach, in scene coordinates."""
        ports = self.out_ports if output else self.in_ports
        count = max(len(ports), 1)
        index = min(index, count - 1)
        return self.pos() + QPointF(WIDTH if output else 0.0, self.port_y(index, count))

    def set_connected(self, index: int, output: bool, connected: bool) -> None:
        ports = self.out_ports if output else self.in_ports
        if index < len(ports) and ports[index].connected != connected:
            ports[index].connected = connected
            ports[index].update()

    # ----- drawing ---------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-3, -3, WIDTH + 6, HEIGHT + 6 + (BADGE_HEIGHT if self.search_badge else 0))

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), 7, 7)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        t, look = self.theme, self.look
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(0, 0, WIDTH, HEIGHT)
        header_color = t.category_color("Block" if look.block else look.category)
        if look.frozen:
            header_color = QColor.fromHsl(header_color.hslHue(), 20, header_color.lightness())
        border = t.node_border
        width = 1.0
        if look.problem:
            border = t.error if look.severity == "error" else t.warning
            width = 2.4
        if self.isSelected():
            border, width = t.selection, 2.6
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod > 0.5)
        painter.setPen(QPen(border, width))
        painter.setBrush(QBrush(t.frozen_fill if look.frozen else t.node_fill))
        if lod < 0.25:  # a dot in a crowd: colour and outline say enough
            painter.setBrush(QBrush(header_color))
            painter.drawRect(rect)
            return
        painter.drawRoundedRect(rect, 7, 7)
        header = QPainterPath()
        header.setFillRule(Qt.FillRule.WindingFill)
        header.addRoundedRect(QRectF(0, 0, WIDTH, HEADER), 7, 7)
        header.addRect(QRectF(0, HEADER - 7, WIDTH, 7))
        painter.fillPath(header, header_color)
        if look.frozen:
            painter.setBrush(QBrush(t.muted_text, Qt.BrushStyle.BDiagPattern))
            painter.setPen(_NO_PEN)
            painter.drawRoundedRect(rect.adjusted(1, HEADER, -1, -1), 6, 6)
        if look.block:  # a stacked edge says "there is more inside"
            painter.setPen(QPen(border, 1.0))
            painter.drawLine(QPointF(6, HEIGHT + 3), QPointF(WIDTH - 6, HEIGHT + 3))
        if lod < 0.55:
            return
        title, subtitle, middle, bottom = self._texts
        text_on_header = QColor("#10151f") if t.name == "light" else QColor("#f2f4f8")
        painter.setFont(_TITLE_FONT)
        painter.setPen(QPen(text_on_header))
        painter.drawText(
            QRectF(8, 0, WIDTH - 16, HEADER),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            title,
        )
        painter.setFont(_BODY_FONT)
        painter.drawText(
            QRectF(8, 0, WIDTH - 16 - (14 if look.frozen else 0), HEADER),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            subtitle,
        )
        if look.frozen:
            self._draw_lock(painter, QPointF(WIDTH - 14, 6), text_on_header)
        painter.setPen(QPen(t.muted_text))
        painter.drawText(
            QRectF(10, HEADER + 3, WIDTH - 20, 16),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            middle,
        )
        painter.setPen(QPen(t.text))
        painter.drawText(
            QRectF(10, HEIGHT - 24, WIDTH - 20, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            bottom,
        )
        painter.setPen(QPen(t.muted_text))
        painter.drawText(
            QRectF(10, HEIGHT - 24, WIDTH - 20, 18),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            look.params,
        )
        if look.problem:
            painter.setPen(_NO_PEN)
            painter.setBrush(QBrush(t.error if look.severity == "error" else t.warning))
            painter.drawEllipse(QRectF(WIDTH - 13, HEADER + 5, 8, 8))
        self._paint_search_badge(painter)

    # ----- the AutoML badge: searched values hang below the box -------------------------------
    def set_search_badge(self, text: str) -> None:
        if text != self.search_badge:
            self.prepareGeometryChange()
            self.search_badge = text
            self.update()

    def _paint_search_badge(self, painter: QPainter) -> None:
        if not self.search_badge:
            return
        metrics = QFontMetrics(_BODY_FONT)
        text = metrics.elidedText(self.search_badge, Qt.TextElideMode.ElideRight, int(WIDTH - 16))
        rect = QRectF(8, HEIGHT + 2, metrics.horizontalAdvance(text) + 10, BADGE_HEIGHT - 4)
        painter.setPen(_NO_PEN)
        painter.setBrush(QBrush(self.theme.selection))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setFont(_BODY_FONT)
        painter.setPen(QPen(QColor("#ffffff")))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _draw_lock(painter: QPainter, at: QPointF, color: QColor) -> None:
        painter.setPen(QPen(color, 1.3))
        painter.setBrush(_NO_BRUSH)
        painter.drawArc(QRectF(at.x() + 1.5, at.y(), 6, 7), 0, 180 * 16)
        painter.setBrush(QBrush(color))
        painter.drawRect(QRectF(at.x(), at.y() + 4, 9, 6))

    # ----- interaction -----------------------------------------------------------------------
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "node_item_moved"):
                scene.node_item_moved(self)
        return super().itemChange(change, value)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        scene = self.scene()
        if scene is not None and hasattr(scene, "node_double_clicked"):
            scene.node_double_clicked(self)
        super().mouseDoubleClickEvent(event)
