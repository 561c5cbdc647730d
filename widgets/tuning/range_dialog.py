"""The range editor: how one value is searched (a list of choices, a whole-number range or a
number range, linear or log), opened from the inspector or the Search panel.

The dialog is opened with ``open()`` (never ``exec``), so the UI keeps running and tests can
fill it in; ``chosen`` carries the new ``Dimension`` when the user presses OK, and a range
that cannot be searched shows its reason instead of closing.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.tuning.space import Dimension, SearchSpaceError

MODES = {"choice": "Choice list", "int": "Whole-number range", "float": "Number range"}
_BIG = 2**31 - 1


def parse_choices(text: str, like: Any) -> tuple[Any, ...]:
    """``16, 32, 64`` → numbers when the current value is a number, else words as typed."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    out: list[Any] = []
    for item in items:
        if isinstance(like, bool) or item.lower() in ("true", "false"):
            out.append(item.lower() == "true")
            continue
        try:
            value = json.loads(item)
        except ValueError:
            value = item.strip("'\"")
        if isinstance(like, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        out.append(value)
    return tuple(out)


class RangeDialog(QDialog):
    chosen = Signal(object)  # Dimension

    def __init__(
        self,
        title: str,
        target: str,
        ref: str,
        param: str,
        current: Any,
        dim: Dimension,
        modes: tuple[str, ...] = ("choice", "int", "float"),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.target, self.ref, self.param, self.current = target, ref, param, current
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Search <b>{title}</b> (now {current!r}) over:"))
        self.mode = QComboBox()
        self.pages = QStackedWidget()
        self.modes = [m for m in modes if m in MODES]
        for m in self.modes:
            self.mode.addItem(MODES[m], m)
        layout.addWidget(self.mode)
        layout.addWidget(self.pages)
        self.choices = QLineEdit()
        self.choices.setPlaceholderText("values separated by commas, e.g. 16, 32, 64")
        self.int_low, self.int_high, self.int_step = QSpinBox(), QSpinBox(), QSpinBox()
        for box in (self.int_low, self.int_high):
            box.setRange(-_BIG, _BIG)
        self.int_step.setRange(1, _BIG)
        self.float_low, self.float_high, self.float_step = (
            QDoubleSpinBox(),
            QDoubleSpinBox(),
            QDoubleSpinBox(),
        )
        for box in (self.float_low, self.float_high, self.float_step):
            box.setDecimals(6)
            box.setRange(-1e9, 1e9)
        self.float_step.setSpecialValueText("any")
        self.float_step.setMinimum(0.0)
        self.log = QCheckBox("log scale (for rates spanning decades)")
        pages = {
            "choice": self._page(("values", self.choices)),
            "int": self._page(
                ("lowest", self.int_low), ("highest", self.int_high), ("step", self.int_step)
            ),
            "float": self._page(
                ("lowest", self.float_low),
                ("highest", self.float_high),
                ("step", self.float_step),
                ("", self.log),
            ),
        }
        for m in self.modes:
            self.pages.addWidget(pages[m])
        self.error = QLabel("")
        self.error.setObjectName("paramError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.mode.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self._show(dim)

    @staticmethod
    def _page(*rows: tuple[str, QWidget]) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for label, widget in rows:
            form.addRow(label, widget)
        return page

    def _show(self, dim: Dimension) -> None:
        mode = dim.kind if dim.kind in self.modes else self.modes[0]
        self.mode.setCurrentIndex(self.modes.index(mode))
        if dim.kind == "choice":
            self.choices.setText(
                ", ".join(
                    json.dumps(v)
                    if isinstance(v, str)
                    else str(v).lower()
                    if isinstance(v, bool)
                    else str(v)
                    for v in dim.values
                )
            )
        elif dim.kind == "int":
            self.int_low.setValue(int(dim.low or 0))
            self.int_high.setValue(int(dim.high or 0))
            self.int_step.setValue(int(dim.step or 1))
        elif dim.kind == "float":
            self.float_low.setValue(float(dim.low or 0.0))
            self.float_high.setValue(float(dim.high or 0.0))
            self.float_step.setValue(float(dim.step or 0.0))
            self.log.setChecked(dim.sampling == "log")

    def dimension(self) -> Dimension:
        """The range as entered; ``SearchSpaceError`` says what is wrong with it."""
        mode = self.mode.currentData()
        t, r, p = self.target, self.ref, self.param
        if mode == "choice":
            values = parse_choices(self.choices.text(), self.current)
            return Dimension(t, r, p, "choice", values=values)  # type: ignore[arg-type]
        if mode == "int":
            step = self.int_step.value()
            return Dimension(  # type: ignore[arg-type]
                t,
                r,
                p,
                "int",
                low=self.int_low.value(),
                high=self.int_high.value(),
                step=step if step != 1 else None,
            )
        step = self.float_step.value()
        return Dimension(  # type: ignore[arg-type]
            t,
            r,
            p,
            "float",
            low=self.float_low.value(),
            high=self.float_high.value(),
            step=step or None,
            sampling="log" if self.log.isChecked() else "linear",
        )

    def _accept(self) -> None:
        try:
            dim = self.dimension()
        except SearchSpaceError as exc:
            self.error.setText(str(exc).split(": ", 1)[-1])
            self.error.show()
            return
        self.chosen.emit(dim)
        self.accept()
