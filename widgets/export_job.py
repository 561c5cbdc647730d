"""Model export on a worker thread: compiling, writing and verifying can take seconds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from studio.graph import Graph

EXPORT_FILTERS: dict[str, str] = {
    "keras": "Keras model (*.keras)",
    "h5": "HDF5 model (*.h5)",
    "json": "Architecture JSON (*.json)",
    "python": "Python script (*.py)",
    "savedmodel": "TensorFlow SavedModel (folder) (*)",
    "onnx": "ONNX model (*.onnx)",
    "tflite": "LiteRT / TFLite model (*.tflite)",
}


class _Signals(QObject):
    finished = Signal(object)  # ExportReport, or a one-line error message


class ExportJob(QRunnable):
    """Exports a private copy of the graph, so edits made meanwhile cannot race with it."""

    def __init__(self, graph: Graph, fmt: str, path: Path) -> None:
        super().__init__()
        self.graph = graph
        self.fmt = fmt
        self.path = path
        self.signals = _Signals()

    def run(self) -> None:
        from studio.export import export

        try:
            outcome: object = export(self.graph, self.fmt, self.path)
        except Exception as exc:  # noqa: BLE001 - a worker must report every failure, not die
            outcome = f"Export to {self.fmt} failed: {exc}"
        self.signals.finished.emit(outcome)
