"""A parameter where ``None`` is a meaningful value (``strides=None`` means "same as the
pool size"): the inner control plus a "None" check box that disables it."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QWidget

from widgets.inspector.base import ParamControl


class OptionalControl(ParamControl):
    def __init__(self, inner: ParamControl, fallback: Any, parent: QWidget | None = None) -> None:
        super().__init__(inner.spec, parent)
        self.inner = inner
        self.fallback = fallback  # what to offer when the user unticks "None"
        self.none = QCheckBox("None", self)
        self.layout_.addWidget(inner, 1)
        self.layout_.addWidget(self.none)
        inner.edited.connect(self.edited.emit)
        inner.invalid.connect(self.invalid.emit)
        self.none.toggled.connect(self._toggled)

    def _toggled(self, is_none: bool) -> None:
        self.inner.setEnabled(not is_none)
        self.edited.emit(None if is_none else self.fallback)

    def _show(self, value: Any) -> None:
        self.none.setChecked(value is None)
        self.inner.setEnabled(value is not None)
        if value is not None:
            self.inner._show(value)

    def value(self) -> Any:
        return None if self.none.isChecked() else self.inner.value()
