"""Undo commands: every edit the user makes is a studio op wrapped in a ``QUndoCommand``.

Ops are reversible by construction (applying one returns its inverse), so one command class
serves every kind of edit; moves get their own class only so consecutive moves of the same
nodes merge into one undo step (``mergeWith``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from studio.graph import Batch, Graph, Op, SetAttr

MOVE_ID = 1001
PROJECT_FIELD_ID = 1002


class OpCommand(QUndoCommand):
    """Applies an op on redo and its inverse on undo.

    ``applied`` says the op has already been applied (the editor applies first so a refused
    edit raises before anything reaches the stack); the first ``redo`` then only records it.
    """

    def __init__(
        self, graph: Graph, op: Op, inverse: Op | None = None, text: str | None = None
    ) -> None:
        super().__init__(text or op.label)
        self._graph = graph
        self._redo_op = op
        self._undo_op = inverse
        self._skip_redo = inverse is not None

    def redo(self) -> None:
        if self._skip_redo:  # QUndoStack.push calls redo; the edit is already in the graph
            self._skip_redo = False
            return
        self._undo_op = self._graph.apply(self._redo_op)

    def undo(self) -> None:
        assert self._undo_op is not None
        self._redo_op = self._graph.apply(self._undo_op)


class MoveCommand(OpCommand):
    """Moves nodes; merges with the next move of the same nodes in the same gesture.

    ``gesture`` identifies one drag or one run of arrow-key nudges, so two separate drags stay
    two undo steps while the many small steps of one gesture collapse into one.
    """

    def __init__(
        self,
        graph: Graph,
        old: dict[str, tuple[float, float]],
        new: dict[str, tuple[float, float]],
        gesture: int,
        applied: bool,
    ) -> None:
        self.old = dict(old)
        self.new = dict(new)
        self.gesture = gesture
        op = self._op(self.new)
        super().__init__(
            graph,
            op,
            self._op(self.old) if applied else None,
            f"Move {len(new)} layer{'s' if len(new) != 1 else ''}",
        )

    @staticmethod
    def _op(positions: dict[str, tuple[float, float]]) -> Batch:
        return Batch([SetAttr(n, "position", p) for n, p in positions.items()], "Move")

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if (
            not isinstance(other, MoveCommand)
            or other.gesture != self.gesture
            or set(other.new) != set(self.new)
        ):
            return False
        self.new = dict(other.new)
        self._redo_op = self._op(self.new)
        self._undo_op = self._op(self.old)
        return True


class ProjectFieldCommand(QUndoCommand):
    """Sets a project-level field (training settings, dataset) as one undo step, so such
    changes mark the document modified and can be undone like graph edits."""

    def __init__(
        self,
        project: object,
        field: str,
        value: object,
        text: str,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(text)
        self._project = project
        self._field = field
        self._new = value
        self._old = getattr(project, field)
        self._on_change = on_change

    def _set(self, value: object) -> None:
        setattr(self._project, self._field, value)
        if self._on_change is not None:
            self._on_change(self._field)

    def id(self) -> int:
        return PROJECT_FIELD_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Spinning a value through ten steps is one edit, not ten."""
        if (
            not isinstance(other, ProjectFieldCommand)
            or other._project is not self._project
            or other._field != self._field
        ):
            return False
        self._new = other._new
        return True

    def redo(self) -> None:
        self._set(self._new)

    def undo(self) -> None:
        self._set(self._old)


class WeightsCommand(QUndoCommand):
    """Keeps trained (or loaded) weights on the graph as one undo step, so training marks the
    document modified, the save prompt and autosave cover the weights, and undo brings back
    the weights the model had before.

    The graph's ``weights`` mapping is replaced, never edited in place, so anything holding
    the old mapping (a cached model, an autosave in progress) sees a consistent set.
    """

    def __init__(
        self,
        graph: Graph,
        weights: dict,
        text: str,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(text)
        self._graph = graph
        self._new = weights
        self._old = graph.weights
        self._on_change = on_change

    def _set(self, weights: dict) -> None:
        self._graph.weights = weights
        if self._on_change is not None:
            self._on_change()

    def redo(self) -> None:
        self._set(self._new)

    def undo(self) -> None:
        self._set(self._old)
