"""Weight initializers: the common Keras names in a list, or a JSON config typed in for
initializers with arguments (``{"class_name": "RandomNormal", "config": {"stddev": 0.02}}``).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl

COMMON = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "zeros",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
)


class InitializerControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QComboBox(self)
        self.box.setEditable(True)
        self.box.addItems(COMMON)
        self.layout_.addWidget(self.box)
        self.box.activated.connect(lambda _i: self._commit())
        line = self.box.lineEdit()
        if line is not None:
            line.editingFinished.connect(self._commit)
        self._last: Any = None

    def _commit(self) -> None:
        text = self.box.currentText().strip()
        if text.startswith("{"):
            try:
                value: Any = json.loads(text)
            except json.JSONDecodeError as exc:
                self.invalid.emit(f"not valid JSON: {exc.msg}")
                return
        elif text.isidentifier():
            value = text
        else:
            self.invalid.emit("enter an initializer name (e.g. he_normal) or a JSON config")
            return
        if value != self._last:
            self._last = value
            self.edited.emit(value)

    def _show(self, value: Any) -> None:
        self._last = value
        self.box.setEditText(value if isinstance(value, str) else json.dumps(value))

    def value(self) -> Any:
        return self._last
