"""What every inspector control shares: built from one ``ParamSpec``, it reports a new value
(``edited``) or text it could not read (``invalid``), and shows values it is given without
echoing them back as edits. Controls keep no state of their own; the form owns the wiring.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from studio.catalog import ParamSpec


class ParamControl(QWidget):
    edited = Signal(object)
    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.setToolTip(spec.help)

    def set_value(self, value: Any) -> None:
        """Show ``value`` (from the model) without emitting ``edited``."""
        blockers = [QSignalBlocker(w) for w in self.findChildren(QWidget)]
        try:
            self._show(value)
        finally:
            del blockers

    def _show(self, value: Any) -> None:  # pragma: no cover - every control overrides it
        raise NotImplementedError

    def value(self) -> Any:  # pragma: no cover - every control overrides it
        raise NotImplementedError
