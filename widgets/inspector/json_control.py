"""Structured parameters (regularizers, constraints, nested layers, anything else) as JSON
text, in Keras's serialized form, so whatever ``get_config()`` produced can be edited."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl


class JsonControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(
            'JSON, e.g. {"class_name": "L2", "config": {"l2": 0.01}}'
            if spec.kind == "regularizer"
            else "JSON value or null"
        )
        self.layout_.addWidget(self.line)
        self.line.editingFinished.connect(self._finished)

    def _finished(self) -> None:
        if not self.line.isModified():
            return
        self.line.setModified(False)
        text = self.line.text().strip()
        if not text:
            self.edited.emit(None)
            return
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if self.spec.kind in ("regularizer", "constraint") and text.isidentifier():
                self.edited.emit(text)  # Keras accepts short names such as "l2"
                return
            self.invalid.emit(f"not valid JSON: {exc.msg} at character {exc.pos}")
            return
        self.edited.emit(value)

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else json.dumps(value))
        self.line.setCursorPosition(0)

    def value(self) -> Any:
        text = self.line.text().strip()
        return json.loads(text) if text else None
