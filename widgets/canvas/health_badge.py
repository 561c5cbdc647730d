"""Training-health badges on canvas nodes: a small pill above a node's top-right corner.

A badge is a child item of its ``NodeItem``, so it moves with the node and paints on its own:
the node's cached drawing is untouched when a new sample arrives a few times a minute. Green
is healthy, amber a warning (dead ReLUs, saturation, vanishing or exploding gradient), red
NaN/Inf. The tooltip lists every figure of the last sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from studio.training.health import HealthSample, NodeHealth

if TYPE_CHECKING:
    from widgets.canvas.node_item import NodeItem
    from widgets.canvas.scene import GraphScene

_FONT = QFont()
_FONT.setPointSizeF(7.0)
_FONT.setBold(True)
_COLORS = {"ok": QColor("#2e7d32"), "warn": QColor("#ef8f00"), "bad": QColor("#c62828")}
_NO_PEN = QPen(Qt.PenStyle.NoPen)
HEIGHT = 15.0


class HealthBadgeItem(QGraphicsItem):
    """The pill; ``health`` is the node's last ``NodeHealth``."""

    def __init__(self, parent: QGraphicsItem, health: NodeHealth) -> None:
        super().__init__(parent)
        self.health = health
        self._text = ""
        self._width = 0.0
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.set_health(health)

    def set_health(self, health: NodeHealth) -> None:
        """New figures; the pill is re-measured and moved only when its text changes (a
        sample updates every layer of the model at once: NASNetMobile has 771)."""
        text = health.badge or "ok"
        if text != self._text or self._width == 0.0:
            self.prepareGeometryChange()
            self._text = text
            self._width = _text_width(text) + 12.0
            parent = self.parentItem()
            right = parent.boundingRect().right() - 3 if parent is not None else self._width
            self.setPos(right - self._width, -HEIGHT - 2)
            self.update()
        elif health.level != self.health.level:
            self.update()
        self.health = health
        self.setToolTip(health.describe().replace("\n", "<br>"))

    @property
    def level(self) -> str:
        return self.health.level

    @property
    def text(self) -> str:
        return self._text

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0, 0, self._width, HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(_NO_PEN)
        painter.setBrush(QBrush(_COLORS[self.level]))
        painter.drawRoundedRect(self.boundingRect(), HEIGHT / 2, HEIGHT / 2)
        painter.setPen(QPen(QColor("white")))
        painter.setFont(_FONT)
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, self._text)


_WIDTHS: dict[str, float] = {}


def _text_width(text: str) -> float:
    width = _WIDTHS.get(text)
    if width is None:
        width = _WIDTHS[text] = float(QFontMetrics(_FONT).horizontalAdvance(text))
    return width


def set_badge(item: NodeItem, health: NodeHealth | None) -> HealthBadgeItem | None:
    """Show, update or (``None``) remove the badge of one node item."""
    badge = getattr(item, "_health_badge", None)
    if health is None:
        if badge is not None:
            if badge.scene() is not None:
                badge.scene().removeItem(badge)
            badge.setParentItem(None)
            item._health_badge = None
        return None
    if badge is None:
        badge = HealthBadgeItem(item, health)
        item._health_badge = badge
    else:
        badge.set_health(health)
    return badge


def badge_of(item: NodeItem) -> HealthBadgeItem | None:
    return getattr(item, "_health_badge", None)


_BIG = 100  # nodes: above this many, badges are put on in slices
_drawing: dict[int, list[HealthSample | None]] = {}  # scenes being badged -> newer samples


def show_health(scene: GraphScene, sample: HealthSample | None) -> int:
    """Put each node's figures from ``sample`` on its box; ``None`` clears every badge.

    Layers are matched to nodes by name (the compiler names layers after nodes). Returns how
    many badges are shown. The first sample of a big model creates a badge item per layer
    (771 for NASNetMobile, 50 ms of the UI thread at the moment a run starts), so a big
    scene is badged in slices with the event loop running between them; a sample that
    arrives meanwhile is drawn right after, and only the newest one.
    """
    key = id(scene)
    waiting = _drawing.get(key)
    if waiting is not None:
        waiting[:] = [sample]
        return 0
    _drawing[key] = waiting = []
    try:
        shown = _badge(scene, sample)
        while waiting:
            shown = _badge(scene, waiting.pop())
    finally:
        del _drawing[key]
    return shown


def _badged(scene: GraphScene) -> set[str]:
    """Ids of the scene's nodes that carry a badge. Clearing touches only those: a Qt call on
    every box of NASNetMobile (771) while the new project's analysis ran on the worker cost
    the UI 380 ms when a project opened after a run, each call waiting for the lock."""
    return scene.__dict__.setdefault("_health_badged", set())


def _badge(scene: GraphScene, sample: HealthSample | None) -> int:
    from widgets.common.breathing import Breather

    shown = 0
    graph = scene.graph
    badged = _badged(scene)
    if sample is None:
        ids = [nid for nid in badged if nid in scene.nodes]
    else:
        ids = list(scene.nodes)
    badged.clear()
    with Breather(active=len(ids) > _BIG) as breather:
        for nid in ids:
            item = scene.nodes.get(nid)
            if item is None or not shiboken6.isValid(item):  # rebuilt between slices
                continue
            health = None
            if sample is not None and nid in graph:
                health = sample.nodes.get(graph.node(nid).name)
            item.set_health(health)
            if health is not None:
                shown += 1
                badged.add(nid)
            breather.breathe()
    return shown


__all__ = ["HealthBadgeItem", "badge_of", "set_badge", "show_health"]
