"""The app's separate Keras process (exports run there so the window keeps drawing): it is
another interpreter, its errors come back as sentences, a crash is one sentence and the next
call works again, and custom classes the session loaded are loaded there too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio.compile.compiler import CompileError
from studio.interop import child_process
from studio.interop.child_process import (
    ChildError,
    ChildProcessFailed,
    run_in_child,
    run_with_model,
)
from studio.interop.custom_objects import load_custom_objects, unregister


def registered_names() -> list[str]:
    import keras

    return sorted(keras.saving.get_custom_objects())


def raise_compile_error() -> None:
    raise CompileError([])  # its constructor cannot be called again with its message


def raise_value_error() -> None:
    raise ValueError("units must be at least 1")


def test_the_work_runs_in_another_interpreter():
    assert run_in_child(os.getpid) != os.getpid()
    assert run_in_child(pow, 2, 10) == 1024


def niceness() -> int:
    return os.nice(0)


def test_the_process_runs_at_a_lower_cpu_priority_than_the_app():
    """Training keeps every core busy; at a lower priority the window still gets a core."""
    assert run_in_child(niceness) == min(19, os.nice(0) + child_process.DEFAULT_NICE)


def test_errors_come_back_with_their_message():
    with pytest.raises(ValueError, match="units must be at least 1"):
        run_in_child(raise_value_error)
    with pytest.raises(ChildError, match="the graph is not valid"):
        run_in_child(raise_compile_error)
    assert run_in_child(pow, 3, 2) == 9  # the process survived both


def test_a_crashed_process_is_one_sentence_and_the_next_call_starts_a_new_one():
    first = run_in_child(os.getpid)
    with pytest.raises(ChildProcessFailed, match="stopped unexpectedly"):
        run_in_child(os._exit, 3)
    assert run_in_child(os.getpid) not in (first, os.getpid())


@pytest.mark.slow
def test_custom_classes_loaded_in_the_session_are_loaded_in_the_process(tmp_path: Path):
    source = tmp_path / "my_layers.py"
    source.write_text(
        "import keras\n\n\n"
        "@keras.saving.register_keras_serializable(package='course')\n"
        "class Doubler(keras.layers.Layer):\n"
        "    def call(self, x):\n"
        "        return 2 * x\n"
    )
    child_process.shutdown()  # a fresh process: nothing loaded there yet
    assert not any("Doubler" in name for name in run_in_child(registered_names))
    loaded = load_custom_objects(source)
    try:
        assert any("Doubler" in name for name in run_in_child(registered_names))
    finally:
        unregister(loaded)


def where_and_what(model, x):
    """Which process ran, which copy of the model, and what it predicted."""
    return os.getpid(), id(model), model.predict(x, verbose=0)


@pytest.mark.slow
def test_a_model_is_rebuilt_there_once_and_predicts_the_same():
    import keras
    import numpy as np

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Dense(5)(inputs)))
    x = np.random.default_rng(0).random((6, 4), dtype="float32")
    pid, copy, predicted = run_with_model(where_and_what, model, x)
    again = run_with_model(where_and_what, model, x)
    assert pid != os.getpid() and again[:2] == (pid, copy)  # the kept copy answers again
    np.testing.assert_allclose(predicted, model.predict(x, verbose=0), rtol=1e-5)


@pytest.mark.slow
def test_a_model_the_process_will_not_rebuild_runs_here():
    import keras
    import numpy as np

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))  # unsafe there
    x = np.ones((2, 4), dtype="float32")
    pid, _, predicted = run_with_model(where_and_what, model, x)
    assert pid == os.getpid()
    np.testing.assert_allclose(predicted, 2 * x)


def _send_after_the_app_left(*, events, control):
    events.send_bytes(b"x" * 100)  # the app's end is closed by now
    return "never read"


def test_the_process_ends_quietly_when_the_app_is_gone_mid_job():
    """A run whose app was closed (or killed) meets a closed pipe at its next event: the
    process ends without a traceback on the terminal, and without a hang."""
    import multiprocessing
    import threading

    request_reader, requests = multiprocessing.Pipe(duplex=False)
    events_reader, events = multiprocessing.Pipe(duplex=False)
    child_process.send(requests, "call", ((), _send_after_the_app_left, (), True))
    events_reader.close()  # the app is gone
    failures = []

    def serve() -> None:
        try:
            child_process.serve(request_reader, events, None)
        except BaseException as exc:  # noqa: BLE001 - what the test looks for
            failures.append(exc)

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert failures == []
