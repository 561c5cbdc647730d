"""The session's separate Keras process: exports and training runs are done there.

Keras and TensorFlow hold the interpreter lock for long stretches while they build, run or
save a big model: exporting NASNetMobile in a worker thread of the app stopped its UI thread
for 1.8 s. A process has its own interpreter, so the app's window keeps drawing while the
work runs there; the calling thread only waits for the answer, holding no lock.

One process is started on first use (``spawn``: a fresh interpreter that does not inherit
the app's threads or Qt) and kept for later work, so only the first job pays for importing
TensorFlow there; work asked for while it is busy (an export during a training run) gets a
process of its own for that one job. Custom classes the session loaded from the user's
files are loaded there too before the work runs. A process that dies (a crash in a native
library) turns into one ``ChildProcessFailed`` sentence, and the next job starts a new one.

Messages cross a pipe each way as a pickled header followed by each array's memory as it is
(pickle protocol 5, out-of-band buffers): a plain pickle copies every array while holding
the lock, and a ResNet-50 export's 100 MB of weights stopped the window for half a second
that way. Long work sends events back while it runs (training progress); a shared flag
carries pause, resume and stop the other way.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing
import os
import pickle
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
RUN, PAUSE, STOP = 0, 1, 2  # the control flag's values


class ChildProcessFailed(RuntimeError):
    """The separate process stopped before it answered (it crashed or was killed)."""


class ChildError(RuntimeError):
    """An error raised in the separate process whose own type cannot be rebuilt here (its
    message is kept)."""


class KerasProcess:
    """The kept process and its channels: a pipe each way and a control flag."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        request_reader, self.requests = context.Pipe(duplex=False)
        self.events, event_writer = context.Pipe(duplex=False)
        self.control = context.Value("i", RUN, lock=False)
        self.taken = threading.Lock()  # held by the job using the process
        self.process = context.Process(
            target=serve,
            args=(request_reader, event_writer, self.control),
            name="studio-keras",
            daemon=True,
        )
        self.process.start()
        # Only the process holds its ends now: its death reads as the end of the pipe here.
        request_reader.close()
        event_writer.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def ask(self, kind: str, payload: Any, deliver: Callable[[str, Any], None]) -> Any:
        """Send one job and wait for its answer; events it sends meanwhile go to
        ``deliver``. Raises what the job raised, or ``ChildProcessFailed``."""
        send(self.requests, kind, payload, strict=True)
        while True:
            try:
                if not self.events.poll(0.2):
                    if self.process.is_alive():
                        continue
                    raise EOFError
                event, args = receive(self.events)
            except (EOFError, OSError):
                _discard(self)
                self.process.join(timeout=1)
                raise ChildProcessFailed(
                    "the separate process that did the work stopped unexpectedly (it "
                    f"crashed or was killed, exit code {self.process.exitcode})"
                ) from None
            if event == "done":
                return args
            if event == "raised":
                raise args
            try:
                deliver(event, args)
            except Exception:  # noqa: BLE001 - a listener's bug must not end the job here
                log.exception("event %s from the Keras process could not be delivered", event)

    def close(self) -> None:
        if self.process.is_alive():
            try:
                send(self.requests, "quit", None)
            except OSError:
                log.debug("Keras process: quit not sent", exc_info=True)
            self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.terminate()


def send(conn: Any, kind: str, payload: Any, strict: bool = False) -> None:
    """One message: a pickled header, then each array's memory as it is. What cannot be
    pickled raises with ``strict``, and is skipped (a progress event) without."""
    buffers: list[pickle.PickleBuffer] = []
    try:
        head = pickle.dumps((kind, payload), protocol=5, buffer_callback=buffers.append)
    except Exception:  # noqa: BLE001 - any pickling failure
        if strict:
            raise
        log.debug("Keras process: %s event not sent", kind, exc_info=True)
        return
    conn.send_bytes(len(buffers).to_bytes(4, "big") + head)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def receive(conn: Any) -> tuple[str, Any]:
    data = conn.recv_bytes()
    count = int.from_bytes(data[:4], "big")
    buffers = [conn.recv_bytes() for _ in range(count)]
    return pickle.loads(memoryview(data)[4:], buffers=buffers)


_lock = threading.Lock()
_current: KerasProcess | None = None


def take_process() -> tuple[KerasProcess, bool]:
    """The kept process, taken for one job; while another job has it, a process of this
    job's own (``False``: close it afterwards). Release ``taken`` when done."""
    global _current
    with _lock:
        if _current is None or not _current.alive():
            _current = KerasProcess()
        if _current.taken.acquire(blocking=False):
            return _current, True
    extra = KerasProcess()
    extra.taken.acquire()
    return extra, False


def ask(
    kind: str,
    payload: Any,
    deliver: Callable[[str, Any], None] = lambda event, args: None,
    on_process: Callable[[KerasProcess | None], None] = lambda process: None,
) -> Any:
    """One job in a Keras process (the kept one when it is free); ``on_process`` hears which
    process runs it, and ``None`` when the job is over."""
    process, kept = take_process()
    on_process(process)
    try:
        return process.ask(kind, payload, deliver)
    finally:
        on_process(None)
        process.taken.release()
        if not kept:
            process.close()


def run_in_child(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the session's Keras process; returns its result or raises its
    exception. ``fn`` and the arguments must be picklable (a module-level function).
    Blocks the calling thread (a worker) without holding the interpreter lock."""
    return ask("call", (custom_files(), fn, args, False))


def custom_files() -> tuple[str, ...]:
    """The custom-object files this session loaded, for a job to load there first."""
    from studio.interop.custom_objects import loaded_files

    return tuple(str(p) for p in loaded_files())


def run_with_model(fn: Callable[..., T], model: Any, *args: Any) -> T:
    """``fn(model, *args)`` in the Keras process, on a copy of ``model`` built there.

    The copy is kept there for the next call with the same model, so only the first call
    pays for sending and rebuilding it. A model the process cannot rebuild (a layer class
    from a script it cannot import, a Lambda it will not deserialize) runs here instead.
    ``model`` must not change its weights in place afterwards: the app compiles a new model
    for new weights, and the kept copy is matched by identity."""
    token = getattr(model, "_studio_child_token", None)
    if token is None:
        token = uuid.uuid4().hex
        model._studio_child_token = token
    answer = run_in_child(_with_model, token, None, fn, args)
    if isinstance(answer, _Missing):
        answer = run_in_child(_with_model, token, model_spec(model), fn, args)
    if isinstance(answer, CannotRebuild) and answer.from_design:
        answer = run_in_child(_with_model, token, model_spec(model, from_design=False), fn, args)
    if isinstance(answer, CannotRebuild):
        log.debug("model not rebuilt in the Keras process (%s); running here", answer.why)
        return fn(model, *args)
    return answer


@dataclass(frozen=True)
class ModelSpec:
    """A model in picklable form: its architecture, weights, the modules of its own layer
    classes (Model Studio's layers, a library's) and, when wanted, how it was compiled."""

    config: dict[str, Any]
    weights: list[Any]
    modules: tuple[str, ...]
    compile_config: dict[str, Any] | None = None


@dataclass(frozen=True)
class DesignSpec:
    """A model compiled from a design, in picklable form: the design itself (a snapshot
    graph with its weights), so the process compiles the same model there."""

    design: Any  # studio.compile.compiler.Design
    compile_config: dict[str, Any] | None = None


def model_spec(
    model: Any, *, with_compile: bool = True, from_design: bool = True
) -> ModelSpec | DesignSpec:
    """``model`` described for the process: by its design when it was compiled from one and
    its weights are still that design's (``from_design``), else by Keras's own config and
    its weights."""
    import keras

    from studio.compile.compiler import design_of

    compile_config = None
    if with_compile and getattr(model, "compiled", False):
        try:
            compile_config = model.get_compile_config()
        except Exception:  # noqa: BLE001 - an uncompilable copy still predicts
            log.debug("compile config not kept", exc_info=True)
    design = design_of(model) if from_design else None
    if design is not None:
        return DesignSpec(design, compile_config)
    layers = model._flatten_layers(include_self=True, recursive=True)
    modules = {type(layer).__module__ for layer in layers}
    return ModelSpec(
        keras.saving.serialize_keras_object(model),
        model.get_weights(),
        tuple(sorted(m for m in modules if not m.startswith(("keras.", "__main__")))),
        compile_config,
    )


def rebuild(spec: ModelSpec | DesignSpec) -> Any:
    """The model ``spec`` describes, in this process. The modules are imported first so
    their classes are registered; a class from a user's file comes through the job's
    custom-object files instead."""
    import keras

    if isinstance(spec, DesignSpec):
        from studio.compile.compiler import compile_graph

        model = compile_graph(spec.design.graph, with_weights=spec.design.with_weights)
        if spec.compile_config is not None:
            model.compile_from_config(spec.compile_config)
        return model
    for module in spec.modules:
        try:
            importlib.import_module(module)
        except ImportError:
            log.debug("Keras process: cannot import %s", module, exc_info=True)
    model = keras.saving.deserialize_keras_object(spec.config)
    model.set_weights(spec.weights)
    if spec.compile_config is not None:
        model.compile_from_config(spec.compile_config)
    return model


def export_in_child(graph: Any, fmt: str, path: str | Path) -> Any:
    """``studio.interop.export.export`` of a graph, run in the session's Keras process."""
    try:
        return run_in_child(_export, graph, fmt, str(path))
    except ChildProcessFailed as exc:
        raise ChildProcessFailed(f"{exc}; nothing was written over the old file") from None


def _discard(process: KerasProcess) -> None:
    global _current
    with _lock:
        if _current is process:
            _current = None


def shutdown() -> None:
    """Stop the kept process (at interpreter exit, and where a fresh one is wanted)."""
    global _current
    with _lock:
        process, _current = _current, None
    if process is not None:
        process.close()


atexit.register(shutdown)


# -- in the Keras process --------------------------------------------------------------------
NICE_ENV = "STUDIO_KERAS_NICE"
DEFAULT_NICE = 10


def _give_way_to_the_app() -> None:
    """Lower this process's CPU priority (``STUDIO_KERAS_NICE``, default 10; 0 keeps the
    app's). Training keeps every core busy, and on a 2-core machine the window then waited
    for a core to draw (gaps of 50-120 ms while a run trained); at a lower priority the
    app's threads get a core when they need one, and training takes what is left."""
    try:
        nice = int(os.environ.get(NICE_ENV, DEFAULT_NICE))
    except ValueError:
        nice = DEFAULT_NICE
    if nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:
            log.debug("Keras process: priority not lowered", exc_info=True)


def serve(requests: Any, events: Any, control: Any) -> None:
    """The process's loop: one job per request until ``quit`` arrives."""
    _give_way_to_the_app()
    while True:
        try:
            kind, payload = receive(requests)
        except EOFError:  # the app is gone
            return
        if kind == "quit":
            return
        try:
            send(events, "done", _call(*payload, events=events, control=control), strict=True)
        except Exception as exc:  # noqa: BLE001 - the app must get an answer, never a hang
            log.debug("Keras process: handled exception", exc_info=True)
            try:
                send(events, "raised", _portable(exc))
            except (BrokenPipeError, ConnectionResetError):
                return  # the app quit or was killed meanwhile: end without a traceback


def _call(
    files: tuple[str, ...],
    fn: Callable[..., T],
    args: tuple[Any, ...],
    channel: bool = False,
    *,
    events: Any,
    control: Any,
) -> T:
    """A job: ``fn(*args)``, and with ``channel`` also the pipe for its events and the
    control flag (``events=``, ``control=``), for work that reports while it runs."""
    from studio.interop.custom_objects import load_missing

    load_missing(files)
    return fn(*args, events=events, control=control) if channel else fn(*args)


def _portable(exc: Exception) -> Exception:
    """The exception itself when it can be rebuilt in the app, else its sentence."""
    from studio.common.errors import short_message

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to round-trip means: send the text
        return ChildError(short_message(exc))
    return exc


@dataclass(frozen=True)
class _Missing:
    """The process has no copy of the model: send it."""


@dataclass(frozen=True)
class CannotRebuild:
    """The process's answer for a model it could not build, with the reason."""

    why: str
    from_design: bool = False  # the design did not compile there: Keras's config may

    @classmethod
    def of(cls, exc: Exception, spec: ModelSpec | DesignSpec) -> CannotRebuild:
        from studio.common.errors import short_message

        return cls(short_message(exc), isinstance(spec, DesignSpec))


_models: dict[str, Any] = {}  # in the Keras process: the last model sent, by token


def _with_model(
    token: str, spec: ModelSpec | DesignSpec | None, fn: Callable[..., T], args: Any
) -> Any:
    model = _models.get(token)
    if model is None:
        if spec is None:
            return _Missing()
        try:
            model = rebuild(spec)
        except Exception as exc:  # noqa: BLE001 - any refusal means: run it in the app
            log.debug("Keras process: model not rebuilt", exc_info=True)
            return CannotRebuild.of(exc, spec)
        _models.clear()  # one model at a time: the one the app is showing
        _models[token] = model
    return fn(model, *args)


def _export(graph: Any, fmt: str, path: str) -> Any:
    from studio.interop.export import export

    return export(graph, fmt, Path(path))
