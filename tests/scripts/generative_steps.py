"""Train the tiny GAN and VAE for a few steps on the backend in KERAS_BACKEND; print JSON.

Run by tests/test_generative_modes.py in a fresh process per backend (a process has one
Keras backend).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from studio.data import load_bundled  # noqa: E402
from studio.training.engine import TrainingEngine, TrainingListener  # noqa: E402
from studio.training.runs import RunStore  # noqa: E402
from studio.training.settings import LossSettings, TrainingSettings  # noqa: E402
from tests.generative_models import tiny_gan, tiny_vae  # noqa: E402


def run(model, mode: str, loss: str) -> dict:
    data = load_bundled("mnist_like", size=96)
    settings = TrainingSettings(
        loss=LossSettings(loss), metrics=[], epochs=2, batch_size=32, mode=mode, seed=1
    )
    grids: list[int] = []
    before = {w.path: keras.ops.convert_to_numpy(w.value).copy() for w in model.trainable_weights}
    listener = TrainingListener(on_samples=lambda epoch, grid: grids.append(epoch))
    with tempfile.TemporaryDirectory() as folder:  # the run is read back, then removed
        store = RunStore(Path(folder))
        result = TrainingEngine(listener).run(model, data, settings, run_store=store)
    # trainable weights only: BatchNorm's moving statistics change without an optimizer step
    changed = sorted(
        w.path
        for w in model.trainable_weights
        if not np.array_equal(before[w.path], keras.ops.convert_to_numpy(w.value))
    )
    return {
        "status": result.status,
        "message": result.message,
        "metrics": result.record.final_metrics,
        "finite": all(math.isfinite(v) for v in result.record.final_metrics.values()),
        "grids": grids,
        "changed_weights": changed,
        "outputs": result.record.outputs,
    }


if __name__ == "__main__":
    print(
        json.dumps(
            {
                "backend": keras.backend.backend(),
                "gan": run(tiny_gan(), "gan", "BinaryCrossentropy"),
                "vae": run(tiny_vae(), "vae", "BinaryCrossentropy"),
            }
        )
    )
