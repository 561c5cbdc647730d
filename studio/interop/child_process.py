"""Keras work for a desktop session, run in a separate Python process.

Keras and TensorFlow hold the interpreter lock for long stretches while they build, run or
save a big model: exporting NASNetMobile in a worker thread of the app stopped its UI thread
for 1.8 s. A process has its own interpreter, so the app's window keeps drawing while the
export runs there; the calling thread only waits for the answer, holding no lock.

One process is started on first use (``spawn``: a fresh interpreter that does not inherit
the app's threads or Qt) and kept for later calls, so only the first export pays for
importing TensorFlow there. Custom classes the session loaded from the user's files are
loaded there too before the work runs. A process that dies (a crash in a native library)
turns into one ``ChildProcessFailed`` sentence, and the next call starts a new one.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


class ChildProcessFailed(RuntimeError):
    """The separate process stopped before it answered (it crashed or was killed)."""


class ChildError(RuntimeError):
    """An error raised in the separate process whose own type cannot be rebuilt here (its
    message is kept)."""


def run_in_child(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the session's Keras process; returns its result or raises its
    exception. ``fn`` and the arguments must be picklable (a module-level function).
    Blocks the calling thread (a worker) without holding the interpreter lock."""
    from studio.interop.custom_objects import loaded_files

    pool = _get_pool()
    files = tuple(str(p) for p in loaded_files())
    try:
        return pool.submit(_call, files, fn, args).result()
    except BrokenProcessPool:
        _discard(pool)
        raise ChildProcessFailed(
            "the separate process that did the work stopped unexpectedly (it crashed or "
            "was killed); nothing was written over the old file"
        ) from None


def export_in_child(graph: Any, fmt: str, path: str | Path) -> Any:
    """``studio.interop.export.export`` of a graph, run in the session's Keras process."""
    return run_in_child(_export, graph, fmt, str(path))


def shutdown() -> None:
    """Stop the process: at interpreter exit (registered with ``atexit``), and where a
    fresh process is wanted."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _call(files: tuple[str, ...], fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    from studio.common.errors import short_message
    from studio.interop.custom_objects import load_missing

    load_missing(files)
    try:
        return fn(*args)
    except Exception as exc:
        try:  # an exception that cannot be rebuilt in the app would break the pool
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - any failure to round-trip means: send the text
            raise ChildError(short_message(exc)) from None
        raise


def _export(graph: Any, fmt: str, path: str) -> Any:
    from studio.interop.export import export

    return export(graph, fmt, Path(path))


atexit.register(shutdown)
