"""The inspector form: name, trainable switch and one control per parameter of the selection.

Built from the *list* of selected layers (all of one type): an edit is pushed to every one of
them as one undo step. Values are checked before they reach the graph — first against the
catalogue (``check_value``), then by letting Keras build the layer on the shapes it receives —
so a refused value shows its reason beside the field and the model is never left broken.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.catalog import ParamSpec
from studio.catalog.build import spec_for
from studio.checks import check_value, refusal_for
from studio.graph import Change, Graph
from studio.graph.grouping import members
from widgets.canvas.editor import GraphEditor
from widgets.inspector.base import ParamControl
from widgets.inspector.block_form import BlockForm
from widgets.inspector.bool_control import BoolControl
from widgets.inspector.choice_control import ChoiceControl
from widgets.inspector.float_control import FloatControl
from widgets.inspector.initializer_control import InitializerControl
from widgets.inspector.int_control import IntControl
from widgets.inspector.json_control import JsonControl
from widgets.inspector.optional_control import OptionalControl
from widgets.inspector.search_mark import add_search_menu
from widgets.inspector.text_control import TextControl
from widgets.inspector.tuple_control import TupleControl

_CONTROLS: dict[str, type[ParamControl]] = {
    "int": IntControl,
    "float": FloatControl,
    "bool": BoolControl,
    "choice": ChoiceControl,
    "str": TextControl,
    "ints": TupleControl,
    "shape": TupleControl,
    "initializer": InitializerControl,
    "regularizer": JsonControl,
    "constraint": JsonControl,
    "layer": JsonControl,
    "json": JsonControl,
}
_FALLBACK = {"int": 1, "float": 0.0, "ints": 1, "str": "", "shape": [1]}


def control_for(spec: ParamSpec, parent: QWidget | None = None) -> ParamControl:
    """The control that edits one parameter; optional numbers and sizes get a None box."""
    cls = _CONTROLS.get(spec.kind, JsonControl)
    control = cls(spec, parent)
    if (
        spec.optional
        and spec.kind in ("int", "float", "ints", "str", "shape")
        and None not in spec.choices
    ):
        return OptionalControl(control, _FALLBACK[spec.kind], parent)
    return control


class Inspector(QWidget):
    """Shows and edits the selected layers; follows the graph back after every change."""

    def __init__(
        self, editor: GraphEditor, analysis: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self._analysis = analysis or (lambda: None)  # callable giving the latest Analysis
        self.node_ids: list[str] = []
        self.controls: dict[str, ParamControl] = {}
        self.errors: dict[str, QLabel] = {}
        self._unsubscribe = None
        self.search_marks = None  # set by widgets.tuning.dock: right-click marks searchable
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        outer.addWidget(self.scroll)
        self.title = QLabel("Nothing selected")
        self.title.setObjectName("inspectorTitle")
        self.help = QLabel("")
        self.help.setObjectName("inspectorHelp")
        self.help.setWordWrap(True)
        self.name = QLineEdit()
        self.name_error = self._error_label()
        self.trainable = QCheckBox("Trainable (unticked: weights frozen)")
        self.name.editingFinished.connect(self._rename)
        self.trainable.toggled.connect(self._set_trainable)
        self._body: QWidget | None = None
        self.attach(editor.graph)
        self.set_nodes([])

    def attach(self, graph: Graph) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = graph.subscribe(self._on_change)
        self.set_nodes([])

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel("")
        label.setObjectName("paramError")
        label.setWordWrap(True)
        label.hide()
        return label

    # ----- building -------------------------------------------------------------------------
    def set_nodes(self, node_ids: list[str]) -> None:
        graph = self.editor.graph
        ids = [n for n in node_ids if n in graph]
        self.node_ids = ids
        body = QWidget()
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for w in (self.title, self.help, self.name, self.name_error, self.trainable):
            w.setParent(None)
        self.controls = {}
        self.errors = {}
        form.addRow(self.title)
        if not ids:
            self.title.setText("Nothing selected")
            self.help.setText(
                "Select a layer on the canvas to edit it, or drag one in from the palette."
            )
            form.addRow(self.help)
            self._set_body(body)
            return
        nodes = [graph.node(n) for n in ids]
        types = {n.type for n in nodes}
        first = nodes[0]
        spec = spec_for(first, len(graph.in_edges(first.id)))
        if len(ids) == 1:
            self.title.setText(f"{first.type}")
        else:
            self.title.setText(
                f"{len(ids)} × {first.type}"
                if len(types) == 1
                else f"{len(ids)} layers of {len(types)} types"
            )
        self.help.setText(spec.help)
        form.addRow(self.help)
        if len(ids) == 1:
            form.addRow("name", self.name)
            form.addRow(self.name_error)
        form.addRow(self.trainable)
        if len(types) == 1:
            for p in spec.params:
                control = control_for(p, body)
                error = self._error_label()
                label = QLabel(p.name + ("*" if p.required else ""))
                label.setToolTip(p.help)
                add_search_menu(self, label, p)
                form.addRow(label, control)
                form.addRow(error)
                control.edited.connect(lambda v, p=p: self._commit(p, v))
                control.invalid.connect(lambda msg, p=p: self._show_error(p.name, msg))
                self.controls[p.name] = control
                self.errors[p.name] = error
            if first.opaque:
                note = QLabel("Imported layer kept as-is; its configuration is not editable here.")
                note.setWordWrap(True)
                form.addRow(note)
        self._set_body(body)
        self.refresh()

    def _set_body(self, body: QWidget) -> None:
        old = self.scroll.takeWidget()
        self.scroll.setWidget(body)
        self._body = body
        if old is not None:
            old.deleteLater()

    def set_block(self, group_id: str) -> None:
        """Show a collapsed block: its name, nested-or-inline choice and freeze switch."""
        analysis = self._analysis()
        ids = members(self.editor.graph, group_id)
        total = sum(
            analysis.infos[n].params for n in ids if analysis is not None and n in analysis.infos
        )
        self.set_nodes([])
        self.node_ids = ids
        self._set_body(BlockForm(self.editor, group_id, total))

    # ----- following the model ------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if isinstance(self._body, BlockForm):
            if self._body.group_id not in self.editor.graph.groups:
                self.set_nodes([])
            else:
                self._body.refresh()
            return
        if not self.node_ids:
            return
        graph = self.editor.graph
        if any(n not in graph for n in self.node_ids):
            self.set_nodes([n for n in self.node_ids if n in graph])
        elif change.nodes & set(self.node_ids):
            self.refresh()

    def refresh(self) -> None:
        """Show the model's current values (after an edit, undo or redo)."""
        graph = self.editor.graph
        if not self.node_ids or isinstance(self._body, BlockForm):
            return
        first = graph.node(self.node_ids[0])
        with QSignalBlocker(self.name):
            self.name.setText(first.name)
        with QSignalBlocker(self.trainable):
            self.trainable.setChecked(all(graph.node(n).trainable for n in self.node_ids))
        spec = spec_for(first)
        for name, control in self.controls.items():
            p = spec.param(name)
            control.set_value(first.params.get(name, p.default if p else None))

    # ----- editing ----------------------------------------------------------------------------
    def _show_error(self, name: str, message: str) -> None:
        label = self.errors.get(name)
        if label is not None:
            label.setText(message)
            label.setVisible(bool(message))

    def _commit(self, p: ParamSpec, value: Any) -> None:
        graph = self.editor.graph
        problem = check_value(p, value)
        if problem:
            self._show_error(p.name, f"{p.name} {problem}; received {value!r}")
            self.refresh()
            return
        for nid in self.node_ids:
            refused = refusal_for(graph, self._analysis(), graph.node(nid), {p.name: value})
            if refused:
                self._show_error(p.name, refused)
                self.refresh()
                return
        self._show_error(p.name, "")
        remove = value == p.default and not p.required
        if all((graph.node(n).params.get(p.name, p.default) == value) for n in self.node_ids):
            return
        self.editor.set_param(self.node_ids, p.name, value, remove=remove)

    def _rename(self) -> None:
        if len(self.node_ids) != 1 or not self.name.isModified():
            return
        self.name.setModified(False)
        problem = self.editor.rename(self.node_ids[0], self.name.text())
        self.name_error.setText(problem or "")
        self.name_error.setVisible(bool(problem))
        if problem:
            self.refresh()

    def _set_trainable(self, on: bool) -> None:
        self.editor.set_trainable(self.node_ids, on)
