"""One rule for turning an exception into the sentence a user sees, and one guard for the
entry points where files from others come in.

Keras and the backends raise messages that run over pages: argument dumps, graph-execution
frames, ANSI colours. Everything the user reads (issues on a node, the status bar, dialogs,
the CLI's one line on stderr) goes through :func:`short_message`, so the same failure reads the
same everywhere.

An importer walks configs that anyone can write; a ``KeyError`` deep inside it is still the
file's fault, not a bug the user should read a traceback for. ``clean_errors`` turns every
unexpected exception of the wrapped entry point into the entry point's own error type with
one sentence naming the file, and refuses paths that are not regular files (a FIFO would
hang the reader, ``/dev/zero`` would fill memory) before the function runs.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)


LIMIT = 300
# Lines of backend error text that frame the cause rather than state it.
_NOISE_PREFIXES = (
    "[[",
    "File ",
    "Detected at",
    "Arguments received by",
    "•",
    "Graph execution error",
)
_CUT_MARKERS = ("\n\nArguments received", "\nArguments received", "\n\nException encountered")


def short_message(exc: BaseException, limit: int = LIMIT) -> str:
    """The cause of ``exc`` on one line of at most ``limit`` characters (never empty)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    for marker in _CUT_MARKERS:
        text = text.split(marker)[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        lines = lines[1:]
    useful = [ln for ln in lines if not ln.startswith(_NOISE_PREFIXES)] or lines
    if not useful:
        return type(exc).__name__
    message = " ".join(useful) if len(useful) <= 3 else f"{useful[0]} {useful[-1]}"
    return message[:limit]


F = TypeVar("F", bound=Callable[..., Any])

MAX_INPUT_BYTES = 16 * 2**30


def regular_file_problem(path: Path, limit: int = MAX_INPUT_BYTES) -> str | None:
    """Why ``path`` cannot be read as a file someone handed us, or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"'{path}' does not exist"
    except OSError as exc:
        from studio.common.oserrors import describe_os_error

        return describe_os_error(exc, "read", path)
    if stat.S_ISDIR(info.st_mode):
        return f"'{path}' is a folder, not a model file"
    if not stat.S_ISREG(info.st_mode):
        return f"'{path}' is not a regular file (a device or a pipe), so it is not read"
    if info.st_size > limit:
        return f"'{path}' is {info.st_size / 2**30:,.1f} GiB, larger than any model file read here"
    return None


def clean_errors(error: type[Exception]) -> Callable[[F], F]:
    """Decorator: every exception other than ``error`` becomes ``error`` in one sentence."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(source: Any, *args: Any, **kwargs: Any) -> Any:
            name = None
            if isinstance(source, (str, os.PathLike)):
                path = Path(source)
                name = path.name
                problem = regular_file_problem(path)
                if problem:
                    raise error(problem)
            try:
                return fn(source, *args, **kwargs)
            except error:
                raise
            except RecursionError:
                raise error(f"'{name}' is nested too deeply to be read") from None
            except MemoryError:
                raise error(f"'{name}' is too large to read into memory") from None
            except Exception as exc:  # noqa: BLE001 - any failure here is the file's, in a sentence
                log.debug("unexpected failure reading %s", source, exc_info=True)
                what = f"'{name}'" if name else "the model"
                raise error(
                    f"{what} could not be read: {type(exc).__name__}: {short_message(exc, 200)}"
                ) from None

        return inner  # type: ignore[return-value]

    return wrap
