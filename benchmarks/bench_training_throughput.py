"""How much the engine's reporting costs: plain fit vs. engine vs. a naive per-batch callback.

Run with any backend, e.g. ``KERAS_BACKEND=jax python benchmarks/bench_training_throughput.py``.
The naive callback reads every metric as a float after every batch, which forces the device to
finish each step before the next is queued; the engine should stay close to plain ``fit``.
Variant (d) adds the training-health monitor (``studio.training.health``) at its default rate;
it should cost under 2 % against (b).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from studio.data.dataset import Dataset  # noqa: E402
from studio.training.device import describe_device  # noqa: E402
from studio.training.engine import TrainingEngine, TrainingListener  # noqa: E402
from studio.training.health import HealthMonitor  # noqa: E402
from studio.training.settings import TrainingSettings  # noqa: E402


class NaiveFloatLogger(keras.callbacks.Callback):
    """What an unthrottled UI callback does: every metric to float, every batch."""

    def __init__(self) -> None:
        super().__init__()
        self.last: dict[str, float] = {}

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.last = {k: float(v) for k, v in (logs or {}).items()}


def make_problem(samples: int, features: int, classes: int) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = rng.integers(0, classes, size=samples).astype("int32")
    return Dataset("bench", x, y, class_names=[str(i) for i in range(classes)])


def make_model(features: int, classes: int, width: int) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((features,)),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(classes),
        ]
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=32768)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="each variant runs this many times, interleaved; medians reported",
    )
    args = parser.parse_args()
    features, classes = 64, 10
    data = make_problem(args.samples, features, classes)
    model = make_model(features, classes, args.width)
    initial = model.get_weights()
    fit_kwargs = dict(
        x=data.x_train,
        y=data.y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        verbose=0,
    )

    # Warm-up compiles the train function so no variant pays for tracing.
    model.fit(
        data.x_train[: args.batch_size * 4],
        data.y_train[: args.batch_size * 4],
        batch_size=args.batch_size,
        epochs=1,
        verbose=0,
    )

    def plain() -> None:
        model.set_weights(initial)
        model.fit(**fit_kwargs)

    batches = {"n": 0, "samples": 0}

    def count(progress, logs) -> None:
        batches["n"] += 1
        batches["samples"] += 1 if logs else 0

    engine = TrainingEngine(TrainingListener(on_batch=count))
    settings = TrainingSettings(
        epochs=args.epochs,
        batch_size=args.batch_size,
        shuffle=True,
        metrics=["accuracy"],
        validation_split=0.0,
    )

    def with_engine() -> None:
        model.set_weights(initial)
        result = engine.run(model, data, settings, compile=False)
        if result.status != "completed":
            raise SystemExit(f"engine run failed: {result.message}")

    health_engine = TrainingEngine(TrainingListener(on_batch=count))
    monitor = HealthMonitor(data.x_train, data.y_train)
    health_engine.extra_callbacks.append(monitor)

    def with_health() -> None:
        model.set_weights(initial)
        result = health_engine.run(model, data, settings, compile=False)
        if result.status != "completed":
            raise SystemExit(f"engine run with health failed: {result.message}")

    def naive() -> None:
        model.set_weights(initial)
        model.fit(**fit_kwargs, callbacks=[NaiveFloatLogger()])

    total = args.samples * args.epochs
    # Interleaved rounds and medians: one run each is at the mercy of whatever else the
    # machine does for a second or two.
    variants = (
        ("plain", plain),
        ("engine", with_engine),
        ("health", with_health),
        ("naive", naive),
    )
    runs: dict[str, list[float]] = {name: [] for name, _fn in variants}
    for _ in range(args.rounds):
        for name, fn in variants:
            runs[name].append(timed(fn))
    seconds = {name: statistics.median(times) for name, times in runs.items()}
    rate = {name: total / s for name, s in seconds.items()}
    print(
        f"backend={keras.backend.backend()} device={describe_device()} "
        f"samples={args.samples} batch_size={args.batch_size} epochs={args.epochs} "
        f"rounds={args.rounds} (medians)"
    )
    for name, label in (
        ("plain", "(a) plain model.fit"),
        ("engine", "(b) engine, all reporting on"),
        ("naive", "(c) naive per-batch float callback"),
        ("health", "(d) engine + health monitor"),
    ):
        print(f"{label:40s} {rate[name]:12.0f} samples/s  ({seconds[name]:.2f} s)")
    print(f"(b)/(a) = {rate['engine'] / rate['plain']:.3f}")
    print(f"(c)/(a) = {rate['naive'] / rate['plain']:.3f}")
    print(f"(d)/(b) = {rate['health'] / rate['engine']:.3f}  (health monitor cost; target >= 0.98)")
    # The monitor's only other cost is one clock read per batch, so the time inside its
    # probes is its cost, free of the run-to-run noise of a shared machine.
    share = monitor.seconds_spent / sum(runs["health"])
    print(
        f"health samples: {len(monitor.samples)}, seconds in probes: "
        f"{monitor.seconds_spent:.3f} of {sum(runs['health']):.2f} = {share:.2%} of training "
        "time (target < 2 %)"
    )
    print(f"engine listener calls: {batches['n']}, metric samples: {batches['samples']}")


if __name__ == "__main__":
    main()
