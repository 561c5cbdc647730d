"""Training health per layer (NaN named at its source) and the memory budget before Train."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.compile.compiler import compile_graph
from studio.data.dataset import Dataset
from studio.training.engine import TrainingEngine
from studio.training.health import HealthMonitor, HealthProbe, dead_share, saturation
from studio.training.memory import (
    DeviceMemory,
    MiB,
    estimate_memory,
    optimizer_slots,
)
from studio.training.settings import OptimizerSettings, TrainingSettings
from tests.helpers import chain


def blowup_graph():
    """Input → Dense(relu) → 'blowup' (a Dense whose weights overflow float32) → softmax."""
    graph, ids = chain(
        ("Input", {"shape": [4]}),
        ("Dense", {"units": 8, "activation": "relu"}),
        (
            "Dense",
            {
                "units": 8,
                "kernel_initializer": {"class_name": "Constant", "config": {"value": 1e38}},
            },
        ),
        ("Dense", {"units": 3, "activation": "softmax"}),
        name="nan_model",
    )
    graph.rename(ids[2], "blowup")
    return graph, ids


def iris_like(n: int = 256) -> Dataset:
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(n, 4)) * 100).astype("float32")
    y = rng.integers(0, 3, n).astype("int32")
    return Dataset("d", x, y, class_names=["a", "b", "c"])


def test_nan_loss_message_names_the_first_layer_whose_output_went_non_finite():
    graph, _ = blowup_graph()
    model = compile_graph(graph)
    data = iris_like()
    engine = TrainingEngine()
    samples = []
    monitor = HealthMonitor(data.x_train, data.y_train, on_sample=samples.append)
    engine.extra_callbacks.append(monitor)
    result = engine.run(model, data, TrainingSettings(epochs=2, batch_size=32))
    assert result.status == "failed"
    assert "NaN" in result.message or "infinite" in result.message
    assert "'blowup' (Dense layer)" in result.message
    last = samples[-1]
    assert last.first_nonfinite == "blowup"
    assert last.nodes["blowup"].level == "bad" and last.nodes["blowup"].badge == "NaN"
    # Upstream of the overflow the output is fine; only the gradient flowing back is broken.
    assert not last.nodes["dense"].nonfinite
    assert "gradient is NaN/Inf" in last.nodes["dense"].problems


def test_a_loss_that_overflows_with_finite_outputs_is_said_in_words():
    from studio.training.health import HealthSample, NodeHealth, _gradient_blame

    nodes = {"a": NodeHealth("a", grad_norm=1.0), "b": NodeHealth("b", grad_norm=float("nan"))}
    assert "at 'b' (nearest the loss)" in _gradient_blame(
        HealthSample(0, 0, 0.0, nodes, ("a", "b"))
    )
    calm = {"a": NodeHealth("a", grad_norm=1.0)}
    assert "loss itself overflowed" in _gradient_blame(HealthSample(0, 0, 0.0, calm, ("a",)))


def test_without_the_monitor_the_message_stays_generic():
    graph, _ = blowup_graph()
    result = TrainingEngine().run(compile_graph(graph), iris_like(), TrainingSettings(epochs=1))
    assert result.status == "failed" and "blowup" not in result.message


def test_nan_in_the_data_is_blamed_on_the_input():
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3, "activation": "softmax"}))
    data = iris_like()
    data.x_train[5, 2] = np.nan
    engine = TrainingEngine()
    engine.extra_callbacks.append(HealthMonitor(data.x_train, data.y_train))
    result = engine.run(compile_graph(graph), data, TrainingSettings(epochs=1))
    assert result.status == "failed" and "'input' (the input data)" in result.message


def test_probe_measures_gradients_dead_relus_and_saturation():
    graph, ids = chain(
        ("Input", {"shape": [4]}),
        # Weights of 50 push every tanh output to ±1: saturated.
        (
            "Dense",
            {
                "units": 5,
                "activation": "tanh",
                "kernel_initializer": {"class_name": "Constant", "config": {"value": 50.0}},
            },
        ),
        # A bias of -1e6 keeps every ReLU unit at zero: all dead.
        (
            "Dense",
            {
                "units": 6,
                "activation": "relu",
                "bias_initializer": {"class_name": "Constant", "config": {"value": -1e6}},
            },
        ),
        ("Dense", {"units": 3, "activation": "softmax"}),
    )
    model = compile_graph(graph)
    model.compile("adam", "sparse_categorical_crossentropy")
    data = iris_like(32)
    sample = HealthProbe(model, np.abs(data.x_train), data.y_train).measure()
    names = [graph.node(i).name for i in ids]
    tanh, relu, head = (sample.nodes[n] for n in names[1:])
    assert relu.dead_share == 1.0 and "100% of ReLU units are dead" in relu.problems
    assert relu.grad_norm == 0.0  # dead units pass no gradient
    assert tanh.saturation == 1.0 and tanh.dead_share is None and tanh.level == "warn"
    assert head.grad_norm is not None and head.grad_norm > 0
    assert sample.order[0] == "input" and sample.first_nonfinite is None
    assert dead_share(np.array([[0.0, 1.0], [0.0, 2.0]])) == 0.5
    assert saturation(np.array([0.999, 0.5, -0.995, 0.0]), "tanh") == 0.5


def test_monitor_samples_at_a_low_rate_and_costs_little():
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3, "activation": "softmax"}))
    data = iris_like(4096)
    monitor = HealthMonitor(data.x_train, data.y_train, interval=3600.0)
    engine = TrainingEngine()
    engine.extra_callbacks.append(monitor)
    result = engine.run(compile_graph(graph), data, TrainingSettings(epochs=2, batch_size=32))
    assert result.status == "completed"
    assert monitor.samples == []  # nothing due within an hour's interval
    monitor.interval = 0.0
    monitor.budget = 1.0  # every batch may sample: proves the hook fires when due
    engine.run(compile_graph(graph), data, TrainingSettings(epochs=1, batch_size=1024))
    assert len(monitor.samples) >= 2


# ----- memory ---------------------------------------------------------------------------------
def test_estimate_parts_follow_parameters_optimizer_and_batch():
    graph, _ = chain(
        ("Input", {"shape": [100]}), ("Dense", {"units": 50}), ("Dense", {"units": 10})
    )
    params = 100 * 50 + 50 + 50 * 10 + 10
    adam = estimate_memory(graph, 32, "Adam")
    assert adam.parameters == params * 4 and adam.gradients == params * 4
    assert adam.optimizer_state == 2 * params * 4
    assert estimate_memory(graph, 32, "SGD").optimizer_state == 0
    assert optimizer_slots("SGD", {"momentum": 0.9}) == 1
    bigger = estimate_memory(graph, 64, "Adam")
    assert bigger.activations == 2 * adam.activations and bigger.fixed == adam.fixed
    assert bigger.total - adam.total == 32 * adam.per_sample


def test_largest_batch_that_fits_is_offered_when_the_batch_is_too_big():
    graph, _ = chain(
        ("Input", {"shape": [64, 64, 3]}), ("Conv2D", {"filters": 64, "kernel_size": 3})
    )
    probe = estimate_memory(graph, 1)
    free = int((probe.fixed + 100 * probe.per_sample) / 0.9) + 1
    device = DeviceMemory(free, "RAM")
    small = estimate_memory(graph, 50, device=device)
    big = estimate_memory(graph, 500, device=device)
    assert small.fits and not big.fits
    assert big.largest_batch == 100
    assert estimate_memory(graph, big.largest_batch, device=device).fits
    assert not estimate_memory(graph, 101, device=device).fits


@pytest.mark.slow
def test_estimate_is_within_30_percent_of_the_measured_peak_on_this_cpu():
    """Tolerance: the estimate lies within ±30 % of the peak resident memory that training
    actually took (``benchmarks/bench_memory.py`` prints the same for three templates)."""
    from studio.project import Project
    from studio.training.memory_measure import measure_peak

    templates = Path(__file__).resolve().parent.parent / "templates"
    graph = Project.load(templates / "mnist_cnn.studio.json").graph
    estimate = estimate_memory(graph, 256)
    measured = measure_peak(graph, 256)
    assert measured.peak > 10 * MiB
    assert abs(estimate.total - measured.peak) <= 0.30 * measured.peak, (
        estimate.total / MiB,
        measured.peak / MiB,
    )


def test_optimizer_settings_feed_the_estimate():
    from studio.training.memory import estimate_for_settings

    graph, _ = chain(("Input", {"shape": [10]}), ("Dense", {"units": 10}))
    settings = TrainingSettings(optimizer=OptimizerSettings("SGD", {"momentum": 0.9}), batch_size=7)
    estimate = estimate_for_settings(graph, settings)
    assert estimate.batch_size == 7 and estimate.optimizer_state == 110 * 4


def test_free_gpu_memory_counts_other_processes_not_tensorflows_reservation():
    from studio.training.memory import gpu_free_from_smi

    apps = "4242, 70000\n1234, 2000\n"
    free, name = gpu_free_from_smi("81920, NVIDIA H100", apps, own_pid=4242, own_use=1000 * MiB)
    assert name == "NVIDIA H100"
    assert free == 81920 * MiB - 2000 * MiB - 1000 * MiB
    assert gpu_free_from_smi("100, X", "1, 500", own_pid=2, own_use=0)[0] == 0
