"""Real-number parameters (rate, momentum, epsilon): a spin box with enough decimals for
small values like ``epsilon=1e-3``.

As with whole numbers, a value typed outside the spec's range is reported, not silently
changed; the arrows step only within the range.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl
from widgets.inspector.step_limit import StepLimited, range_problem

_BIG = 1e12


class StepLimitedDoubleSpinBox(StepLimited, QDoubleSpinBox):
    """Types any number; steps stay inside ``[low, high]``."""

    def __init__(self, low: float, high: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.low, self.high = low, high
        self.setDecimals(6)
        self.setRange(-_BIG, _BIG)


class FloatControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        low = spec.minimum if spec.minimum is not None else -_BIG
        high = spec.maximum if spec.maximum is not None else _BIG
        self.box = StepLimitedDoubleSpinBox(low, high, self)
        bounded = spec.minimum is not None and spec.maximum is not None
        self.box.setSingleStep(0.05 if bounded else 0.1)
        self.box.setKeyboardTracking(False)
        self.layout_.addWidget(self.box)
        self.box.valueChanged.connect(self._typed)

    def _typed(self, value: float) -> None:
        problem = range_problem(self.spec.name, value, self.spec.minimum, self.spec.maximum)
        if problem:
            self.invalid.emit(problem)
            return
        self.invalid.emit("")
        self.edited.emit(value)

    def _show(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.box.setValue(float(value))

    def value(self) -> float:
        return self.box.value()
