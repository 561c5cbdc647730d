"""InspectPanel: every inspect view in one tab widget, fed through one set of setters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from studio.data.dataset import Dataset
from widgets.common.jobs import JobRunner
from widgets.inspect.classics import ClassicView
from widgets.inspect.common import InspectView
from widgets.inspect.evaluation import EvaluationView
from widgets.inspect.feature_maps import FeatureMapsView
from widgets.inspect.filters import FiltersView
from widgets.inspect.histograms import HistogramsView
from widgets.inspect.latent import LatentView
from widgets.inspect.reconstruction import ReconstructionView
from widgets.inspect.saliency import SaliencyView
from widgets.inspect.summary import SummaryView

if TYPE_CHECKING:  # widgets only hold models the core built
    import keras


class InspectPanel(QTabWidget):
    """Forwards model, dataset and layer selection to each view; hidden tabs catch up lazily.

    A layer picked inside any view is pushed to the others and re-emitted as ``layerChosen``
    so the canvas can select the same node.
    """

    layerChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = SummaryView()
        self.filters = FiltersView()
        self.feature_maps = FeatureMapsView()
        self.saliency = SaliencyView()
        self.histograms = HistogramsView()
        self.evaluation = EvaluationView()
        # One worker thread for every view: one Keras computation at a time, and the UI
        # thread free while it runs.
        self.runner = JobRunner(self)
        self.latent = LatentView()
        self.reconstruction = ReconstructionView()
        self.classic = ClassicView()
        for title, view in self.named_views():
            self.addTab(view, title)
            view.runner = self.runner
            view.layerChosen.connect(self._on_view_layer)

    def named_views(self) -> list[tuple[str, InspectView]]:
        return [
            ("Summary", self.summary),
            ("Filters", self.filters),
            ("Feature maps", self.feature_maps),
            ("Saliency", self.saliency),
            ("Histograms", self.histograms),
            ("Evaluation", self.evaluation),
            ("Latent space", self.latent),
            ("Reconstruction", self.reconstruction),
            ("Classic", self.classic),
        ]

    def views(self) -> list[InspectView]:
        return [view for _, view in self.named_views()]

    def set_model(self, model: keras.Model | None) -> None:
        for view in self.views():
            view.set_model(model)

    def set_dataset(self, dataset: Dataset | None) -> None:
        for view in self.views():
            view.set_dataset(dataset)

    def reset(self) -> None:
        """Forget everything shown about the previous project (results, chosen layer)."""
        for view in self.views():
            view.layer_name = None
            view.show_error("")
        self.evaluation.result = None
        self.evaluation.summary.setText("")
        self.evaluation.confusion.show_result(None)
        self.evaluation.class_table.show_report(None)
        self.evaluation.pca_plot.clear()
        self.set_model(None)

    def is_busy(self) -> bool:
        return any(view.is_busy for view in self.views())

    def set_layer(self, name: str | None) -> None:
        for view in self.views():
            view.set_layer(name)

    def _on_view_layer(self, name: str) -> None:
        source = self.sender()
        for view in self.views():
            if view is not source and view.layer_name != name:
                view.set_layer(name)
        self.layerChosen.emit(name)
