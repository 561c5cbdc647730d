"""A column of widgets that keeps room for its word-wrapped labels.

Qt's vertical box layout takes its minimum height from each label's one-line height, then,
once it knows the width, gives a wrapped label the height it wraps to out of its neighbours.
A neighbour that cannot shrink (the training settings box, 280 px) keeps its height anyway,
and the next row was drawn over its bottom. This column asks for the wrapped heights as its
minimum, so a scrolling dock gives it that room (and scrolls) instead.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QWidget


def wrapped_minimum(layout: QBoxLayout, width: int) -> int:
    """The least height ``layout`` (a vertical box) needs at ``width``: wrapped items at the
    height they wrap to, the others at their minimum."""
    margins = layout.contentsMargins()
    inner = width - margins.left() - margins.right()
    total, shown = margins.top() + margins.bottom(), 0
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.isEmpty():
            continue
        shown += 1
        if item.hasHeightForWidth():
            total += max(item.heightForWidth(inner), item.minimumSize().height())
        else:
            total += item.minimumSize().height()
    return total + max(layout.spacing(), 0) * max(shown - 1, 0)


class WrappingColumn(QWidget):
    """Give it a ``QVBoxLayout``; its minimum height follows its width."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        layout = self.layout()
        if isinstance(layout, QBoxLayout) and self.width() > 0:
            hint.setHeight(max(hint.height(), wrapped_minimum(layout, self.width())))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the wrapped labels' heights changed with the width
