"""Trains a tiny Dense model through the studio's own path and writes what happened as JSON.

Run as a separate process because TensorFlow fixes its devices when it first uses one: the
logical CPUs a mirrored run needs must be declared before anything else touches TensorFlow.

    python distributed_train.py single OUT.json
    python distributed_train.py mirrored OUT.json      # also trains single-device for comparison
    TF_CONFIG=... python distributed_train.py multiworker OUT.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SAMPLES, FEATURES, BATCH, EPOCHS = 64, 4, 16, 2


def _declare_logical_cpus(count: int) -> None:
    if os.environ["KERAS_BACKEND"] == "jax":
        os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={count}"
        return
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    )


def _data():
    import numpy as np

    from studio.data import Dataset

    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    y = (x @ rng.normal(size=(FEATURES, 1))).astype("float32")
    return Dataset("linear", x, y, task="regression")


def _model():
    """The graph → Keras path the app uses, with weights fixed by a seed independent of TF."""
    import numpy as np

    from studio.compile.compiler import compile_graph
    from studio.graph import Graph

    graph = Graph("tiny")
    ids = [
        graph.add_layer("Input", {"shape": [FEATURES]}),
        graph.add_layer("Dense", {"units": 8, "activation": "tanh"}),
        graph.add_layer("Dense", {"units": 1}),
    ]
    for src, dst in zip(ids, ids[1:]):
        graph.connect(src, dst)
    model = compile_graph(graph)
    rng = np.random.default_rng(1)
    model.set_weights(
        [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.get_weights()]
    )
    return model


def _train() -> dict:
    from studio.training.engine import TrainingEngine
    from studio.training.settings import (
        LossSettings,
        OptimizerSettings,
        TrainingSettings,
    )

    settings = TrainingSettings(
        optimizer=OptimizerSettings("SGD", {"learning_rate": 0.05}),
        loss=LossSettings("MeanSquaredError"),
        metrics=[],
        epochs=EPOCHS,
        batch_size=BATCH,
        shuffle=False,
        seed=0,
    )
    model = _model()
    dataset = _data()
    result = TrainingEngine().run(model, dataset, settings)
    return {
        "status": result.status,
        "message": result.message,
        "losses": [row["loss"] for row in result.record.epochs],
        "weights": [w.tolist() for w in model.get_weights()],
    }


def main(mode: str, out: str) -> None:
    report: dict = {"mode": mode}
    if mode == "mirrored":
        _declare_logical_cpus(2)
        report["single"] = _train()
    if mode == "single":
        report["single"] = _train()
    else:
        from studio.training.distributed import (
            current_distribution,
            describe_distribution,
            distribution_scope,
            replica_count,
        )

        with distribution_scope(mode):
            report["description"] = describe_distribution()
            report["replicas"] = replica_count()
            report["distributed"] = _train()
        report["restored"] = current_distribution() is None
    Path(out).write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
