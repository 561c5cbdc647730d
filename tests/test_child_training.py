"""Training in the session's training process: same results and events as in-process
training, control from the app, and a dead process ends the run with a sentence."""

from __future__ import annotations

import os
import signal
import threading

import keras
import numpy as np
import pytest

from studio.data.dataset import Dataset
from studio.interop import child_process
from studio.interop.child_training import ChildTrainingEngine, TrainingProcessFailed
from studio.training.engine import TrainingListener
from studio.training.health import HealthMonitor
from studio.training.settings import TrainingSettings

pytestmark = pytest.mark.slow  # spawns a Python process that imports Keras


def _data(n: int = 256) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.random((n, 8), dtype="float32")
    y = (x[:, 0] > 0.5).astype("int64")
    return Dataset("two", x, y, class_names=["low", "high"])


def _model() -> keras.Model:
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden))


def test_a_run_in_the_child_trains_the_model_here_and_reports_every_epoch():
    events: list[tuple] = []
    listener = TrainingListener(
        on_run_start=lambda record: events.append(("start", record.id)),
        on_epoch_end=lambda epoch, logs, *_: events.append(("epoch", epoch, logs)),
    )
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    engine = ChildTrainingEngine(listener, progress_interval=0.0)
    samples: list = []
    engine.extra_callbacks.append(HealthMonitor(*_probe(), interval=0.0, on_sample=samples.append))
    result = engine.run(model, _data(), TrainingSettings(epochs=3, batch_size=32))
    assert result.status == "completed", result.message
    assert [e[1] for e in events if e[0] == "epoch"] == [1, 2, 3]
    assert events[0] == ("start", result.record.id)
    assert "loss" in events[-1][2]
    assert any((a != b).any() for a, b in zip(before, model.get_weights(), strict=True))
    assert model.compiled  # evaluation reads the run's loss and metrics here
    assert samples, "the health monitor's samples come back to this process"
    assert child_process._current is not None and child_process._current.alive()
    # Exports and other calls use the same kept process: one TensorFlow import per session.
    assert child_process.run_in_child(os.getpid) == child_process._current.process.pid


def _probe():
    data = _data(64)
    return data.x_train, data.y_train


def test_stop_and_pause_reach_the_run_in_the_child():
    data = _data(4096)
    engine = ChildTrainingEngine(progress_interval=0.0)
    paused = threading.Event()

    def batch(progress, _logs):
        if progress.paused:
            paused.set()

    engine.listener = TrainingListener(on_batch=batch)
    outcome: dict = {}
    worker = threading.Thread(
        target=lambda: outcome.setdefault(
            "result", engine.run(_model(), data, TrainingSettings(epochs=200, batch_size=8))
        )
    )
    worker.start()
    engine.pause()
    assert paused.wait(60), "the run never said it was paused"
    assert engine.is_paused
    engine.resume()
    engine.stop()
    worker.join(60)
    assert outcome["result"].status == "stopped", outcome["result"].message
    assert len(outcome["result"].record.epochs) < 200


def test_a_dead_training_process_ends_the_run_with_a_sentence_and_the_next_run_works():
    data = _data(4096)
    started = threading.Event()
    engine = ChildTrainingEngine(
        TrainingListener(on_epoch_start=lambda _epoch: started.set()), progress_interval=0.0
    )
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    errors: list[BaseException] = []

    def train() -> None:
        try:
            engine.run(model, data, TrainingSettings(epochs=500, batch_size=8))
        except TrainingProcessFailed as exc:
            errors.append(exc)

    worker = threading.Thread(target=train)
    worker.start()
    assert started.wait(60)
    os.kill(child_process._current.process.pid, signal.SIGKILL)
    worker.join(60)
    assert errors and "stopped unexpectedly" in str(errors[0])
    assert all((a == b).all() for a, b in zip(before, model.get_weights(), strict=True))
    result = ChildTrainingEngine().run(model, _data(), TrainingSettings(epochs=1))
    assert result.status == "completed"


def test_what_cannot_cross_to_the_child_raises_at_once():
    data = _data()
    data.metadata["loader"] = lambda: None  # a lambda cannot be pickled
    with pytest.raises(Exception, match="pickle|lambda"):
        ChildTrainingEngine().run(_model(), data, TrainingSettings(epochs=1))


def test_two_runs_at_once_each_get_their_own_answers():
    outcomes: dict[int, object] = {}
    epochs: dict[int, list[int]] = {0: [], 1: []}

    def train(index: int, count: int) -> None:
        listener = TrainingListener(on_epoch_end=lambda epoch, *_: epochs[index].append(epoch))
        engine = ChildTrainingEngine(listener)
        outcomes[index] = engine.run(_model(), _data(), TrainingSettings(epochs=count))

    workers = [threading.Thread(target=train, args=(i, 2 + i)) for i in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert epochs == {0: [1, 2], 1: [1, 2, 3]}
    assert all(outcome.status == "completed" for outcome in outcomes.values())


def _design():
    """A model compiled from a design, marked as such the way the app's model service marks
    the models it compiles."""
    from studio.compile.compiler import compile_graph, remember_design
    from tests.helpers import chain

    graph, ids = chain(
        ("Input", {"shape": [8]}),
        ("Dense", {"units": 16, "activation": "relu"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    )
    model = compile_graph(graph)
    remember_design(model, graph, with_weights=True)
    return graph, ids, model


def test_a_model_compiled_from_its_design_trains_there_and_stays_as_it_is_here(monkeypatch):
    graph, ids, model = _design()
    before = [w.copy() for w in model.get_weights()]

    def no_config(*args, **kwargs):
        raise AssertionError("the design travels, not the model's Keras config")

    monkeypatch.setattr(keras.saving, "serialize_keras_object", no_config)
    result = ChildTrainingEngine().run(model, _data(), TrainingSettings(epochs=2, batch_size=32))
    assert result.status == "completed", result.message
    for kept, now in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)  # the app's model is left as it was
    assert result.node_weights is not None and set(result.node_weights) == set(ids[1:])
    trained = [w for nid in ids[1:] for w in result.node_weights[nid]]
    assert [w.shape for w in trained] == [w.shape for w in before]
    assert any((a != b).any() for a, b in zip(before, trained, strict=True))


def test_a_design_the_process_cannot_compile_trains_from_the_models_config():
    from studio.compile.compiler import design_of, remember_design

    graph, _, model = _design()
    broken = graph.copy()
    broken.add_layer("Dense", {"units": 3})  # left without an input: it cannot compile
    remember_design(model, broken, with_weights=True)
    before = [w.copy() for w in model.get_weights()]
    result = ChildTrainingEngine().run(model, _data(), TrainingSettings(epochs=1, batch_size=32))
    assert result.status == "completed", result.message
    assert result.node_weights is None  # trained from the config: the weights came back here
    assert any((a != b).any() for a, b in zip(before, model.get_weights(), strict=True))
    assert design_of(model) is None  # its weights are no longer the design's


def test_a_callbacks_arrays_cross_to_the_process_beside_the_message_not_inside_it():
    """The health monitor's probe batch (9.6 MB of ResNet-50 images) was pickled into the
    run's message on the trainer thread, a copy under the interpreter lock at every start."""
    import multiprocessing

    from studio.interop.child_training import _without_hook

    x = np.random.default_rng(0).random((64, 64, 64, 3), dtype="float32")  # 3 MB
    hook = [].append
    monitor = HealthMonitor(x, np.zeros(64, "int64"), probe_size=64, on_sample=hook)
    reader, writer = multiprocessing.Pipe(duplex=False)
    sender = threading.Thread(
        target=child_process.send, args=(writer, "call", [_without_hook(monitor)], True)
    )
    sender.start()  # the pipe holds 64 KB: someone must read while it writes
    sizes: list[int] = []

    class Counted:  # the reader, noting each part's size
        def recv_bytes(self) -> bytes:
            data = reader.recv_bytes()
            sizes.append(len(data))
            return data

    _kind, [twin] = child_process.receive(Counted())
    sender.join()
    assert sizes[0] < 100_000, f"{sizes[0]} bytes pickled into the message itself"
    assert np.array_equal(twin.x, x) and twin.on_sample is None
    assert monitor.on_sample is hook  # the hook stays with the app
