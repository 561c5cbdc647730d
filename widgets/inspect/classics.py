"""The Classic view: the picture that makes each classic network understandable.

RBF centres over the data, a SOM's U-matrix / hit map / component planes, each RBM's filters
as image tiles, and a replayed episode of a Q-network's greedy policy. The computations are
``studio.inspect.classics`` (and ``studio.training.modes.dqn.play_episode``) and run on a
worker thread; a result that arrives after the model or the choice changed is dropped.
"""

from __future__ import annotations

import logging
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsEllipseItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.inspect.classics import (
    ClassicItem,
    RBFPicture,
    RBMFilters,
    classic_items,
    rbf_picture,
    rbm_filters,
    som_maps,
)
from widgets.inspect.cartpole_view import CartPoleView
from widgets.inspect.common import InspectView, Work
from widgets.inspect.image_grid import ImageGrid
from widgets.inspect.som_view import SOMPage, class_colours

log = logging.getLogger(__name__)


class RBFPage(QWidget):
    """Data as dots (coloured by class), centres as crosses with a circle of radius σ."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAspectLocked(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.picture: RBFPicture | None = None

    def show_picture(self, picture: RBFPicture) -> None:
        self.picture = picture
        plot = self.plot.getPlotItem()
        plot.clear()
        plot.addLegend(offset=(10, 10))
        plot.setLabel("bottom", picture.axes[0])
        plot.setLabel("left", picture.axes[1])
        points = picture.points
        if picture.labels is not None:
            colours = class_colours(int(picture.labels.max()) + 1)
            brushes = [pg.mkBrush(*colours[c], 150) for c in picture.labels]
            plot.addItem(pg.ScatterPlotItem(points[:, 0], points[:, 1], size=6, brush=brushes,
                                            pen=None, name="data"))  # fmt: skip
        else:
            plot.addItem(pg.ScatterPlotItem(points[:, 0], points[:, 1], size=4, pen=None,
                                            brush=pg.mkBrush(90, 120, 200, 120), name="data"))  # fmt: skip
        if picture.curve is not None:
            plot.plot(*picture.curve, pen=pg.mkPen("#2c3e50", width=2), name="prediction")
        one_dim = picture.curve is not None or picture.axes[0] == "input"
        for (cx, cy), width in zip(picture.centres, picture.widths, strict=True):
            height = 0.05 if one_dim else width  # 1-D: the width is along x only
            ring = QGraphicsEllipseItem(QRectF(cx - width, cy - height, 2 * width, 2 * height))
            ring.setPen(pg.mkPen("#c0392b", width=1, style=Qt.PenStyle.DashLine))
            plot.addItem(ring)
        plot.addItem(pg.ScatterPlotItem(picture.centres[:, 0], picture.centres[:, 1], size=14,
                                        symbol="x", pen=pg.mkPen("#c0392b", width=2),
                                        brush=pg.mkBrush("#c0392b"), name="centres"))  # fmt: skip


class RBMPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = QLabel(wordWrap=True)
        self.grid = ImageGrid(cell=56)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addWidget(self.grid, 1)
        self.filters: RBMFilters | None = None

    def show_filters(self, filters: RBMFilters) -> None:
        self.filters = filters
        via = f", drawn through {' → '.join(reversed(filters.through))}" if filters.through else ""
        self.info.setText(
            f"{len(filters.images)} hidden units of {filters.layer}: each tile is a unit's "
            f"weights to the input pixels{via} (bright: excites, dark: inhibits)."
        )
        self.grid.set_images(filters.images, [f"h{i}" for i in range(len(filters.images))])


class PolicyPage(QWidget):
    """A greedy episode of the Q-network, replayed; ``run_button`` plays a new one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton("Run a new episode")
        self.info = QLabel()
        self.view = CartPoleView()
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        self.episode: Any = None
        self.seed = 0

    def show_episode(self, episode: Any) -> None:
        self.episode = episode
        self.info.setText(
            f"{episode.environment}, seed {self.seed}: reward {episode.reward:.0f} in "
            f"{len(episode.actions)} steps (greedy policy, no exploration)"
        )
        self.view.set_states(episode.states)
        if not self.view.timer.isActive():
            self.view.toggle()


def _compute(item: ClassicItem, model: Any, dataset: Any, seed: int) -> Any:
    """The picture for ``item``; runs on the worker thread."""
    if item.kind == "rbf":
        return rbf_picture(model, item.layer, dataset)
    if item.kind == "som":
        return som_maps(model, item.layer, dataset)
    if item.kind == "rbm":
        return rbm_filters(model, item.layer)
    from studio.training.modes.dqn import play_episode

    return play_episode(model, dataset.metadata["environment"], seed=seed)


class ClassicView(InspectView):
    """Offers one entry per RBF, SOM and RBM layer (and the policy, for an environment)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item_combo = QComboBox()
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel("Show"))
        row.addWidget(self.item_combo, 1)
        row.addWidget(self.status)
        self.body.addLayout(row)
        self.empty = QLabel(
            "This model has no RBF, SelfOrganizingMap or RBM layer, and its dataset is not an "
            "environment. The Classic networks templates in the gallery have one each.",
            wordWrap=True,
            alignment=Qt.AlignmentFlag.AlignTop,
        )
        self.rbf_page = RBFPage()
        self.som_page = SOMPage()
        self.rbm_page = RBMPage()
        self.policy_page = PolicyPage()
        self.pages = QStackedWidget()
        for page in (self.empty, self.rbf_page, self.som_page, self.rbm_page, self.policy_page):
            self.pages.addWidget(page)
        self.body.addWidget(self.pages, 1)
        self.items: list[ClassicItem] = []
        self._generation = 0
        self.item_combo.currentIndexChanged.connect(lambda _i: self.schedule_refresh())
        self.policy_page.run_button.clicked.connect(self._new_episode)

    def _model_changed(self) -> None:
        self._fill()

    def _dataset_changed(self) -> None:
        self._fill()

    def _fill(self) -> None:
        current = self.item_combo.currentText()
        self.items = classic_items(self.model, self.dataset)
        self.item_combo.blockSignals(True)
        self.item_combo.clear()
        self.item_combo.addItems([item.title for item in self.items])
        if current in [item.title for item in self.items]:
            self.item_combo.setCurrentText(current)
        self.item_combo.blockSignals(False)

    def _layer_changed(self) -> None:
        for index, item in enumerate(self.items):
            if item.layer is not None and item.layer == self.layer_name:
                self.item_combo.setCurrentIndex(index)

    def current_item(self) -> ClassicItem | None:
        index = self.item_combo.currentIndex()
        return self.items[index] if 0 <= index < len(self.items) else None

    def _new_episode(self) -> None:
        self.policy_page.seed += 1
        self.schedule_refresh()

    def _prepare(self) -> Work | None:
        item = self.current_item()
        if item is None or self.model is None:
            self.pages.setCurrentWidget(self.empty)
            self.status.setText("")
            return None
        if item.kind != "rbm" and self.dataset is None:
            self.show_error("Choose a dataset: this picture draws the data.")
            return None
        page = {"rbf": self.rbf_page, "som": self.som_page, "rbm": self.rbm_page}.get(
            item.kind, self.policy_page
        )
        self.pages.setCurrentWidget(page)
        self.status.setText("Computing…")
        return Work(
            _compute,
            (item, self.model, self.dataset, self.policy_page.seed),
            lambda outcome: self._show(item, outcome),
        )

    def _show(self, item: ClassicItem, outcome: Any) -> None:
        self.status.setText("")
        if item.kind == "rbf":
            self.rbf_page.show_picture(outcome)
        elif item.kind == "som":
            self.som_page.show_maps(outcome)
        elif item.kind == "rbm":
            self.rbm_page.show_filters(outcome)
        else:
            self.policy_page.show_episode(outcome)
