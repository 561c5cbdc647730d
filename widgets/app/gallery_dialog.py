"""File → New from template: browse the gallery, read about a template, open it.

The dialog is a view over ``studio.gallery.templates``: it lists ``TemplateEntry`` records, draws each
template's real graph as a thumbnail (nodes and edges from the project file, laid out by
``studio.graph.layout`` when the file has no positions) and, on Open, asks the core for the new
``Project``. It never builds Keras objects.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studio.gallery.templates import GalleryError, TemplateEntry, list_templates, new_from_template
from studio.graph import Graph
from studio.project import Project, ProjectError

THUMB = QSize(160, 100)
ALL_TASKS = "All tasks"
_COLOURS = {
    "Input": "#5b8def",
    "Dense": "#e58e3c",
    "Conv": "#46a56a",
    "Pool": "#8a8a8a",
    "Norm": "#b07ad9",
    "Recur": "#d9534f",
    "Attention": "#c9a227",
}


def _colour(node_type: str) -> QColor:
    for key in ("Input", "Attention", "Norm", "Pool", "Conv", "Dense"):
        if key in node_type:
            return QColor(_COLOURS[key])
    if node_type in ("LSTM", "GRU", "SimpleRNN", "Bidirectional"):
        return QColor(_COLOURS["Recur"])
    return QColor("#9aa5b1")


def _positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """The graph's own positions, or a layered layout when they are all at the origin."""
    positions = {n.id: n.position for n in graph.nodes}
    if any(p != (0.0, 0.0) for p in positions.values()) or len(positions) < 2:
        return positions
    try:
        from studio.graph.layout import compute_layout
    except ImportError:
        return _simple_layers(graph)
    return compute_layout(graph)


def _simple_layers(graph: Graph) -> dict[str, tuple[float, float]]:
    depth: dict[str, int] = {}
    rows: dict[int, int] = {}
    out = {}
    for nid in graph.topological_order():
        d = max((depth[p] + 1 for p in graph.predecessors(nid)), default=0)
        depth[nid] = d
        out[nid] = (d * 200.0, rows.get(d, 0) * 90.0)
        rows[d] = rows.get(d, 0) + 1
    return out


def render_thumbnail(graph: Graph, size: QSize = THUMB) -> QPixmap:
    """Draw the graph's nodes (coloured by layer kind) and edges, scaled to fit ``size``."""
    pixmap = QPixmap(size)
    pixmap.fill(QColor("#ffffff"))
    positions = _positions(graph)
    if not positions:
        return pixmap
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    span_x, span_y = max(xs) - min(xs) or 1.0, max(ys) - min(ys) or 1.0
    margin = 8.0
    scale = min((size.width() - 2 * margin) / span_x, (size.height() - 2 * margin) / span_y)
    off_x = (size.width() - span_x * scale) / 2
    off_y = (size.height() - span_y * scale) / 2

    def at(nid: str) -> QPointF:
        x, y = positions[nid]
        return QPointF(off_x + (x - min(xs)) * scale, off_y + (y - min(ys)) * scale)

    radius = max(1.5, min(6.0, 400.0 / max(len(positions), 1)))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#b0b7c0"), 1.0))
    for edge in graph.edges:
        if edge.src in positions and edge.dst in positions:
            painter.drawLine(at(edge.src), at(edge.dst))
    painter.setPen(Qt.PenStyle.NoPen)
    for node in graph.nodes:
        painter.setBrush(_colour(node.type))
        centre = at(node.id)
        painter.drawRoundedRect(
            QRectF(centre.x() - radius * 1.6, centre.y() - radius, radius * 3.2, radius * 2), 2, 2
        )
    painter.end()
    return pixmap


def thumbnail_for(entry: TemplateEntry, size: QSize = THUMB) -> QPixmap:
    try:
        graph = Project.load(entry.path).graph
    except ProjectError:
        pixmap = QPixmap(size)
        pixmap.fill(QColor("#f3d6d6"))
        return pixmap
    return render_thumbnail(graph, size)


def details_html(entry: TemplateEntry) -> str:
    """The details pane's text: everything the card's metadata says, in the user's words."""
    real = f" (made for {entry.real_dataset})" if entry.real_dataset else ""
    rows = [
        ("Task", entry.task),
        ("Parameters", f"{entry.params:,}"),
        ("Dataset", entry.dataset_label + real),
        ("Expected accuracy", entry.accuracy_text),
        ("Source", entry.source),
        ("Hardware", entry.gpu_note),
    ]
    note = entry.metadata.get("weights_note")
    if note:
        rows.append(("Weights", str(note)))
    table = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f"<h3>{entry.title}</h3><p>{entry.description}</p><table cellspacing='4'>{table}</table>"


class GalleryDialog(QDialog):
    """Pick a template; ``exec()`` accepts on Open, then ``project()`` holds the new project."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.resize(900, 560)
        self._folder = folder
        self._entries = list_templates(folder)
        self._project: Project | None = None

        self.search = QLineEdit(placeholderText="Search templates")
        self.search.setClearButtonEnabled(True)
        self.task_filter = QComboBox()
        self.task_filter.addItem(ALL_TASKS)
        for task in dict.fromkeys(e.task for e in self._entries):
            self.task_filter.addItem(task)
        self.list = QListWidget()
        self.list.setIconSize(THUMB)
        self.list.setViewMode(QListWidget.ViewMode.ListMode)
        self.list.setUniformItemSizes(True)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(False)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.task_filter)
        middle = QHBoxLayout()
        middle.addWidget(self.list, 3)
        middle.addWidget(self.details, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        for entry in self._entries:
            item = QListWidgetItem(
                QIcon(thumbnail_for(entry)),
                f"{entry.title}\n{entry.params:,} params · {entry.task}"
                + ("  · GPU" if entry.needs_gpu else ""),
            )
            item.setData(Qt.ItemDataRole.UserRole, entry.name)
            item.setToolTip(entry.description)
            self.list.addItem(item)

        self.search.textChanged.connect(self._apply_filter)
        self.task_filter.currentTextChanged.connect(self._apply_filter)
        self.list.currentItemChanged.connect(self._show_current)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._apply_filter()

    # ----- reading the choice -----------------------------------------------------------
    def entries(self) -> list[TemplateEntry]:
        return list(self._entries)

    def visible_names(self) -> list[str]:
        return [
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
            if not self.list.item(i).isHidden()
        ]

    def selected_template(self) -> str | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return item.data(Qt.ItemDataRole.UserRole)

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(i)
                return

    def project(self) -> Project | None:
        """The project created on Open; None before, or when the template could not open."""
        return self._project

    # ----- reacting ---------------------------------------------------------------------
    def _entry(self, name: str | None) -> TemplateEntry | None:
        return next((e for e in self._entries if e.name == name), None)

    def _apply_filter(self) -> None:
        text = self.search.text()
        task = self.task_filter.currentText()
        first_visible = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            entry = self._entry(item.data(Qt.ItemDataRole.UserRole))
            shown = entry is not None and entry.matches(text) and task in (ALL_TASKS, entry.task)
            item.setHidden(not shown)
            if shown and first_visible is None:
                first_visible = i
        current = self.list.currentItem()
        if (current is None or current.isHidden()) and first_visible is not None:
            self.list.setCurrentRow(first_visible)
        self._show_current()

    def _show_current(self, *_args: object) -> None:
        entry = self._entry(self.selected_template())
        self.details.setHtml(details_html(entry) if entry else "<p>No template matches.</p>")
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(entry is not None)

    def accept(self) -> None:
        name = self.selected_template()
        if name is None:
            return
        try:
            self._project = new_from_template(name, folder=self._folder)
        except GalleryError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
