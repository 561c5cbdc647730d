"""Marking a layer parameter searchable: a right-click menu on the parameter's label.

The inspector knows nothing of searches; it is given ``search_marks`` (an object with
``marked``, ``mark`` and ``unmark``, see ``widgets.tuning.dock``) and, when it has one, each
searchable parameter's label gets the menu, a ⚲ when the value is searched and the range in
its tooltip.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QMenu

from studio.catalog import ParamSpec

SEARCHABLE_KINDS = ("int", "float", "choice", "bool", "str")
MARK = "⚲"


class SearchMarks(Protocol):
    def marked(self, node_id: str, param: str) -> str | None: ...
    def mark(self, node_ids: list[str], spec: ParamSpec) -> None: ...
    def unmark(self, node_ids: list[str], param: str) -> None: ...


def add_search_menu(inspector: Any, label: QLabel, spec: ParamSpec) -> None:
    marks: SearchMarks | None = getattr(inspector, "search_marks", None)
    if marks is None or spec.kind not in SEARCHABLE_KINDS or not inspector.node_ids:
        return
    ids = list(inspector.node_ids)
    searched = marks.marked(ids[0], spec.name)
    tip = f"searched over {searched}" if searched else "right-click to search over values"
    label.setToolTip(f"{tip}\n{spec.help}".strip())
    if searched:
        label.setText(f"{label.text()} {MARK}")
    label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    label.customContextMenuRequested.connect(
        lambda pos: _show_menu(inspector, label, marks, ids, spec, bool(searched), pos)
    )


def _show_menu(
    inspector: Any,
    label: QLabel,
    marks: SearchMarks,
    ids: list[str],
    spec: ParamSpec,
    searched: bool,
    pos: QPoint,
) -> None:
    menu = QMenu(label)
    menu.addAction(
        "Search over values…" if not searched else "Change search range…",
        lambda: marks.mark(ids, spec),
    )
    if searched:
        menu.addAction("Stop searching", lambda: marks.unmark(ids, spec.name))
    inspector.search_menu = menu  # kept so the menu lives while shown (and tests can reach it)
    menu.popup(label.mapToGlobal(pos))
