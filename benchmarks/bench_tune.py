"""AutoML on the MNIST-CNN template: what a search finds, and what the search itself costs.

The design is the gallery's ``mnist_cnn`` (two 5×5 convolutions, Dense(500), softmax) with a
Dropout inserted before the classifier so that dropout can be searched. The data are the
bundled scikit-learn digits (1,797 images, 8×8) scaled ×3 and padded to 28×28, MNIST's framing,
so the template runs unchanged. Searched: both convolutions' filters, the dense units, the
dropout rate and the learning rate (log scale).

Printed: the best validation accuracy and its parameter count after 10 and after 30 trials (one
search; "after 10" is the best of its first 10 trials), the Pareto front of accuracy against
parameters, and the per-trial overhead of the search against a plain ``compile`` + ``fit`` of
the same configuration (each timed a few times in turn, minimum kept; target ≤ 5 %).

``python benchmarks/bench_tune.py [--trials 30] [--epochs 2] [--overhead-configs 3] [--repeats 5]``
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

    return Dataset(
        "digits28",
        grow(d.x_train),
        d.y_train,
        grow(d.x_val),
        d.y_val,
        task=d.task,
        class_names=d.class_names,
    )


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


def fixed_trial_seconds(graph, training, space, values, data: Dataset, folder: Path) -> float:
    """One KerasTuner trial of exactly ``values`` (every dimension narrowed to that value),
    timed from the tuner's trial start to its end: build, the engine's fit, the kept run and
    the tuner's bookkeeping."""
    fixed = SearchSpace(
        tuple(
            Dimension(d.target, d.ref, d.param, "choice", values=(values[d.key],))
            for d in space.dimensions
        )
    )
    times: list[float] = []
    search = Search(
        graph,
        training,
        fixed,
        data,
        folder,
        SearchOptions("random", 1, Objective.parse("val_accuracy")),
        run_store=RunStore(folder / "runs"),
        listener=SearchListener(on_trial_end=lambda r: times.append(r.seconds)),
    )
    result = search.run()
    assert result.status == "completed", result.message
    return times[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--tuner", default="random", choices=("random", "bayesian", "hyperband"))
    parser.add_argument("--overhead-configs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import keras

    project, space = design()
    data = digits_28()
    graph = project.graph
    training = {**project.training, "epochs": args.epochs, "batch_size": args.batch_size}
    objective = Objective.parse("val_accuracy")
    print(f"backend {keras.backend.backend()} on {describe_device()}")
    print(
        f"design mnist_cnn + Dropout, {data.x_train.shape[0]} train / {data.x_val.shape[0]} val "
        f"digits at 28x28, {args.epochs} epochs of batch {args.batch_size} per trial, "
        f"tuner {args.tuner}"
    )
    plain_fit_seconds(graph, training, space, {}, data)  # TensorFlow's one-time start-up

    def after_trial(record) -> None:
        line = f"trial {record.trial_id:>2}: {record.status:<9}"
        if record.status == "completed":
            line += f" val_accuracy={record.metric:.4f} params={record.params:>9,}"
        print(line + f" {record.seconds:6.2f}s", flush=True)

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
    trials = result.trials
    print(
        f"search {result.status}: {result.message} in {wall:.1f}s "
        f"({wall / max(len(trials), 1):.2f}s a trial, "
        f"{statistics.mean(t.seconds for t in trials):.2f}s inside trials)"
    )
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

    # Overhead: the same configurations, each timed `repeats` times in turn as a plain fit, an
    # engine run and a one-trial search; the minimum of each is the least disturbed by other
    # work on the machine.
    configs = [t.values for t in trials if t.status == "completed"][: args.overhead_configs]
    if not configs:
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, values in enumerate(configs):
            p, e, t = [], [], []
            for r in range(args.repeats):
                p.append(plain_fit_seconds(graph, training, space, values, data))
                e.append(
                    engine_run_seconds(graph, training, space, values, data, Path(tmp) / "runs")
                )
                t.append(
                    fixed_trial_seconds(
                        graph, training, space, values, data, Path(tmp) / f"t{i}-{r}"
                    )
                )
            rows.append((min(p), min(e), min(t)))
            print(
                f"config {i}: plain fit {min(p):.2f}s, engine run {min(e):.2f}s, "
                f"tuner trial {min(t):.2f}s (min of {args.repeats})",
                flush=True,
            )
    plain_s = sum(r[0] for r in rows)
    engine_s = sum(r[1] for r in rows)
    trial_s = sum(r[2] for r in rows)
    print(
        f"per-trial overhead vs a plain fit of the same configuration: "
        f"{(trial_s / plain_s - 1) * 100:+.1f}% (target <= 5%)"
    )
    print(
        f"  keeping the run (record + weights, as `studio train` does): "
        f"{(engine_s / plain_s - 1) * 100:+.1f}%; the tuner on top of that: "
        f"{(trial_s / engine_s - 1) * 100:+.1f}%"
    )


if __name__ == "__main__":
    main()
