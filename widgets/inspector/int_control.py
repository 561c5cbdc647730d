"""Whole-number parameters (units, filters, axis): a spin box limited to the spec's range.

The box accepts any whole number as it is typed, so ``-3`` typed into ``units`` is reported
("units must be at least 1; received -3") instead of silently becoming ``3`` (Qt's own range
check drops the minus sign). The arrows still step only within the spec's range.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSpinBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl
from widgets.inspector.step_limit import StepLimited, range_problem

_BIG = 2**31 - 1


class StepLimitedSpinBox(StepLimited, QSpinBox):
    """Types any whole number; steps stay inside ``[low, high]``."""

    def __init__(self, low: int, high: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.low, self.high = low, high
        self.setRange(-_BIG, _BIG)


class IntControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.low = int(spec.minimum) if spec.minimum is not None else -_BIG
        self.high = int(spec.maximum) if spec.maximum is not None else _BIG
        self.box = StepLimitedSpinBox(self.low, self.high, self)
        self.box.setKeyboardTracking(False)  # one edit per committed number, not per keystroke
        self._shown = self.box.value()
        self.layout_.addWidget(self.box)
        self.box.valueChanged.connect(self._typed)

    def _typed(self, value: int) -> None:
        problem = range_problem(self.spec.name, value, self.spec.minimum, self.spec.maximum)
        if problem:
            self.invalid.emit(problem)
            return
        self.invalid.emit("")
        self._shown = value
        self.edited.emit(value)

    def _show(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self._shown = value
            self.box.setValue(value)

    def value(self) -> int:
        return self.box.value()
