"""Sizes: one number or several (``kernel_size`` as "3" or "3, 3"; an Input ``shape`` as
"28, 28, 1" with "None" for a free axis). Typed as text because that is how people say them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl


def parse_sizes(text: str, allow_none: bool) -> int | list[int | None]:
    """ "3" → 3, "3, 3" or "(3, 3)" → [3, 3]; "None" only where the axis may be free."""
    body = text.strip().strip("()[]").strip()
    if not body:
        raise ValueError("enter a size, e.g. 3 or 3, 3")
    parts = [p.strip() for p in body.replace("x", ",").replace("×", ",").split(",")]
    parts = [p for p in parts if p]
    values: list[int | None] = []
    for part in parts:
        if part.lower() == "none" and allow_none:
            values.append(None)
            continue
        try:
            values.append(int(part))
        except ValueError:
            raise ValueError(f"'{part}' is not a whole number") from None
    single = "," not in body and "x" not in body and "×" not in body
    if single and not allow_none and values[0] is not None:
        return values[0]
    return values


def format_sizes(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join("None" if v is None else str(v) for v in value)
    return "" if value is None else str(value)


class TupleControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("e.g. 28, 28, 1" if spec.kind == "shape" else "e.g. 3 or 3, 3")
        self.layout_.addWidget(self.line)
        self.line.editingFinished.connect(self._finished)

    def _finished(self) -> None:
        if not self.line.isModified():
            return
        self.line.setModified(False)
        try:
            value = parse_sizes(self.line.text(), allow_none=self.spec.kind == "shape")
        except ValueError as exc:
            self.invalid.emit(str(exc))
            return
        self.edited.emit(value)

    def _show(self, value: Any) -> None:
        self.line.setText(format_sizes(value))

    def value(self) -> Any:
        return parse_sizes(self.line.text(), allow_none=self.spec.kind == "shape")
