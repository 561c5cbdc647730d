"""Train each small gallery template on its default (offline) dataset and report what it reaches.

The figures become the templates' ``expected_accuracy`` so the gallery shows measured numbers:

    python benchmarks/bench_templates.py --out benchmarks/template_results.json
    python templates/build_all.py --accuracy-from benchmarks/template_results.json

Classifiers report the last epoch's ``val_accuracy``; forecasters and autoencoders report
``val_mae`` (lower is better). Templates that need a GPU, or whose figure would mean nothing
offline (a pretrained backbone without its weights), are listed with the reason instead;
``--include-gpu`` measures the GPU templates on this machine anyway. Their generated sets are
small (128-256 images), so AlexNet and the U-Net finish their default epochs on a CPU in about
three minutes each, but from random weights on so few images they stay at chance (AlexNet 0.111
on 10 classes; the U-Net, whose encoder is frozen and random offline, 0.831 = the background's
share of pixels), so the gallery keeps "needs a GPU" for them rather than a figure at chance:

    python benchmarks/bench_templates.py alexnet unet_mobilenetv2 --include-gpu --out x.json
"""

from __future__ import annotations

import argparse
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

from studio.gallery.templates import TemplateEntry, list_templates, new_from_template  # noqa: E402

NEEDS_GPU = "needs a GPU; not measured"
NEEDS_WEIGHTS = (
    "not measured offline: the figure depends on the pretrained ImageNet weights, "
    "which need a download"
)


def skip_reason(entry: TemplateEntry, include_gpu: bool = False) -> str | None:
    if entry.needs_gpu and not include_gpu:
        return NEEDS_GPU
    if entry.metadata.get("pretrained"):
        return NEEDS_WEIGHTS
    if not entry.dataset:
        return "no bundled dataset; not measured"
    if not entry.trains_by_default and not (entry.needs_gpu and include_gpu):
        return "too slow for the CPU benchmark; not measured"
    return None


def measure(entry: TemplateEntry, seed: int = 0) -> dict[str, Any]:
    """Train one template with its own settings; returns the ``expected_accuracy`` record."""
    import keras

    from studio.compile.compiler import compile_graph
    from studio.data import DatasetRef, load
    from studio.training.settings import TrainingSettings, compile_model

    keras.utils.set_random_seed(seed)
    project = new_from_template(entry.name)
    settings = TrainingSettings.from_dict(project.training)
    model = compile_graph(project.graph)
    compile_model(model, settings)
    data = load(DatasetRef.from_dict(project.dataset))
    inputs_are_targets = project.metadata.get("target") == "inputs"
    y_train = data.x_train if inputs_are_targets else data.y_train
    y_val = data.x_val if inputs_are_targets else data.y_val
    start = time.perf_counter()
    history = model.fit(
        data.x_train,
        y_train,
        validation_data=(data.x_val, y_val),
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    metric = "val_accuracy" if "val_accuracy" in history.history else "val_mae"
    return {
        "metric": metric,
        "value": round(float(history.history[metric][-1]), 4),
        "epochs": settings.epochs,
        "dataset": DatasetRef.from_dict(project.dataset).label,
        "train_samples": int(data.num_train),
        "seconds": round(seconds, 1),
        "device": "CPU",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these templates (default: all)")
    parser.add_argument("--out", type=Path, default=Path("results.json"))
    parser.add_argument(
        "--include-gpu",
        action="store_true",
        help="measure templates marked needs_gpu too, on this machine",
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if args.out.exists():  # measuring a few templates keeps the others' figures
        results = json.loads(args.out.read_text(encoding="utf-8"))
    for entry in list_templates():
        if args.names and entry.name not in args.names:
            continue
        if entry.metadata.get("training_mode", "supervised") != "supervised":
            # Trained in their own mode (SOM, DBN, DQN, ...): bench_classics.py measures them,
            # and writing a reason here would replace those figures on the next build_all.
            print(f"{entry.name:26s} measured by benchmarks/bench_classics.py", flush=True)
            continue
        reason = skip_reason(entry, args.include_gpu)
        kept = results.get(entry.name, {}).get("expected_accuracy")
        if reason == NEEDS_GPU and isinstance(kept, dict):  # measured earlier with --include-gpu
            print(f"{entry.name:26s} keeps its measured {kept['metric']}={kept['value']}")
            continue
        if reason:
            results[entry.name] = {"expected_accuracy": reason}
            print(f"{entry.name:26s} {reason}", flush=True)
            continue
        record = measure(entry)
        results[entry.name] = {"expected_accuracy": record}
        print(
            f"{entry.name:26s} {record['metric']}={record['value']:.4f} after "
            f"{record['epochs']} epochs on {record['dataset']} ({record['seconds']:.1f} s)",
            flush=True,
        )
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
