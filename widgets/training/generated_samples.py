"""The sample grid a generative run makes from fixed noise, kept per run and scrubbable by epoch.

The trainer sends a grid (``TrainerThread.samplesReady``) every N epochs; this view keeps every
grid of every run it has seen, shows the newest while a run goes on, and lets the user drag
the epoch slider back to watch noise turn into digits. A finished run's grids are read back
from its folder (``samples.npz`` beside ``run.json``) when the user opens it from the run list.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from studio.training.samples import load_samples

log = logging.getLogger(__name__)

DISPLAY_SCALE = 3


def grid_pixmap(grid: np.ndarray, scale: int = DISPLAY_SCALE) -> QPixmap:
    """A uint8 grid (gray ``(h, w)`` or RGB ``(h, w, 3)``) as a pixmap, pixels kept sharp."""
    grid = np.ascontiguousarray(grid, dtype=np.uint8)
    h, w = grid.shape[:2]
    if grid.ndim == 2:
        image = QImage(grid.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        grid = np.ascontiguousarray(grid[..., :3])
        image = QImage(grid.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    pixmap = QPixmap.fromImage(image.copy())
    return pixmap.scaled(
        w * scale,
        h * scale,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )


class GeneratedSamplesView(QWidget):
    """Grids by run and epoch; ``epochShown`` tells which epoch is on screen."""

    epochShown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: dict[str, dict[int, np.ndarray]] = {}
        self._follow = True  # jump to each new grid unless the user scrubbed back
        self.title = QLabel("Generated samples")
        self.title.setStyleSheet("font-weight: bold;")
        self.run_combo = QComboBox()
        self.image = QLabel("No samples yet: they appear after the first epoch.")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(160, 160)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.epoch_label = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.run_combo)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Epoch"))
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.epoch_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.image, 1)
        layout.addLayout(bottom)
        self.slider.valueChanged.connect(self._slider_moved)
        self.run_combo.currentTextChanged.connect(lambda _text: self._show_run())

    # -- feeding -------------------------------------------------------------------------
    def start_run(self, run_id: str, title: str | None = None) -> None:
        """A new run begins: its grids arrive through :meth:`add_grid`."""
        self._runs[run_id] = {}
        if title:
            self.title.setText(title)
        self._follow = True
        self._add_run_item(run_id)

    def add_grid(self, run_id: str, epoch: int, grid: np.ndarray) -> None:
        grids = self._runs.setdefault(run_id, {})
        grids[int(epoch)] = np.asarray(grid)
        if self.run_combo.findText(run_id) < 0:
            self._add_run_item(run_id)
        if self.run_combo.currentText() == run_id:
            self._update_slider(jump_to_latest=self._follow)

    def load_run(self, run_id: str, run_dir: Path) -> bool:
        """Show a finished run's grids from its folder; False when it wrote none."""
        grids = load_samples(run_dir)
        if not grids:
            return False
        self._runs[run_id] = grids
        self._follow = False
        self._add_run_item(run_id)
        self._update_slider(jump_to_latest=True)
        return True

    def _add_run_item(self, run_id: str) -> None:
        self.run_combo.blockSignals(True)
        if self.run_combo.findText(run_id) < 0:
            self.run_combo.addItem(run_id)
        self.run_combo.setCurrentText(run_id)
        self.run_combo.blockSignals(False)
        self._show_run()

    # -- reading -------------------------------------------------------------------------
    @property
    def run_ids(self) -> list[str]:
        return list(self._runs)

    def epochs(self, run_id: str | None = None) -> list[int]:
        return sorted(self._runs.get(run_id or self.run_combo.currentText(), {}))

    def current_epoch(self) -> int | None:
        epochs = self.epochs()
        return epochs[self.slider.value()] if epochs else None

    def current_grid(self) -> np.ndarray | None:
        epoch = self.current_epoch()
        return None if epoch is None else self._runs[self.run_combo.currentText()][epoch]

    # -- drawing -------------------------------------------------------------------------
    def _show_run(self) -> None:
        self._update_slider(jump_to_latest=True)

    def _update_slider(self, jump_to_latest: bool) -> None:
        epochs = self.epochs()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(epochs) - 1))
        self.slider.setEnabled(len(epochs) > 1)
        if jump_to_latest:
            self.slider.setValue(len(epochs) - 1)
        self.slider.blockSignals(False)
        self._draw()

    def _slider_moved(self, value: int) -> None:
        self._follow = value == self.slider.maximum()
        self._draw()

    def _draw(self) -> None:
        epoch, grid = self.current_epoch(), self.current_grid()
        if grid is None:
            self.image.setPixmap(QPixmap())
            self.image.setText("No samples yet: they appear after the first epoch.")
            self.epoch_label.setText("")
            return
        self.image.setPixmap(grid_pixmap(grid))
        total = self.epochs()[-1]
        self.epoch_label.setText(f"{epoch} of {total}" if epoch else f"0 (untrained) of {total}")
        self.epochShown.emit(epoch)
