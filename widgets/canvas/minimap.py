"""The overview in the canvas's corner: the whole model small, the visible part framed.

It paints a picture of the model (boxes and edges, drawn directly, on a worker thread) made
once per burst of changes, not on every frame, plus the frame of what the main view shows, so panning a
771-layer model costs one rectangle. Clicking or dragging in it moves the main view there.
It hides itself while the whole model fits in
the view, where it would say nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGraphicsView, QWidget

from widgets.canvas.node_item import HEIGHT, WIDTH
from widgets.common.breathing import workers_held

log = logging.getLogger(__name__)

SIZE = QSize(200, 150)  # at most; a narrow canvas gets a smaller overview
SHARE = 0.28  # of the view's width
MARGIN = 12
REDRAW_MS = 200


@dataclass(frozen=True)
class Overview:
    """What the overview shows, as plain numbers taken from the scene on the UI thread:
    reading them costs no Qt calls, and drawing them happens on a worker."""

    lines: list[tuple[float, float, float, float]]
    edge_color: QColor
    boxes: list[tuple[QColor, list[tuple[float, float]]]]  # colour, top-left corners


def overview_of(scene) -> Overview:
    """The model small: one coloured box per layer or block and one line per edge segment.
    Taken from Python-side data only: each Qt call from the UI thread waits for the
    interpreter lock while a worker analyses or compiles, and 10,000 of them (``pos``,
    ``isVisible``, mapped paths) froze the window for 0.8 s when a 771-layer model opened."""
    theme = scene.theme
    lines = [
        (a[0], a[1], b[0], b[1])
        for edge in scene.edges.values()
        if edge.shown
        for a, b in zip(edge.scene_points, edge.scene_points[1:], strict=False)
    ]
    by_color: dict[str, tuple[QColor, list[tuple[float, float]]]] = {}

    def add(look, corner: tuple[float, float]) -> None:
        if look.problem:
            key = "error" if look.severity == "error" else "warning"
            color = theme.error if key == "error" else theme.warning
        else:
            key = "Block" if look.block else look.category
            color = theme.category_color(key)
        by_color.setdefault(key, (color, []))[1].append(corner)

    hidden = scene.hidden_node_ids()
    graph = scene.graph
    for nid, box in scene.nodes.items():
        if nid not in hidden and nid in graph:
            add(box.look, graph.node(nid).position)
    for box in scene.blocks.values():  # a few at most
        at = box.pos()
        add(box.look, (at.x(), at.y()))
    return Overview(lines, QColor(theme.edge), list(by_color.values()))


def draw_overview(painter: QPainter, overview: Overview) -> None:
    """Draws on any thread (a QImage's painter): batched lines, then boxes by colour."""
    pen = QPen(overview.edge_color)
    pen.setCosmetic(True)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawLines([QLineF(*line) for line in overview.lines])
    painter.setPen(Qt.PenStyle.NoPen)
    for color, corners in overview.boxes:
        painter.setBrush(color)
        painter.drawRects([QRectF(x, y, WIDTH, HEIGHT) for x, y in corners])


def render_overview(
    overview: Overview, size: QSize, ratio: float, source: QRectF, target: QRectF
) -> QImage:
    """The overview as a picture, on a worker thread."""
    image = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    scale = target.width() / source.width()
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(target.left(), target.top())
        painter.scale(scale, scale)
        painter.translate(-source.left(), -source.top())
        draw_overview(painter, overview)
    finally:
        painter.end()
    return image


class _Delivery(QObject):
    ready = Signal(int, QImage)


class Minimap(QWidget):
    """A child of ``view``, kept in its bottom-right corner."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.setFixedSize(SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._picture = QImage()
        self._asked = 0  # redraw requests; only the newest one's picture is shown
        self._delivery = _Delivery(self)
        self._delivery.ready.connect(self._arrived)
        self._source = QRectF()  # the scene rectangle the picture shows
        self._target = QRectF()  # where that picture sits in this widget
        self._dragging = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        view.scene().changed.connect(lambda _rects: self._timer.start())
        view.horizontalScrollBar().valueChanged.connect(lambda _v: self.follow_view())
        view.verticalScrollBar().valueChanged.connect(lambda _v: self.follow_view())
        self.place()

    # ----- keeping up with the view --------------------------------------------------------
    def place(self) -> None:
        """Sit in the bottom-right corner of the view's viewport, sized to its width."""
        port = self.view.viewport().geometry()
        width = int(max(90, min(SIZE.width(), port.width() * SHARE)))
        size = QSize(width, int(width * SIZE.height() / SIZE.width()))
        if size != self.size():
            self.setFixedSize(size)
            self._timer.start()
        self.move(port.right() - size.width() - MARGIN, port.bottom() - size.height() - MARGIN)
        self.follow_view()

    def items_rect(self) -> QRectF:
        scene = self.view.scene()
        if scene is None:  # the view is being torn down
            return QRectF()
        bounds = getattr(scene, "items_bounds", None)
        rect = bounds() if bounds is not None else scene.itemsBoundingRect()
        return rect.adjusted(-40, -40, 40, 40) if not rect.isNull() else rect

    def visible_rect(self) -> QRectF:
        """What the main view shows, in scene coordinates."""
        return self.view.mapToScene(self.view.viewport().rect()).boundingRect()

    def follow_view(self) -> None:
        """Show only when part of the model is out of view; repaint the frame."""
        rect = self.items_rect().adjusted(40, 40, -40, -40)  # the boxes, without the margin
        wanted = not rect.isNull() and not self.visible_rect().adjusted(-1, -1, 1, 1).contains(rect)
        if wanted != self.isVisible():
            self.setVisible(wanted)
            if wanted:
                self.redraw()
        self.update()

    def redraw(self) -> None:
        """Draw the picture again (after a burst of edits, not per frame): the shapes are
        read here, the picture is painted on a worker and shown when it arrives; a picture
        for an older request is dropped."""
        self._timer.stop()
        rect = self.items_rect()
        scene = self.view.scene()
        if rect.isNull() or not self.isVisible() or scene is None:
            return
        size = self.size()
        scale = min((size.width() - 8) / rect.width(), (size.height() - 8) / rect.height())
        w, h = rect.width() * scale, rect.height() * scale
        self._target = QRectF((size.width() - w) / 2, (size.height() - h) / 2, w, h)
        self._source = rect
        self._asked += 1
        with workers_held():  # reading 3,500 items goes faster with the workers paused
            overview = overview_of(scene)
        asked = self._asked
        ratio, source, target = self.devicePixelRatioF(), QRectF(rect), QRectF(self._target)
        delivery = self._delivery

        def paint() -> None:
            image = render_overview(overview, size, ratio, source, target)
            if shiboken6.isValid(delivery):
                delivery.ready.emit(asked, image)

        QThreadPool.globalInstance().start(paint)

    def _arrived(self, asked: int, image: QImage) -> None:
        if asked == self._asked:
            self._picture = image
            self.update()

    # ----- drawing -------------------------------------------------------------------------
    def to_scene(self, at: QPointF) -> QPointF:
        if self._target.isEmpty():
            return QPointF()
        fx = (at.x() - self._target.left()) / self._target.width()
        fy = (at.y() - self._target.top()) / self._target.height()
        return QPointF(
            self._source.left() + fx * self._source.width(),
            self._source.top() + fy * self._source.height(),
        )

    def to_map(self, rect: QRectF) -> QRectF:
        if self._source.isEmpty():
            return QRectF()
        sx = self._target.width() / self._source.width()
        sy = self._target.height() / self._source.height()
        return QRectF(
            self._target.left() + (rect.left() - self._source.left()) * sx,
            self._target.top() + (rect.top() - self._source.top()) * sy,
            rect.width() * sx,
            rect.height() * sy,
        )

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        theme = getattr(self.view.scene(), "theme", None)
        background = QColor(theme.background) if theme is not None else QColor("#ffffff")
        background.setAlpha(215)
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(128, 128, 128, 160), 1))
            painter.setBrush(background)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
            if not self._picture.isNull():
                painter.drawImage(0, 0, self._picture)
            frame = self.to_map(self.visible_rect()).intersected(QRectF(self.rect()))
            accent = QColor(theme.selection) if theme is not None else QColor("#2f7dd1")
            fill = QColor(accent)
            fill.setAlpha(40)
            painter.setPen(QPen(accent, 1.5))
            painter.setBrush(fill)
            painter.drawRect(frame)
        finally:
            painter.end()

    # ----- moving the view -----------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self.view.centerOn(self.to_scene(event.position()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._dragging:
            self.view.centerOn(self.to_scene(event.position()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._dragging = False
        super().mouseReleaseEvent(event)
