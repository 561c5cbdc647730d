"""True/false parameters (use_bias, return_sequences): a check box."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl


class BoolControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(self)
        self.layout_.addWidget(self.box)
        self.box.toggled.connect(self.edited.emit)

    def _show(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def value(self) -> bool:
        return self.box.isChecked()
