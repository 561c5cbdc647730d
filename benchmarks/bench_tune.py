"""AutoML on the MNIST-CNN template: what a search finds, and what the search itself costs.

The design is the gallery's ``mnist_cnn`` (two 5×5 convolutions, Dense(500), softmax) with a
Dropout inserted before the classifier so that dropout can be searched. The data are the
bundled scikit-learn digits (1,797 images, 8×8) scaled ×3 and padded to 28×28, MNIST's framing,
so the template runs unchanged. Searched: both convolutions' filters, the dense units, the
dropout rate and the learning rate (log scale).

Printed: the best validation accuracy and its parameter count after 10 and after 30 trials (one
search; "after 10" is the best of its first 10 trials), the Pareto front of accuracy against
parameters, and the per-trial overhead of the search against a plain ``compile`` + ``fit`` of
the same configuration, timed between trials in the same process (target ≤ 5 %).

``python benchmarks/bench_tune.py [--trials 30] [--epochs 2] [--overhead-trials 6]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from studio.compile.compiler import compile_graph  # noqa: E402
from studio.data import load_bundled  # noqa: E402
from studio.data.dataset import Dataset  # noqa: E402
from studio.gallery.templates import new_from_template  # noqa: E402
from studio.graph import AddNode, Batch, Connect, Disconnect, Edge  # noqa: E402
from studio.training.device import describe_device  # noqa: E402
from studio.training.runs import RunStore  # noqa: E402
from studio.training.settings import TrainingSettings, compile_model  # noqa: E402
from studio.tuning import Dimension, Objective, SearchSpace, trial_graph  # noqa: E402
from studio.tuning.design import trial_training  # noqa: E402
from studio.tuning.search import Search, SearchListener, SearchOptions  # noqa: E402


def digits_28() -> Dataset:
    """Digits at MNIST's size: each pixel becomes 3×3 (24×24), then a 2-pixel frame."""
    d = load_bundled("digits")

    def grow(x: np.ndarray) -> np.ndarray:
        x = x.repeat(3, axis=1).repeat(3, axis=2)
        return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))

    return Dataset("digits28", grow(d.x_train), d.y_train, grow(d.x_val), d.y_val)


def design():
    project = new_from_template("mnist_cnn")
    graph = project.graph
    conv1, conv2 = (n for n in graph.nodes if n.type == "Conv2D")
    dense, out = (n for n in graph.nodes if n.type == "Dense")
    dropout = graph.make_node("Dropout", {"rate": 0.25}, position=(dense.position[0] + 140, 80))
    edge = next(e for e in graph.out_edges(dense.id) if e.dst == out.id)
    graph.apply(
        Batch(
            [
                Disconnect(edge),
                AddNode(dropout),
                Connect(Edge(dense.id, dropout.id)),
                Connect(Edge(dropout.id, out.id)),
            ]
        )
    )
    space = SearchSpace(
        (
            Dimension("node", conv1.id, "filters", "int", low=8, high=32, step=4),
            Dimension("node", conv2.id, "filters", "int", low=16, high=64, step=8),
            Dimension("node", dense.id, "units", "int", low=64, high=512, step=64),
            Dimension("node", dropout.id, "rate", "float", low=0.0, high=0.5, step=0.1),
            Dimension(
                "training",
                "learning_rate",
                "learning_rate",
                "float",
                low=1e-4,
                high=1e-2,
                sampling="log",
            ),
        )
    )
    return project, space


def plain_fit_seconds(graph, training, space, values, data: Dataset) -> float:
    """The same configuration without the tuner, the engine or the run store."""
    started = time.perf_counter()
    model = compile_graph(trial_graph(graph, space, values), with_weights=False)
    settings = TrainingSettings.from_dict(trial_training(training, space, values))
    compile_model(model, settings)
    model.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        shuffle=settings.shuffle,
        verbose=0,
    )
    return time.perf_counter() - started


def engine_run_seconds(graph, training, space, values, data: Dataset, runs: Path) -> float:
    """The same configuration trained the way ``studio train`` does: the engine, with the run
    (record and weights) kept in a run store. What the tuner adds on top of this is the cost
    of searching; what this adds on top of a plain fit is the cost of keeping runs."""
    from studio.training.engine import TrainingEngine

    started = time.perf_counter()
    model = compile_graph(trial_graph(graph, space, values), with_weights=False)
    settings = TrainingSettings.from_dict(trial_training(training, space, values))
    compile_model(model, settings)
    TrainingEngine().run(model, data, settings, run_store=RunStore(runs), compile=False)
    return time.perf_counter() - started


def best_of(trials, objective: Objective):
    done = [t for t in trials if t.status == "completed"]
    if not done:
        return None
    return max(done, key=lambda t: (t.metric, -t.params))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--tuner", default="random", choices=("random", "bayesian", "hyperband"))
    parser.add_argument("--overhead-trials", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import keras

    project, space = design()
    data = digits_28()
    training = {**project.training, "epochs": args.epochs, "batch_size": args.batch_size}
    objective = Objective.parse("val_accuracy")
    print(f"backend {keras.backend.backend()} on {describe_device()}")
    print(
        f"design mnist_cnn + Dropout, {data.x_train.shape[0]} train / {data.x_val.shape[0]} val "
        f"digits at 28x28, {args.epochs} epochs of batch {args.batch_size} per trial, "
        f"tuner {args.tuner}"
    )
    # warm up TensorFlow once so the first trial and the first plain fit pay the same
    plain_fit_seconds(project.graph, training, space, {}, data)

    plain: dict[str, float] = {}
    engine: dict[str, float] = {}
    graph = project.graph
    baseline_runs = Path(tempfile.mkdtemp(prefix="bench-tune-runs-"))

    def after_trial(record) -> None:
        line = f"trial {record.trial_id:>2}: {record.status:<9}"
        if record.status == "completed":
            line += f" val_accuracy={record.metric:.4f} params={record.params:>9,}"
        line += f" {record.seconds:6.2f}s"
        if record.status == "completed" and len(plain) < args.overhead_trials:
            plain[record.trial_id] = plain_fit_seconds(graph, training, space, record.values, data)
            engine[record.trial_id] = engine_run_seconds(
                graph, training, space, record.values, data, baseline_runs
            )
            line += (
                f" (plain fit {plain[record.trial_id]:.2f}s, "
                f"engine run {engine[record.trial_id]:.2f}s)"
            )
        print(line, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        search = Search(
            graph,
            training,
            space,
            data,
            Path(tmp) / "tuning",
            SearchOptions(args.tuner, args.trials, objective, seed=args.seed),
            run_store=RunStore(Path(tmp) / "runs"),
            listener=SearchListener(on_trial_end=after_trial),
        )
        started = time.perf_counter()
        result = search.run()
        wall = time.perf_counter() - started
    print(f"search {result.status}: {result.message} in {wall:.1f}s")
    trials = result.trials
    for n in (10, 30):
        if len(trials) >= n:
            b = best_of(trials[:n], objective)
            print(
                f"best after {n:>2} trials: val_accuracy={b.metric:.4f} params={b.params:,} "
                f"(trial {b.trial_id})"
            )
    if len(trials) < 30:
        b = best_of(trials, objective)
        if b is not None:
            print(
                f"best after {len(trials)} trials (fewer than 30 ran): "
                f"val_accuracy={b.metric:.4f} params={b.params:,}"
            )
    print(
        "pareto front (params -> val_accuracy): "
        + ", ".join(f"{t.params:,} -> {t.metric:.4f}" for t in result.pareto)
    )
    timed = [t for t in trials if t.trial_id in plain]
    if timed:
        trial_s = sum(t.seconds for t in timed)
        plain_s = sum(plain[t.trial_id] for t in timed)
        ratios = [t.seconds / plain[t.trial_id] - 1 for t in timed]
        engine_s = sum(engine[t.trial_id] for t in timed)
        baseline_time = sum(plain.values()) + sum(engine.values())
        per_trial_wall = (wall - baseline_time) / len(trials)
        mean_trial = statistics.mean(t.seconds for t in trials)
        print(
            f"per-trial overhead vs plain fit of the same configuration ({len(timed)} trials): "
            f"{(trial_s / plain_s - 1) * 100:+.1f}% total, median {statistics.median(ratios) * 100:+.1f}%"
            " (target <= 5%)"
        )
        print(
            f"  of which keeping each run (record + weights, as `studio train` does): "
            f"{(engine_s / plain_s - 1) * 100:+.1f}%; the search itself over an engine run: "
            f"{(trial_s / engine_s - 1) * 100:+.1f}%"
        )
        print(
            f"search wall time per trial incl. tuner bookkeeping between trials: "
            f"{per_trial_wall:.2f}s vs {mean_trial:.2f}s inside trials "
            f"({(per_trial_wall / mean_trial - 1) * 100:+.1f}%)"
        )


if __name__ == "__main__":
    main()
