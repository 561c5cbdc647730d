"""What whole- and real-number boxes share: a value typed outside the spec's range is
reported, not silently changed (Qt's own range check drops a typed minus sign), while the
arrows, wheel and keys step only within the range."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractSpinBox


def range_problem(name: str, value: float, low: float | None, high: float | None) -> str:
    """Why ``value`` is outside ``[low, high]``, in the words the inspector shows; or ""."""
    if low is not None and value < low:
        return f"{name} must be at least {low:g}; received {value:g}"
    if high is not None and value > high:
        return f"{name} must be at most {high:g}; received {value:g}"
    return ""


class StepLimited:
    """Mixed in before a Qt spin box: ``low``/``high`` bound the steps, not the typing."""

    low: float
    high: float

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        self.setValue(min(self.high, max(self.low, self.value() + steps * self.singleStep())))

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:  # noqa: N802 - Qt's name
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() < self.high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self.low:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags
