"""How fast the generative templates learn on a CPU, measured the way the app trains them.

Trains each template through the studio's engine (its own training mode and settings) on its
bundled dataset and prints, per sample grid, the training time so far and how much the samples
look like digits: a logistic-regression digit classifier fitted on the same bundled digits
reads each generated image, and ``digit_confidence`` is its mean top probability (about 0.1-0.3
for noise, near 1 for clean digits) with ``classes`` the number of different digits it sees.
The baseline in the same run is epoch 0, the untrained generator.

    python benchmarks/bench_generative.py                       # dcgan_digits, vae_dense
    python benchmarks/bench_generative.py dcgan_digits --epochs 5
    python benchmarks/bench_generative.py --out benchmarks/generative_results.json
    python templates/build_all.py dcgan_digits vae_dense --accuracy-from \
        benchmarks/generative_results.json

The JSON holds ``expected_accuracy`` records like ``bench_templates.py`` writes, so the gallery
card shows the measured figure; the final grid is saved as ``<name>_samples.png`` beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

DEFAULT = ("dcgan_digits", "vae_dense")


def untile(grid: np.ndarray, size: int = 28, pad: int = 1) -> np.ndarray:
    """The images of a ``studio.training.samples.tile`` grid, as floats in [0, 1]."""
    rows = (grid.shape[0] - pad) // (size + pad)
    cols = (grid.shape[1] - pad) // (size + pad)
    out = []
    for r in range(rows):
        for c in range(cols):
            top, left = pad + r * (size + pad), pad + c * (size + pad)
            out.append(grid[top : top + size, left : left + size] / 255.0)
    return np.stack(out).astype("float32")


def digit_classifier():
    from sklearn.linear_model import LogisticRegression

    from studio.data import load_bundled

    data = load_bundled("mnist_like", size=3000, seed=1)
    clf = LogisticRegression(max_iter=300)
    clf.fit(data.x_train.reshape(len(data.x_train), -1), data.y_train)
    accuracy = clf.score(data.x_val.reshape(len(data.x_val), -1), data.y_val)
    return clf, float(accuracy)


def digit_score(clf, images: np.ndarray) -> tuple[float, int]:
    probs = clf.predict_proba(images.reshape(len(images), -1))
    return float(probs.max(axis=1).mean()), len(set(probs.argmax(axis=1).tolist()))


def measure(name: str, clf, epochs: int | None, seed: int = 0) -> dict[str, Any]:
    import keras

    from studio.compile.compiler import compile_graph
    from studio.data import DatasetRef, load
    from studio.gallery.templates import new_from_template
    from studio.training.engine import TrainingEngine, TrainingListener
    from studio.training.settings import TrainingSettings

    keras.utils.set_random_seed(seed)
    project = new_from_template(name)
    settings = TrainingSettings.from_dict(project.training)
    if epochs:
        settings = dataclasses.replace(settings, epochs=epochs)
    ref = DatasetRef.from_dict(project.dataset)
    data = load(ref)
    model = compile_graph(project.graph)
    clock = {"train": 0.0}
    rows: list[dict[str, Any]] = []
    grids: dict[int, np.ndarray] = {}

    def epoch_end(epoch, logs, seconds, val_seconds, samples) -> None:
        clock["train"] += seconds

    def samples(epoch: int, grid: np.ndarray) -> None:
        grids[epoch] = grid
        confidence, classes = digit_score(clf, untile(grid))
        rows.append(
            {"epoch": epoch, "seconds": round(clock["train"], 1), "digit_confidence": confidence}
        )
        print(
            f"{name:14s} epoch {epoch:3d}  {clock['train']:7.1f}s trained  "
            f"digit_confidence {confidence:.3f}  classes {classes:2d}/16",
            flush=True,
        )

    start = time.perf_counter()
    listener = TrainingListener(on_epoch_end=epoch_end, on_samples=samples)
    result = TrainingEngine(listener).run(model, data, settings)
    wall = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"{name}: {result.message}")
    final = rows[-1]
    return {
        "expected_accuracy": {
            "metric": "digit_confidence",
            "value": round(final["digit_confidence"], 3),
            "baseline": round(rows[0]["digit_confidence"], 3),
            "epochs": settings.epochs,
            "dataset": ref.label,
            "train_samples": int(data.num_train),
            "seconds": round(final["seconds"], 1),
            "wall_seconds": round(wall, 1),
            "device": "CPU",
            "backend": keras.backend.backend(),
        },
        "curve": rows,
        "final_grid": grids[max(grids)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(DEFAULT))
    parser.add_argument("--epochs", type=int, default=None, help="override the template's")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    from studio.training.samples import png_bytes

    clf, accuracy = digit_classifier()
    print(f"digit classifier: {accuracy:.3f} accuracy on held-out bundled digits")
    results: dict[str, Any] = {}
    if args.out is not None and args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    for name in args.names:
        row = measure(name, clf, args.epochs)
        grid = row.pop("final_grid")
        results[name] = row
        acc = row["expected_accuracy"]
        print(
            f"{name}: digit_confidence {acc['baseline']:.3f} (untrained) -> {acc['value']:.3f} "
            f"after {acc['epochs']} epochs, {acc['seconds']:.0f}s of training "
            f"({acc['wall_seconds']:.0f}s wall, {acc['backend']})"
        )
        if args.out is not None:
            (args.out.parent / f"{name}_samples.png").write_bytes(png_bytes(grid, scale=3))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
