"""The training-mode choice: supervised ``fit`` or one of ``studio.training.modes`` (SOM, RBM,
DQN, ...), with the chosen mode's options as a generated form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from studio.training.modes import SUPERVISED, get_mode, mode_names
from studio.training.modes.session import mode_defaults
from widgets.training.param_form import ParamForm


class ModeForm(QWidget):
    """A mode combo and its options; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for name in mode_names():
            mode = get_mode(name)
            self.combo.addItem(name if mode is None else f"{name}: {mode.title}", name)
        self.options_form = ParamForm("Mode option")
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Mode", self.combo)
        layout.addRow(self.options_form)
        self.combo.currentIndexChanged.connect(self._chosen)
        self.options_form.changed.connect(self.changed)

    def set_mode(self, name: str, options: dict[str, Any] | None = None) -> None:
        self.combo.blockSignals(True)
        index = self.combo.findData(name)
        if index < 0:  # a mode this build lacks: keep it so saving does not lose it
            self.combo.addItem(f"{name} (not available)", name)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        self.options_form.set_fields(mode_defaults(name), options, f"Mode {name}")
        self.options_form.setVisible(name != SUPERVISED)

    def mode(self) -> str:
        return str(self.combo.currentData() or SUPERVISED)

    def options(self) -> dict[str, Any]:
        """The options that differ from the mode's defaults (what the project stores)."""
        return self.options_form.values(changed_only=True)

    def _chosen(self, _index: int) -> None:
        self.set_mode(self.mode())
        self.changed.emit()
