"""The Qt-free training engine: reporting, control from another thread, failures, run records."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from studio.data.dataset import Dataset
from studio.training.engine import BatchProgress, TrainingEngine, TrainingListener
from studio.training.headless import train_headless
from studio.training.runs import RunStore
from studio.training.settings import (
    CallbackSettings,
    LossSettings,
    OptimizerSettings,
    ScheduleSettings,
    TrainingError,
    TrainingSettings,
    available_losses,
    available_optimizers,
    build_optimizer,
    default_schedule_params,
)

WAIT = 20.0


def make_dataset(n: int = 256, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    return Dataset("toy", x, y, class_names=["neg", "pos"])


def make_model() -> keras.Model:
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    )


def make_settings(**changes: object) -> TrainingSettings:
    base = TrainingSettings(
        optimizer=OptimizerSettings("Adam", {"learning_rate": 0.02}),
        loss=LossSettings("SparseCategoricalCrossentropy", {"from_logits": True}),
        metrics=["accuracy"],
        epochs=3,
        batch_size=32,
        validation_split=0.25,
        seed=1,
    )
    return replace(base, **changes)


class Recorder:
    """Collects listener calls; ``first_batch`` fires once training is under way."""

    def __init__(self) -> None:
        self.epochs: list[tuple] = []
        self.batches: list[BatchProgress] = []
        self.samples: list[dict[str, float]] = []
        self.errors: list[str] = []
        self.first_batch = threading.Event()
        self.paused = threading.Event()
        self.on_batch_hook: Callable[[BatchProgress], object] = lambda progress: None

    def on_batch(self, progress: BatchProgress, logs: dict[str, float] | None) -> None:
        self.on_batch_hook(progress)
        self.batches.append(progress)
        if logs:
            self.samples.append(logs)
        if progress.paused:
            self.paused.set()
        self.first_batch.set()

    def listener(self) -> TrainingListener:
        return TrainingListener(
            on_batch=self.on_batch,
            on_epoch_end=lambda *args: self.epochs.append(args),
            on_error=self.errors.append,
        )


def test_fit_reports_epochs_and_batches_and_lowers_loss() -> None:
    recorder = Recorder()
    engine = TrainingEngine(recorder.listener(), sample_interval=0.0, progress_interval=0.0)
    result = engine.run(make_model(), make_dataset(), make_settings())
    assert result.status == "completed"
    assert [e[0] for e in recorder.epochs] == [1, 2, 3]
    epoch, logs, seconds, val_seconds, samples = recorder.epochs[0]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(logs)
    assert seconds > 0 and val_seconds > 0 and samples == 192
    assert recorder.batches[-1].batch == 6 and recorder.batches[-1].batches == 6
    assert recorder.samples and "loss" in recorder.samples[0]
    losses = [row["loss"] for row in result.record.epochs]
    assert losses[-1] < losses[0]
    assert result.record.best_epoch is not None and result.record.monitor == "val_loss"


def test_metrics_are_sampled_at_a_bounded_rate() -> None:
    recorder = Recorder()
    engine = TrainingEngine(recorder.listener(), sample_interval=3600.0, progress_interval=0.0)
    engine.run(make_model(), make_dataset(), make_settings(epochs=2))
    assert len(recorder.batches) == 12
    assert len(recorder.samples) == 1


def _train_in_thread(engine: TrainingEngine, settings: TrainingSettings) -> tuple:
    results: list = []
    thread = threading.Thread(
        target=lambda: results.append(engine.run(make_model(), make_dataset(n=4096), settings))
    )
    thread.start()
    return thread, results


def test_stop_ends_the_run_after_the_current_batch() -> None:
    recorder = Recorder()
    engine = TrainingEngine(recorder.listener(), progress_interval=0.0)
    thread, results = _train_in_thread(engine, make_settings(epochs=50, batch_size=8))
    assert recorder.first_batch.wait(WAIT)
    engine.stop()
    thread.join(WAIT)
    assert results[0].status == "stopped"
    assert len(results[0].record.epochs) < 50


@pytest.mark.slow
def test_pause_holds_training_until_resumed_from_another_thread() -> None:
    recorder = Recorder()
    engine = TrainingEngine(recorder.listener(), progress_interval=0.0)
    thread, results = _train_in_thread(engine, make_settings(epochs=2, batch_size=64))
    assert recorder.first_batch.wait(WAIT)
    engine.pause()
    assert recorder.paused.wait(WAIT)
    assert engine.is_paused and thread.is_alive()
    # A batch reported as running while the engine says it is paused means the pause leaked.
    leaked = threading.Event()
    recorder.on_batch_hook = lambda progress: (
        leaked.set() if engine.is_paused and not progress.paused else None
    )
    # Several batches' worth of time: an engine that does not hold would report one by then.
    assert not leaked.wait(0.5)
    assert not results and thread.is_alive()
    engine.resume()
    thread.join(WAIT)
    assert results[0].status == "completed"
    assert len(results[0].record.epochs) == 2


def test_nan_loss_fails_with_a_message_and_restores_weights() -> None:
    data = make_dataset()
    data.x_train[5, 2] = np.nan
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    before = model.get_weights()
    recorder = Recorder()
    result = TrainingEngine(recorder.listener()).run(model, data, make_settings())
    assert result.status == "failed"
    assert "NaN" in result.message and recorder.errors == [result.message]
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_shape_mismatch_fails_with_one_line_message() -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    result = TrainingEngine().run(model, make_dataset(), make_settings())
    assert result.status == "failed"
    assert "\n" not in result.message and "shape" in result.message


def test_bad_setting_names_the_setting_and_value() -> None:
    with pytest.raises(TrainingError, match="learning_rate=-1"):
        build_optimizer(make_settings(optimizer=OptimizerSettings("SGD", {"learning_rate": -1})))
    result = TrainingEngine().run(make_model(), make_dataset(), make_settings(batch_size=0))
    assert result.status == "failed" and "batch_size=0" in result.message


def test_settings_round_trip_through_json() -> None:
    settings = make_settings(
        schedule=ScheduleSettings(
            "PiecewiseConstantDecay", default_schedule_params("PiecewiseConstantDecay")
        ),
        callbacks=[CallbackSettings("EarlyStopping", True, {"patience": 2})],
    )
    restored = TrainingSettings.from_dict(json.loads(json.dumps(settings.to_dict())))
    assert restored == settings
    assert {"Adam", "SGD", "RMSprop", "AdamW"} <= set(available_optimizers())
    assert "from_logits" in {p.name for p in available_losses()["BinaryCrossentropy"]}


def test_run_store_saves_lists_loads_and_deletes(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    model = make_model()
    data = make_dataset()
    result = TrainingEngine().run(model, data, make_settings(epochs=2), run_store=store)
    run_id = result.record.id
    assert [r.id for r in store.list()] == [run_id]
    loaded = store.load(run_id)
    assert loaded.epochs == result.record.epochs and loaded.status == "completed"
    expected = model.predict(data.x_train[:8], verbose=0)
    other = make_model()
    store.load_weights_into(other, run_id, "last")
    np.testing.assert_allclose(other.predict(data.x_train[:8], verbose=0), expected, rtol=1e-5)
    store.load_weights_into(other, run_id, "best")
    store.delete(run_id)
    assert store.list() == []


def test_log_json_keeps_the_documented_spellings(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    stream = io.StringIO()
    result = train_headless(
        make_model(), make_dataset(), make_settings(epochs=2), progress_stream=stream, log_json=path
    )
    summary = json.loads(path.read_text())
    assert summary["status"] == result.status == "completed"
    assert {"backend", "device", "samples_per_second", "epochs"} <= set(summary)
    assert summary["samples_per_second"] > 0
    first = summary["epochs"][0]
    for key in (
        "epoch",
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
        "seconds",
        "val_seconds",
        "samples",
    ):
        assert key in first
    assert "Epoch 2" in stream.getvalue()
