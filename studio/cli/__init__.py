"""The ``studio`` command: the same core as the app, without a screen.

The spellings of commands, options and JSON keys are a contract other tools rely on. Bad input
ends with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("keras", "h5", "json", "python", "savedmodel", "onnx", "tflite")
BACKENDS = ("tensorflow", "jax", "torch")


class CliError(Exception):
    """A user mistake: printed as one line, exit status 2."""


OUT_OF_MEMORY = (
    "out of memory: the model or the data does not fit; try a smaller model, batch size or "
    "input size"
)


def _out_of_memory(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(s in text for s in ("resourceexhausted", "out of memory", "oom when allocating"))


def quiet_backend() -> None:
    """Silence the lines TensorFlow and absl print on start-up (oneDNN, CPU features, absl's
    "log messages before InitializeLog"), so a command's stderr holds only its own lines.

    The C++ side prints while the library loads, before any Python setting applies, so the
    import runs with file descriptor 2 pointed at /dev/null; Python's own warnings still go
    to stderr afterwards.
    """
    import logging

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if "keras" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        try:
            import keras  # noqa: F401 - loading the backend is what prints

            if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
                import tensorflow  # noqa: F401
        except Exception:  # noqa: BLE001 - the command reports a broken backend itself
            log.debug("quiet_backend: handled exception", exc_info=True)
            pass
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studio", description="Model Studio, headless.")
    parser.add_argument(
        "--backend", choices=BACKENDS, help="Keras backend (default: $KERAS_BACKEND or tensorflow)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show the backend's own start-up and log lines"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("summary", help="layers, shapes, parameters, MACs and issues")
    p.add_argument("project")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("import", help="turn a Keras model file into a project")
    p.add_argument("model", help=".keras, .h5 or .json (architecture) file")
    p.add_argument("-o", "--output", required=True, help="project file to write")
    p.add_argument("--expand-nested", action="store_true", help="inline nested models")
    p.add_argument(
        "--trust",
        action="store_true",
        help="allow Lambda layers and custom code from this file to run",
    )
    p.add_argument(
        "--custom-objects",
        metavar="FILE.py",
        action="append",
        default=[],
        help="a Python file of your custom Keras classes to load first (runs it: trust it)",
    )

    p = sub.add_parser("export", help="write the model in a deployable format")
    p.add_argument("project")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("-o", "--output", required=True)
    p.add_argument(
        "--distribute",
        choices=("mirrored", "multiworker"),
        help="with --format python: a script that trains distributed",
    )
    p.add_argument(
        "--quantize",
        choices=("dynamic", "float16", "int8"),
        help="with --format tflite: post-training quantization, compared with the float model",
    )
    p.add_argument(
        "--dataset",
        help="with --quantize: the data for int8 calibration and validation accuracy "
        "(default: the project's dataset)",
    )
    p.add_argument(
        "--custom-objects",
        metavar="FILE.py",
        action="append",
        default=[],
        help="a Python file of your custom Keras classes to load first (runs it: trust it)",
    )

    sub.add_parser("templates", help="list the template gallery")

    p = sub.add_parser("new", help="start a project from a template")
    p.add_argument("--template", required=True)
    p.add_argument("-o", "--output", required=True)

    p = sub.add_parser("train", help="train a project headless")
    p.add_argument("project")
    p.add_argument(
        "--dataset",
        help="bundled name (digits, iris, shapes, ...), keras:NAME, or "
        "a .csv/.npy/.npz file or image folder",
    )
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--backend", dest="train_backend", choices=BACKENDS)
    p.add_argument("--log-json", help="write per-epoch figures to this JSON file")
    p.add_argument(
        "--distribute",
        choices=("mirrored", "multiworker"),
        help="train across local GPUs or several machines (TF_CONFIG)",
    )
    p.add_argument(
        "--save-weights", action="store_true", help="also store the trained weights in the project"
    )
    from studio.cli.compare import add_parsers

    add_parsers(sub)

    from studio.cli import tune

    tune.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    backend = getattr(args, "train_backend", None) or args.backend
    if backend:
        if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") != backend:
            print(
                f"studio: error: Keras is already loaded with another backend; set "
                f"KERAS_BACKEND={backend} instead",
                file=sys.stderr,
            )
            return 2
        os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from studio.common.logs import configure_logging, debug_enabled

    configure_logging()
    if not args.verbose:
        quiet_backend()
    from studio.cli import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"studio: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"studio: error: {OUT_OF_MEMORY}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk or the folder, not the input: one sentence, exit 1
        from studio.common.oserrors import describe_os_error

        print(f"studio: error: {describe_os_error(exc, 'write', exc.filename)}", file=sys.stderr)
        return 1
    except Exception as exc:
        log.debug("main: handled exception", exc_info=True)
        if _out_of_memory(exc):
            print(f"studio: error: {OUT_OF_MEMORY}", file=sys.stderr)
            return 1  # a bug, not bad input: still one line, full trace on request
        if debug_enabled():
            raise
        print(
            f"studio: internal error: {type(exc).__name__}: {exc} (set STUDIO_DEBUG=1 for "
            "the traceback)",
            file=sys.stderr,
        )
        return 1
