"""A layer (or a collapsed block) drawn as a box: name, type, key parameters, output shape
and parameter count, with its ports on the sides.

Painting is hand-written and cached per item in device coordinates. Zoomed out (level of
detail) a box becomes a block of its type's colour with its name in a font sized for the
screen, not the scene, so it stays legible down to the zoom Fit to View uses; further out it is
only the colour. Every shortened text is whole in the tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from studio.graph.routing import port_offset
from widgets.canvas.port_item import PortItem
from widgets.common.theme import LIGHT, Theme

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
# Scale bands of the level of detail (1.0 = 100 % zoom).
DETAIL_LOD = 0.62  # from here up: every line of text
NAME_LOD = 0.2  # from here up: the name, in a font of BLOCK_NAME_PX screen pixels
BLOCK_NAME_PX = 10.5
_ELIDE_SLACK = 0.92  # hinting makes text a little wider at some zooms than at 100 %


def _longest_prefix(text: str, metrics: QFontMetrics, width: float) -> int:
    """How many characters of ``text`` fit ``width`` (at least one), by halving: a prefix
    only grows wider, and measuring every length made opening a 771-layer model spend
    100 ms of the UI thread here."""
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if metrics.horizontalAdvance(text[:mid]) <= width:
            low = mid
        else:
            high = mid - 1
    return low


def name_lines(name: str, metrics: QFontMetrics, width: float, most: int) -> list[str]:
    """A layer name in at most ``most`` lines that fit ``width``.

    Lines break after an underscore where one fits, else inside a word; when the name is
    longer still, the last line keeps the name's end (block and layer numbers live there)
    behind an ellipsis.
    """
    lines: list[str] = []
    rest = name
    most = max(int(most), 1)
    while rest and len(lines) < most - 1:
        if metrics.horizontalAdvance(rest) <= width:
            break
        cut = _longest_prefix(rest, metrics, width)
        under = rest.rfind("_", 0, cut)
        room = width * (most - len(lines) - 1)  # what the lines after this one can hold
        if under >= cut // 2 or (
            under > 0 and metrics.horizontalAdvance(rest[under + 1 :]) <= room
        ):
            cut = under + 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideLeft, int(width)))
    return lines


class _MeasuredOnce:
    """Font metrics that measure each string once: the search over zooms below breaks the
    same name at many widths and measured the same prefixes again each time (15 ms of the
    UI thread when ResNet-50 opened)."""

    def __init__(self, metrics: QFontMetrics) -> None:
        self._metrics = metrics
        self._widths: dict[str, int] = {}

    def horizontalAdvance(self, text: str) -> int:  # noqa: N802 - QFontMetrics' name
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = self._metrics.horizontalAdvance(text)
        return width

    def elidedText(self, text: str, mode: Qt.TextElideMode, width: int) -> str:  # noqa: N802
        return self._metrics.elidedText(text, mode, width)

    def lineSpacing(self) -> int:  # noqa: N802 - QFontMetrics' name
        return self._metrics.lineSpacing()


def readable_scale(names: list[str], share: float = 0.8, sample: int = 64) -> float:
    """The smallest zoom at which ``share`` of the names show whole (no ellipsis) in a
    zoomed-out block, never below the zoom where names are drawn at all.

    Tried on the same line breaking the block paints with, on up to ``sample`` names spread
    over the model.
    """
    unique = list(dict.fromkeys(names))
    if not unique:
        return NAME_LOD
    step = max(1, len(unique) // sample)
    font = QFont(_TITLE_FONT)
    font.setPixelSize(round(BLOCK_NAME_PX + 0.5))
    metrics = _MeasuredOnce(QFontMetrics(font))
    room = (WIDTH - 12) * _ELIDE_SLACK  # scene units across a block, at 100 %
    scales = [NAME_LOD + 0.02 * i for i in range(int((DETAIL_LOD - NAME_LOD) / 0.02) + 1)]

    def whole(name: str, scale: float) -> bool:
        most = int(HEIGHT * scale // metrics.lineSpacing())
        return bool(most) and "…" not in "".join(name_lines(name, metrics, room * scale, most))

    need = []
    for name in unique[::step]:  # more zoom never cuts more of a name: search, not scan
        low, high = 0, len(scales) - 1
        while low < high:
            mid = (low + high) // 2
            if whole(name, scales[mid]):
                high = mid
            else:
                low = mid + 1
        need.append(scales[low])
    need.sort()
    return need[min(len(need) - 1, int(share * len(need)))]


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
        self.direction = "LR"
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
    def set_look(self, look: NodeLook) -> bool:
        """Show new content; ports are rebuilt only when their count or names change.
        True when they were, so the edges attached to them need placing again."""
        old = self.look
        if old == look and self._texts[0]:
            return False
        self.look = look
        ports_changed = (
            (not self.in_ports and not self.out_ports)
            or old.inputs != look.inputs
            or old.outputs != look.outputs
        )
        if ports_changed:
            self._make_ports()
        metrics = QFontMetrics(_BODY_FONT)
        elide = Qt.TextElideMode.ElideRight
        # The header holds the name alone; the type leads the line of key parameters.
        room = (WIDTH - 16 - (14 if look.frozen else 0)) * _ELIDE_SLACK
        title = QFontMetrics(_TITLE_FONT).elidedText(look.title, elide, int(room))
        middle = metrics.elidedText(
            "  ".join([look.subtitle, *look.lines]), elide, int((WIDTH - 20) * _ELIDE_SLACK)
        )
        count = look.params
        shape_room = WIDTH - 20 - (metrics.horizontalAdvance(count) + 8 if count else 0)
        if count and metrics.horizontalAdvance(look.shape) > shape_room * _ELIDE_SLACK:
            count = count.replace(" params", "").replace(" param", "")  # the tooltip says it
            shape_room = WIDTH - 20 - metrics.horizontalAdvance(count) - 8
        bottom = metrics.elidedText(look.shape, elide, int(shape_room * _ELIDE_SLACK))
        self._texts = (title, count, middle, bottom)
        tip = [f"<b>{look.title}</b> — {look.subtitle}"]
        if look.lines:
            tip.append(", ".join(look.lines))
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
        return ports_changed

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
        for port in (*self.in_ports, *self.out_ports):
            port.color = self.theme.edge
            port.setVisible(self.ports_shown)
        self._place_ports()

    def _place_ports(self) -> None:
        for ports in (self.in_ports, self.out_ports):
            for port in ports:
                x, y = port_offset(port.index, len(ports), port.output, self.direction)
                port.setPos(x, y)

    def set_direction(self, direction: str) -> bool:
        """Inputs on top and outputs below ("TB"), or on the left and right ("LR"). True
        when the ports moved."""
        if direction == self.direction:
            return False
        self.direction = direction
        self._place_ports()
        return True

    def show_ports(self, shown: bool) -> None:
        """Ports are too small to hit when zoomed far out, and thousands of them would
        double the cost of every frame; the view hides them below a zoom level."""
        self.ports_shown = shown
        for port in (*self.in_ports, *self.out_ports):
            port.setVisible(shown)

    def port_pos(self, index: int, output: bool) -> QPointF:
        """Where edges attach, in scene coordinates."""
        ports = self.out_ports if output else self.in_ports
        x, y = port_offset(index, len(ports), output, self.direction)
        return self.pos() + QPointF(x, y)

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
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod > 0.3)
        painter.setPen(QPen(border, width))
        painter.setBrush(QBrush(t.frozen_fill if look.frozen else t.node_fill))
        if lod < DETAIL_LOD:
            self._paint_block(painter, lod, header_color, border, width)
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
        title, count, middle, bottom = self._texts
        text_on_header = QColor("#10151f") if t.name == "light" else QColor("#f2f4f8")
        painter.setFont(_TITLE_FONT)
        painter.setPen(QPen(text_on_header))
        painter.drawText(
            QRectF(8, 0, WIDTH - 16, HEADER),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextDontClip,
            title,
        )
        painter.setFont(_BODY_FONT)
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
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip,
            count,
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

    def _paint_block(
        self, painter: QPainter, lod: float, color: QColor, border: QColor, width: float
    ) -> None:
        """Zoomed out: the box in its type's colour and its name at a fixed screen size."""
        rect = QRectF(0, 0, WIDTH, HEIGHT)
        fill = QColor(color)
        if self.look.block:
            fill = fill.lighter(115)
        painter.setBrush(QBrush(fill))
        painter.setPen(QPen(border, width / max(lod, 0.05) * 0.6 if self.isSelected() else width))
        painter.drawRoundedRect(rect, 9, 9)
        if self.look.block:
            painter.drawLine(QPointF(8, HEIGHT + 3), QPointF(WIDTH - 8, HEIGHT + 3))
        if lod < NAME_LOD:
            return
        font = QFont(_TITLE_FONT)
        font.setPixelSize(max(1, round(min(BLOCK_NAME_PX / lod, HEIGHT * 0.7))))
        metrics = QFontMetrics(font)
        most = max(1, int(HEIGHT // metrics.lineSpacing()))
        lines = name_lines(self.look.title, metrics, (WIDTH - 12) * _ELIDE_SLACK, most)
        if not lines or lines[0] in ("", "…"):  # an ellipsis alone says nothing
            return
        painter.setFont(font)
        painter.setPen(QPen(QColor("#10151f") if self.theme.name == "light" else QColor("#f2f4f8")))
        painter.drawText(
            rect.adjusted(6, 0, -6, 0),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextDontClip,
            "\n".join(lines),
        )

    @staticmethod
    def _draw_lock(painter: QPainter, at: QPointF, color: QColor) -> None:
        painter.setPen(QPen(color, 1.3))
        painter.setBrush(_NO_BRUSH)
        painter.drawArc(QRectF(at.x() + 1.5, at.y(), 6, 7), 0, 180 * 16)
        painter.setBrush(QBrush(color))
        painter.drawRect(QRectF(at.x(), at.y() + 4, 9, 6))

    # ----- training health (a child item of its own; see widgets/canvas/health_badge.py) --------
    def set_health(self, health) -> None:
        """Show a ``studio.training.health.NodeHealth`` badge on this box (``None`` hides it)."""
        from widgets.canvas.health_badge import set_badge

        set_badge(self, health)

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
