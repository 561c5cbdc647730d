"""The memory budget shown above Train: what the chosen batch will take against free memory.

The estimate comes from ``studio.training.memory`` through a ``source`` the app sets (the
graph's cached analysis makes it cheap); the free memory of the training device is read at
most every ``DEVICE_REFRESH_S`` seconds. When the batch does not fit, "Use batch N" offers the
largest batch that does; the panel turns that into an ordinary (undoable) settings change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from studio.training.memory import DeviceMemory, MemoryEstimate, device_memory, mib

log = logging.getLogger(__name__)

DEVICE_REFRESH_S = 5.0
Source = Callable[[object, DeviceMemory], MemoryEstimate | None]


class MemoryBudget(QWidget):
    """A bar and a line of text; ``fixRequested`` carries the batch size that fits."""

    fixRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source: Source | None = None
        self._device: DeviceMemory | None = None
        self._device_read = -1e9
        self.estimate: MemoryEstimate | None = None
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.fix_button = QPushButton("")
        self.fix_button.setVisible(False)
        self.fix_button.clicked.connect(self._fix)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.fix_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.bar)
        self.setVisible(False)

    def set_source(self, source: Source | None) -> None:
        """``source(settings, device)`` returns the estimate, or ``None`` when the model
        cannot be sized yet (it has errors)."""
        self._source = source

    def set_device(self, device: DeviceMemory | None) -> None:
        """Fix the device figure (tests; a remote trainer); ``None`` reads it again."""
        self._device = device
        self._device_read = time.monotonic() if device is not None else -1e9

    def _device_memory(self) -> DeviceMemory:
        now = time.monotonic()
        if self._device is None or now - self._device_read > DEVICE_REFRESH_S:
            self._device = device_memory()
            self._device_read = now
        return self._device

    def refresh(self, settings: object) -> MemoryEstimate | None:
        """Estimate for ``settings`` (``TrainingSettings``) and show it."""
        if self._source is None:
            self.setVisible(False)
            return None
        try:
            estimate = self._source(settings, self._device_memory())
        except Exception:  # noqa: BLE001 - a budget line must never break the panel
            log.debug("memory estimate failed", exc_info=True)
            estimate = None
        self.show_estimate(estimate)
        return estimate

    def show_estimate(self, estimate: MemoryEstimate | None) -> None:
        self.estimate = estimate
        self.setVisible(estimate is not None)
        if estimate is None:
            return
        self.label.setText(estimate.describe())
        self.setToolTip(
            "Estimated from the layers' output shapes and parameter counts:\n"
            f"parameters {mib(estimate.parameters)}\n"
            f"gradients {mib(estimate.gradients)}\n"
            f"optimizer state {mib(estimate.optimizer_state)}\n"
            f"activations {mib(estimate.activations)} + data {mib(estimate.data)}\n"
            f"framework overhead {mib(estimate.overhead)}"
        )
        share = estimate.total / estimate.free if estimate.free else 0.0
        self.bar.setValue(int(min(share, 1.0) * 1000))
        fits = estimate.fits
        color = "#2e7d32" if fits or fits is None else "#c62828"
        if fits and share > 0.7:
            color = "#ef8f00"
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {color}; }}")
        self.label.setStyleSheet("" if fits is not False else "color: #c62828")
        largest = estimate.largest_batch
        offer = fits is False and largest is not None and largest >= 1
        self.fix_button.setVisible(offer)
        if offer:
            self.fix_button.setText(f"Use batch {largest}")
        elif fits is False:
            self.label.setText(
                estimate.describe() + " — even one sample does not fit; make the model smaller."
            )

    def _fix(self) -> None:
        if self.estimate is not None and self.estimate.largest_batch:
            self.fixRequested.emit(int(self.estimate.largest_batch))
