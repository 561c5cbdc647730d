"""The canvas view: zoom around the mouse, pan (middle button or space+drag), drop layers
from the palette, drag from an output port to an input port to connect, and an overview
(minimap) in the corner for models bigger than the screen."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.minimap import Minimap
from widgets.canvas.node_item import HEIGHT, WIDTH, NodeItem, readable_scale
from widgets.canvas.port_item import PortItem
from widgets.canvas.scene import GraphScene
from widgets.common.breathing import workers_held

LAYER_MIME = "application/x-model-studio-layer"
MIN_SCALE, MAX_SCALE = 0.03, 4.0
PORTS_MIN_SCALE = 0.3  # below this a port is a pixel or two: not worth drawing or aiming at
FIT_MAX_SCALE = 1.0  # a tiny model is shown at 100 %, not blown up
NUDGE = 10.0


class GraphView(QGraphicsView):
    """``nodeAdded`` reports layers added by a drop so the window can select them."""

    nodeAdded = Signal(str)

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.graph_scene = scene
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPointF | None = None
        self._space = False
        self._wire: EdgeItem | None = None
        self._wire_from: PortItem | None = None
        self._nudge_gesture: int | None = None
        self.minimap = Minimap(self)
        # The scrollable area follows what is shown (the scene's own rect only ever grows,
        # and counts the hidden layers of collapsed blocks).
        self._area_timer = QTimer(self)
        self._area_timer.setSingleShot(True)
        self._area_timer.setInterval(150)
        self._area_timer.timeout.connect(self.update_area)
        scene.changed.connect(lambda _rects: self._area_timer.start())

    # ----- zoom -------------------------------------------------------------------------------
    # Every way the zoom changes passes here, so the level of detail follows it.
    def scale(self, sx: float, sy: float) -> None:
        super().scale(sx, sy)
        self._zoom_changed()

    def setTransform(self, matrix, combine: bool = False) -> None:  # noqa: N802 - Qt's name
        super().setTransform(matrix, combine)
        self._zoom_changed()

    def resetTransform(self) -> None:  # noqa: N802 - Qt's name
        super().resetTransform()
        self._zoom_changed()

    def fitInView(self, *args) -> None:  # noqa: N802 - Qt's name
        super().fitInView(*args)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        self.graph_scene.show_ports(self.transform().m11() >= PORTS_MIN_SCALE)
        if hasattr(self, "_area_timer"):
            self._area_timer.start()  # the margin is one screen at the new zoom
        if hasattr(self, "minimap"):
            self.minimap.follow_view()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.minimap.place()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom(1.25)

    def zoom_out(self) -> None:
        self.zoom(0.8)

    def update_area(self) -> None:
        """Scroll over the visible boxes plus a margin of one screen to place new layers in."""
        self._area_timer.stop()
        rect = self.graph_scene.items_bounds()
        scale = max(self.transform().m11(), MIN_SCALE)
        mx, my = self.viewport().width() / scale, self.viewport().height() / scale
        area = (
            rect.adjusted(-mx, -my, mx, my)
            if not rect.isNull()
            else QRectF(-mx, -my, 2 * mx, 2 * my)
        )
        if area != self.sceneRect():
            self.setSceneRect(area)

    def readable_scale(self) -> float:
        """The smallest zoom at which the names of the boxes shown can still be read (a
        zoomed-out box shows its name in a font of fixed screen size; see ``node_item``)."""
        items = (*self.graph_scene.nodes.values(), *self.graph_scene.blocks.values())
        return readable_scale([i.look.title for i in items if i.isVisible()])

    def fit_all(self) -> None:
        """Show the whole model if it fits at a readable zoom; otherwise show it at the
        smallest readable zoom from where data enters it (top, or left), to scroll from there.
        """
        rect = self.graph_scene.items_bounds()
        if rect.isNull():
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        port = self.viewport().rect()
        fit = min(port.width() / rect.width(), port.height() / rect.height())
        scale = max(self.readable_scale(), min(fit, FIT_MAX_SCALE))
        self.setTransform(self.transform().fromScale(scale, scale))
        self.update_area()
        half_w, half_h = port.width() / scale / 2, port.height() / scale / 2
        # Too big to fit: start where data enters. Aiming at the bounding box's corner showed
        # empty canvas for NASNetMobile, whose input sits mid-width above a wide layout.
        entry = self._entry_point() or rect.topLeft()
        x = (
            rect.center().x()
            if rect.width() <= 2 * half_w
            else min(max(entry.x(), rect.left() + half_w), rect.right() - half_w)
        )
        y = (
            rect.center().y()
            if rect.height() <= 2 * half_h
            else min(max(entry.y(), rect.top() + half_h), rect.bottom() - half_h)
        )
        self.centerOn(QPointF(x, y))
        self.minimap.follow_view()

    def _entry_point(self) -> QPointF | None:
        """The middle of the model's inputs' boxes, in scene coordinates."""
        scene = self.graph_scene
        items = [scene.item_for(n.id) for n in scene.graph.input_nodes()]
        points = [i.pos() + QPointF(WIDTH / 2, HEIGHT / 2) for i in items if i is not None]
        if not points:
            return None
        return QPointF(
            sum(p.x() for p in points) / len(points), sum(p.y() for p in points) / len(points)
        )

    def center_on_node(self, node_id: str) -> None:
        item = self.graph_scene.item_for(node_id)
        if item is not None:
            self.centerOn(item.pos() + QPointF(WIDTH / 2, HEIGHT / 2))

    def visible_center(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.15**steps)
        event.accept()

    # ----- background ----------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A frame calls Python for every box, edge and port shown (hundreds of calls when a
        big model opens); a worker running Python meanwhile made each wait for the
        interpreter lock. Workers pause at their next layer until the frame is drawn."""
        with workers_held():
            super().paintEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        super().drawBackground(painter, rect)
        if self.transform().m11() < 0.45:
            return  # a grid finer than a few pixels is noise
        step = 40.0
        theme = self.graph_scene.theme
        painter.setPen(QPen(theme.grid, 0))
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

    # ----- mouse: pan and connect ------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._nudge_gesture = None
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        ):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.position().toPoint())
            if isinstance(item, PortItem) and item.output:
                self._start_wire(item)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        if self._wire is not None and self._wire_from is not None:
            start = self._wire_from.scenePos()
            self._wire.set_ends(start, self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        if self._wire is not None:
            self._finish_wire(event.position().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _start_wire(self, port: PortItem) -> None:
        self._wire_from = port
        self._wire = EdgeItem(None, self.graph_scene.theme)
        self._wire.direction = self.graph_scene.graph.direction
        self._wire.setZValue(5)
        self.graph_scene.addItem(self._wire)
        self._wire.set_ends(port.scenePos(), port.scenePos())

    def _finish_wire(self, at) -> None:
        source = self._wire_from
        self.graph_scene.removeItem(self._wire)
        self._wire = None
        self._wire_from = None
        if source is None:
            return
        src_item = source.parentItem()
        target = next(
            (
                i
                for i in self.items(at)
                if isinstance(i, (PortItem, NodeItem)) and i is not source and i is not src_item
            ),
            None,
        )
        if target is None or not isinstance(src_item, NodeItem) or src_item.look.block:
            if (
                src_item is not None
                and getattr(src_item, "look", None) is not None
                and src_item.look.block
            ):
                self.graph_scene.editor.message.emit("Expand the block to connect its layers")
            return
        if isinstance(target, PortItem):
            if target.output:
                self.graph_scene.editor.message.emit(
                    "Cannot connect: drag from an output (right) to an input (left)"
                )
                return
            node, slot = target.parentItem(), target.index
        else:
            node, slot = target, None
        if not isinstance(node, NodeItem) or node.look.block:
            self.graph_scene.editor.message.emit("Expand the block to connect its layers")
            return
        self.graph_scene.editor.connect(src_item.key, source.index, node.key, slot)

    # ----- keys: space to pan, arrows to nudge --------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        steps = {
            Qt.Key.Key_Left: (-NUDGE, 0),
            Qt.Key.Key_Right: (NUDGE, 0),
            Qt.Key.Key_Up: (0, -NUDGE),
            Qt.Key.Key_Down: (0, NUDGE),
        }
        items = [i for i in self.graph_scene.selectedItems() if isinstance(i, NodeItem)]
        if key in steps and items:
            dx, dy = steps[key]
            for item in items:
                item.moveBy(dx, dy)
            if self._nudge_gesture is None:
                self._nudge_gesture = self.graph_scene.editor.new_gesture()
            self.graph_scene.commit_positions(items, self._nudge_gesture)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
        super().keyReleaseEvent(event)

    # ----- drops from the palette --------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(mime.data(LAYER_MIME).data()).decode("utf-8")
        at = self.mapToScene(event.position().toPoint())
        edge = self.graph_scene.edge_at(at)
        nid = self.graph_scene.editor.add_layer(
            type_name, (at.x() - WIDTH / 2, at.y() - HEIGHT / 2), into_edge=edge
        )
        event.acceptProposedAction()
        if nid is not None:
            self.graph_scene.select_nodes([nid])
            self.nodeAdded.emit(nid)
