"""Real-number parameters (rate, momentum, epsilon): a spin box with enough decimals for
small values like ``epsilon=1e-3``."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl


class FloatControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QDoubleSpinBox(self)
        self.box.setDecimals(6)
        self.box.setRange(
            spec.minimum if spec.minimum is not None else -1e12,
            spec.maximum if spec.maximum is not None else 1e12,
        )
        bounded = spec.minimum is not None and spec.maximum is not None
        self.box.setSingleStep(0.05 if bounded else 0.1)
        self.box.setKeyboardTracking(False)
        self.layout_.addWidget(self.box)
        self.box.valueChanged.connect(self.edited.emit)

    def _show(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.box.setValue(float(value))

    def value(self) -> float:
        return self.box.value()
