"""The overview in the canvas's corner: the whole model small, the visible part framed.

It paints a picture of the model (boxes and edges, drawn directly) made once per burst of
changes, not on every frame, plus the frame of what the main view shows, so panning a
771-layer model costs one rectangle. Clicking or dragging in it moves the main view there.
It hides itself while the whole model fits in
the view, where it would say nothing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsView, QWidget

log = logging.getLogger(__name__)

SIZE = QSize(200, 150)  # at most; a narrow canvas gets a smaller overview
SHARE = 0.28  # of the view's width
MARGIN = 12
REDRAW_MS = 200


def draw_overview(painter: QPainter, scene) -> None:
    """The model small: one coloured box per layer or block and one line per edge, drawn here
    in a single pass. ``QGraphicsScene.render`` called every item's Python ``paint`` (2,500
    calls for NASNetMobile), and each call waited for the interpreter lock while a worker
    generated code or compiled: 1.6 s of frozen window after one edit."""
    theme = scene.theme
    pen = QPen(theme.edge)
    pen.setCosmetic(True)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for edge in scene.edges.values():
        if edge.isVisible():
            painter.drawPath(edge.mapToScene(edge.path()))
    painter.setPen(Qt.PenStyle.NoPen)
    for box in [*scene.nodes.values(), *scene.blocks.values()]:
        if not box.isVisible():
            continue
        look = box.look
        if look.problem:
            color = theme.error if look.severity == "error" else theme.warning
        else:
            color = theme.category_color("Block" if look.block else look.category)
        painter.setBrush(color)
        painter.drawRect(box.sceneBoundingRect())


class Minimap(QWidget):
    """A child of ``view``, kept in its bottom-right corner."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.setFixedSize(SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._picture = QPixmap()
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
        """Render the scene into the picture (after a burst of edits, not per frame)."""
        self._timer.stop()
        rect = self.items_rect()
        if rect.isNull() or not self.isVisible() or self.view.scene() is None:
            return
        size = self.size()
        scale = min((size.width() - 8) / rect.width(), (size.height() - 8) / rect.height())
        w, h = rect.width() * scale, rect.height() * scale
        self._target = QRectF((size.width() - w) / 2, (size.height() - h) / 2, w, h)
        self._source = rect
        ratio = self.devicePixelRatioF()
        picture = QPixmap(size * ratio)
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.translate(self._target.left(), self._target.top())
            painter.scale(scale, scale)
            painter.translate(-rect.left(), -rect.top())
            draw_overview(painter, self.view.scene())
        finally:
            painter.end()
        self._picture = picture
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
                painter.drawPixmap(0, 0, self._picture)
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
