"""A form generated from constructor defaults, for optimizer, loss, schedule and callback options.

The widget for each field follows the type of its default (check box for booleans, text for
the rest) so any optimizer or loss Keras adds later gets a usable form without code changes.
Text is parsed back as JSON, which covers numbers, ``1e-3``, lists and ``null``.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from studio.training.settings import TrainingError


class ParamForm(QWidget):
    """Rows for ``defaults``; ``values()`` returns what differs from them, parsed."""

    changed = Signal()

    def __init__(self, owner: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner = owner
        self._defaults: dict[str, Any] = {}
        self._fields: dict[str, QLineEdit | QCheckBox] = {}
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_fields(
        self,
        defaults: dict[str, Any],
        values: dict[str, Any] | None = None,
        owner: str | None = None,
    ) -> None:
        if owner is not None:
            self.owner = owner
        values = values or {}
        if _fields_of(defaults) == _fields_of(self._defaults):
            self._show_values(values)
            return
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._defaults = dict(defaults)
        self._fields = {}
        for name, default in defaults.items():
            value = values.get(name, default)
            if isinstance(default, bool):
                widget: QLineEdit | QCheckBox = QCheckBox()
                widget.setChecked(bool(value))
                widget.toggled.connect(self.changed)
            else:
                widget = QLineEdit(_text(value))
                widget.setPlaceholderText("default" if default is None else "")
                widget.editingFinished.connect(self.changed)
            widget.setObjectName(name)
            self._fields[name] = widget
            self._layout.addRow(name, widget)

    def _show_values(self, values: dict[str, Any]) -> None:
        """The same fields, other values: set them in place. Opening a project rebuilt the
        forms row by row (66 ms of the UI thread while the new model's analysis ran)."""
        for name, widget in self._fields.items():
            value = values.get(name, self._defaults[name])
            widget.blockSignals(True)
            try:
                if isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                else:
                    widget.setText(_text(value))
            finally:
                widget.blockSignals(False)

    def field(self, name: str) -> QLineEdit | QCheckBox:
        return self._fields[name]

    def values(self, changed_only: bool = False) -> dict[str, Any]:
        """Parsed values; a value that does not parse raises TrainingError naming it."""
        result = {}
        for name, widget in self._fields.items():
            default = self._defaults[name]
            if isinstance(widget, QCheckBox):
                value: Any = widget.isChecked()
            else:
                value = self._parse(name, widget.text().strip(), default)
            if not changed_only or value != default:
                result[name] = value
        return result

    def _parse(self, name: str, text: str, default: Any) -> Any:
        if isinstance(default, str):
            return text
        if text == "":
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise TrainingError(
                f"{self.owner} `{name}` must be a number or list; received {name}={text!r}"
            ) from exc
        if isinstance(default, float) and isinstance(value, int):
            value = float(value)
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
            if not value.is_integer():
                raise TrainingError(
                    f"{self.owner} `{name}` must be an integer; received {name}={text}"
                )
            value = int(value)
        return value


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _fields_of(defaults: dict[str, Any]) -> list[tuple[str, type, Any]]:
    """What decides the rows: names, and the widget each default's type gives."""
    return [(name, type(value), value) for name, value in defaults.items()]
