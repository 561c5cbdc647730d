"""The inspector's page for a collapsed block: its name, how it compiles, and freezing it.

A block stands for its layers, so the trainable switch freezes or thaws all of them at once
(a pretrained backbone in transfer learning); "compile as a nested model" builds the block as
one ``keras.Model`` inside the whole, with the same shapes and parameters as inline.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QWidget

from studio.graph import SetGroup
from studio.graph.grouping import GroupingError, members, rename_group_op
from widgets.canvas.editor import GraphEditor


class BlockForm(QWidget):
    def __init__(
        self, editor: GraphEditor, group_id: str, total_params: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self.group_id = group_id
        form = QFormLayout(self)
        self.title = QLabel("Block")
        self.title.setObjectName("inspectorTitle")
        self.summary = QLabel("")
        self.summary.setObjectName("inspectorHelp")
        self.name = QLineEdit()
        self.error = QLabel("")
        self.error.setObjectName("fieldError")
        self.error.setVisible(False)
        self.nested = QCheckBox("Compile as a nested keras.Model")
        self.nested.setToolTip(
            "Off: the block's layers are built inline in the model. "
            "Shapes and parameters are the same either way."
        )
        self.trainable = QCheckBox("Trainable (unticked: every layer in the block frozen)")
        form.addRow(self.title)
        form.addRow(self.summary)
        form.addRow("name", self.name)
        form.addRow(self.error)
        form.addRow(self.nested)
        form.addRow(self.trainable)
        self._total_params = total_params
        self.name.editingFinished.connect(self._rename)
        self.nested.toggled.connect(self._set_nested)
        self.trainable.toggled.connect(self._set_trainable)
        self.refresh()

    @property
    def member_ids(self) -> list[str]:
        return members(self.editor.graph, self.group_id)

    def refresh(self) -> None:
        graph = self.editor.graph
        group = graph.groups.get(self.group_id)
        if group is None:
            return
        ids = self.member_ids
        self.summary.setText(f"{len(ids)} layers · {self._total_params:,} parameters")
        with QSignalBlocker(self.name):
            self.name.setText(group.name)
        with QSignalBlocker(self.nested):
            self.nested.setChecked(group.nested)
        with QSignalBlocker(self.trainable):
            self.trainable.setChecked(all(graph.node(n).trainable for n in ids))

    def _rename(self) -> None:
        if not self.name.isModified():
            return
        self.name.setModified(False)
        try:
            op = rename_group_op(self.editor.graph, self.group_id, self.name.text())
        except GroupingError as exc:
            self.error.setText(str(exc))
            self.error.setVisible(True)
            self.refresh()
            return
        self.error.setVisible(False)
        self.editor.push(op, "Rename block")

    def _set_nested(self, on: bool) -> None:
        group = self.editor.graph.groups[self.group_id]
        self.editor.push(
            SetGroup(self.group_id, replace(group, nested=on)),
            "Compile block nested" if on else "Compile block inline",
        )

    def _set_trainable(self, on: bool) -> None:
        self.editor.set_trainable(self.member_ids, on)
