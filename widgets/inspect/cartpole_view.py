"""A CartPole episode drawn from its states (cart position, pole angle) and played back.

gymnasium's own ``rgb_array`` rendering needs pygame, which the studio does not ship; the
picture only needs two numbers per frame, so it is painted here with QPainter, at the
environment's own 50 frames a second (``tau`` = 0.02 s).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSlider, QVBoxLayout, QWidget

X_LIMIT = 2.4  # CartPole-v1 ends the episode when the cart leaves [-2.4, 2.4]
POLE_LENGTH = 1.0  # the environment's pole is 2 × its 0.5 half-length
FRAME_MS = 20


class CartPoleCanvas(QWidget):
    """Paints one CartPole state: track, cart, pole (and the limits the cart must stay in)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: np.ndarray | None = None
        self.setMinimumSize(320, 200)

    def set_state(self, state: np.ndarray | None) -> None:
        self.state = state
        self.update()

    def geometry_of(self, state: np.ndarray) -> tuple[QPointF, QPointF]:
        """Screen points of the cart's pivot and the pole's tip for ``state``."""
        scale = self.width() / (2 * X_LIMIT * 1.1)
        ground = self.height() * 0.75
        pivot = QPointF(self.width() / 2 + float(state[0]) * scale, ground - 12)
        angle = float(state[2])
        tip = QPointF(
            pivot.x() + math.sin(angle) * POLE_LENGTH * scale * 1.5,
            pivot.y() - math.cos(angle) * POLE_LENGTH * scale * 1.5,
        )
        return pivot, tip

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        scale = self.width() / (2 * X_LIMIT * 1.1)
        ground = self.height() * 0.75
        painter.setPen(QPen(QColor("#444444"), 2))
        painter.drawLine(QPointF(0, ground), QPointF(self.width(), ground))
        painter.setPen(QPen(QColor("#c0392b"), 1, Qt.PenStyle.DashLine))
        for side in (-1, 1):
            x = self.width() / 2 + side * X_LIMIT * scale
            painter.drawLine(QPointF(x, ground - 60), QPointF(x, ground + 10))
        if self.state is None:
            painter.end()
            return
        pivot, tip = self.geometry_of(self.state)
        cart = QRectF(pivot.x() - 30, pivot.y() - 12, 60, 30)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#34495e"))
        painter.drawRect(cart)
        pole = QPen(QColor("#d4a15a"))
        pole.setWidthF(8.0)
        pole.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pole)
        painter.drawLine(pivot, tip)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#7f8c8d"))
        painter.drawEllipse(pivot, 4, 4)
        painter.end()


class CartPoleView(QWidget):
    """An episode with play/pause and a frame slider; ``frame`` is the state on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.states = np.zeros((0, 4), "float32")
        self.frame = 0
        self.canvas = CartPoleCanvas()
        self.play_button = QPushButton("Play")
        self.play_button.setEnabled(False)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._advance)
        self.play_button.clicked.connect(self.toggle)
        self.slider.valueChanged.connect(self.show_frame)

    def set_states(self, states: np.ndarray) -> None:
        self.timer.stop()
        self.states = np.asarray(states, "float32")
        has = len(self.states) > 0
        self.slider.setRange(0, max(len(self.states) - 1, 0))
        self.slider.setEnabled(has)
        self.play_button.setEnabled(has)
        self.show_frame(0)

    def show_frame(self, index: int) -> None:
        if not len(self.states):
            self.canvas.set_state(None)
            return
        self.frame = int(np.clip(index, 0, len(self.states) - 1))
        if self.slider.value() != self.frame:
            self.slider.blockSignals(True)
            self.slider.setValue(self.frame)
            self.slider.blockSignals(False)
        self.canvas.set_state(self.states[self.frame])

    def toggle(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play_button.setText("Play")
        elif len(self.states):
            if self.frame >= len(self.states) - 1:
                self.show_frame(0)
            self.timer.start()
            self.play_button.setText("Pause")

    def _advance(self) -> None:
        if self.frame >= len(self.states) - 1:
            self.toggle()
            return
        self.show_frame(self.frame + 1)
