"""Free-text parameters (names of things, data formats without a fixed list)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl


class TextControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.layout_.addWidget(self.line)
        self.line.editingFinished.connect(self._finished)

    def _finished(self) -> None:
        if self.line.isModified():
            self.line.setModified(False)
            self.edited.emit(self.line.text())

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))

    def value(self) -> str:
        return self.line.text()
