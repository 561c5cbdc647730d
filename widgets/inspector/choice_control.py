"""Parameters with a fixed set of values (padding, activation, dtype): a combo box.

A value outside the list (an imported model's custom activation) is shown as an extra entry
rather than silently replaced by the first choice.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from studio.catalog import ParamSpec
from widgets.inspector.base import ParamControl


class ChoiceControl(ParamControl):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QComboBox(self)
        for choice in spec.choices:
            self.box.addItem("None" if choice is None else str(choice), choice)
        self.layout_.addWidget(self.box)
        self.box.activated.connect(lambda i: self.edited.emit(self.box.itemData(i)))

    def _show(self, value: Any) -> None:
        index = self.box.findData(value)
        if index < 0:
            self.box.addItem(str(value), value)
            index = self.box.count() - 1
        self.box.setCurrentIndex(index)

    def value(self) -> Any:
        return self.box.currentData()

    def choose(self, value: Any) -> None:
        """Pick ``value`` as a user would (tests and keyboard shortcuts use this)."""
        index = self.box.findData(value)
        self.box.setCurrentIndex(index)
        self.box.activated.emit(index)
