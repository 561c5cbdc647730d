"""How fast the generative templates learn on a CPU, measured the way the app trains them.

Trains each template through the studio's engine (its own training mode and settings) on its
bundled dataset and prints, per sample grid, the training time so far and how much the samples
look like digits, two ways:

* ``similarity``: for each generated image, the cosine similarity to its nearest neighbour
  among 2,000 real bundled digits, averaged (flat noise or blobs score about 0.3-0.5, crisp
  digit-like strokes 0.8 or more);
* ``classes``: how many different digits a logistic-regression classifier, fitted on the
  bundled digits, reads in the 16 samples (a collapsed generator draws one).

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


def digit_references():
    """A digit classifier and a bank of real digits (unit vectors) to compare samples with."""
    from sklearn.linear_model import LogisticRegression

    from studio.data import load_bundled

    data = load_bundled("mnist_like", size=3000, seed=1)
    clf = LogisticRegression(max_iter=300)
    clf.fit(data.x_train.reshape(len(data.x_train), -1), data.y_train)
    accuracy = clf.score(data.x_val.reshape(len(data.x_val), -1), data.y_val)
    bank = data.x_train[:2000].reshape(2000, -1).astype("float64")
    bank /= np.linalg.norm(bank, axis=1, keepdims=True) + 1e-9
    return clf, bank, float(accuracy)


def digit_score(refs, images: np.ndarray) -> tuple[float, int]:
    """(mean nearest-real cosine similarity, distinct digits read) for images in [0, 1]."""
    clf, bank, _ = refs
    flat = images.reshape(len(images), -1).astype("float64")
    unit = flat / (np.linalg.norm(flat, axis=1, keepdims=True) + 1e-9)
    similarity = float((unit @ bank.T).max(axis=1).mean())
    return similarity, len(set(clf.predict(flat).tolist()))


def measure(name: str, refs, epochs: int | None, seed: int = 0) -> dict[str, Any]:
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
    clock = {"start": 0.0, "train": 0.0}
    rows: list[dict[str, Any]] = []
    grids: dict[int, np.ndarray] = {}

    def run_start(record) -> None:
        clock["start"] = time.perf_counter()

    def samples(epoch: int, grid: np.ndarray) -> None:
        # Grids arrive at the end of each epoch: the time since fit began is the training
        # time so far (sampling itself included, a few milliseconds a grid).
        clock["train"] = time.perf_counter() - clock["start"] if epoch else 0.0
        grids[epoch] = grid
        similarity, classes = digit_score(refs, untile(grid))
        rows.append(
            {
                "epoch": epoch,
                "seconds": round(clock["train"], 1),
                "similarity": round(similarity, 3),
                "classes": classes,
            }
        )
        print(
            f"{name:14s} epoch {epoch:3d}  {clock['train']:7.1f}s trained  "
            f"similarity {similarity:.3f}  classes {classes:2d}/16",
            flush=True,
        )

    start = time.perf_counter()
    listener = TrainingListener(on_run_start=run_start, on_samples=samples)
    result = TrainingEngine(listener).run(model, data, settings)
    wall = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"{name}: {result.message}")
    final = rows[-1]
    return {
        "expected_accuracy": {
            "metric": "digit_similarity",
            "value": final["similarity"],
            "baseline": rows[0]["similarity"],
            "classes": final["classes"],
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

    refs = digit_references()
    print(f"digit classifier: {refs[2]:.3f} accuracy on held-out bundled digits")
    results: dict[str, Any] = {}
    if args.out is not None and args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    for name in args.names:
        row = measure(name, refs, args.epochs)
        grid = row.pop("final_grid")
        results[name] = row
        acc = row["expected_accuracy"]
        print(
            f"{name}: similarity {acc['baseline']:.3f} (untrained) -> {acc['value']:.3f}, "
            f"{acc['classes']} digits of 16, after {acc['epochs']} epochs, {acc['seconds']:.0f}s of training "
            f"({acc['wall_seconds']:.0f}s wall, {acc['backend']})"
        )
        if args.out is not None:
            (args.out.parent / f"{name}_samples.png").write_bytes(png_bytes(grid, scale=3))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
