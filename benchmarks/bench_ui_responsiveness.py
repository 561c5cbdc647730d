"""Does training on the QThread keep the UI responsive? Longest gap of a 5 ms UI timer.

Runs the real ``TrainingPanel`` offscreen, trains for a few seconds, and reports the longest
time between two ticks of a 5 ms QTimer in the UI thread (the lag a user would feel).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.data.dataset import Dataset  # noqa: E402
from widgets.training.panel import TrainingPanel  # noqa: E402


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 32)).astype("float32")
    y = rng.integers(0, 10, size=20000).astype("int32")
    data = Dataset("bench", x, y, class_names=[str(i) for i in range(10)])
    model = keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)]
    )
    panel = TrainingPanel(lambda: model, lambda: data, lambda: None)
    panel.resize(1200, 800)
    panel.show()
    panel.loss_form.field("from_logits").setChecked(True)
    panel.epochs_spin.setValue(4)
    panel.batch_spin.setValue(32)
    panel.split_spin.setValue(0.1)

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    panel.train()
    while panel.trainer is not None:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    timer.stop()
    steady = sorted(gaps[5:]) or [0.0]
    result = panel.last_result
    print(
        f"training: {result.status if result else 'unknown'} in {elapsed:.1f} s, "
        f"{len(gaps)} timer ticks"
    )
    print(
        f"longest UI timer gap: {max(steady) * 1000:.1f} ms "
        f"(p99 {steady[int(len(steady) * 0.99) - 1] * 1000:.1f} ms, "
        f"median {steady[len(steady) // 2] * 1000:.1f} ms; ideal 5 ms)"
    )


if __name__ == "__main__":
    main()
