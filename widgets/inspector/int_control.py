"""Whole-number parameters (units, filters, axis): a spin box limited to the spec's range."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSpinBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl

_BIG = 2**31 - 1


class IntControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QSpinBox(self)
        self.box.setRange(
            int(spec.minimum) if spec.minimum is not None else -_BIG,
            int(spec.maximum) if spec.maximum is not None else _BIG,
        )
        self.box.setKeyboardTracking(False)  # one edit per committed number, not per keystroke
        self.layout_.addWidget(self.box)
        self.box.valueChanged.connect(self.edited.emit)

    def _show(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.box.setValue(value)

    def value(self) -> int:
        return self.box.value()
