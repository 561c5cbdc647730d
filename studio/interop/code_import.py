"""Pasted Keras code → graph, without running that code in the app.

A pasted script is arbitrary Python: it may loop forever, allocate all memory, crash the
interpreter, touch files or the network. So it runs in a *separate*, contained Python process
(``studio.interop.sandbox``: a temporary folder it cannot write outside of, no network, no new
processes, limits on memory, CPU time and wall time). That process finds the model the script
defines and saves it as ``.keras``; the app then reads the file with the ordinary importer,
which never runs code from it (safe mode). Only the syntax check (``compile``, which executes
nothing) happens here. Containment is not a security sandbox: the dialog says so.

Every failure is a ``CodeImportError`` with one line for the dialog: a syntax error with its line
number, an exception with the script line that raised it, an action the containment refused, no
model found, a subclassed model, or the time limit.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from studio.interop.importer import ImportResult, ModelImportError, import_model
from studio.interop.sandbox import Limits, run_contained

SCRIPT_NAME = "pasted_model.py"
MODEL_NAME = "model.keras"
REPORT_NAME = "report.json"
CHILD_NAME = "studio_import_child.py"
PREFERRED_NAME = "model"
BUILDER_NAME = "build_model"

# Runs in the child: executes the script as a module that is not ``__main__`` (so a training
# loop guarded by ``if __name__ == "__main__"`` does not start), finds the model, saves it and
# writes a small JSON report. Kept as source text so the child needs no studio import.
_CHILD = r"""
import json, os, runpy, sys, traceback

script, folder = sys.argv[1], sys.argv[2]


def report(**data):
    with open(os.path.join(folder, "report.json"), "w", encoding="utf-8") as f:
        json.dump(data, f)


def script_line(tb):
    lines = [fr.lineno for fr in traceback.extract_tb(tb) if fr.filename == script]
    return lines[-1] if lines else None


try:
    namespace = runpy.run_path(script, run_name="__studio_import__")
except BaseException as exc:
    report(error="exception", type=type(exc).__name__, message=str(exc).splitlines()[0][:300]
           if str(exc) else "", line=script_line(exc.__traceback__))
    sys.exit(0)

import keras
from studio.common.keras_compat import is_functional

models = {k: v for k, v in namespace.items()
          if isinstance(v, keras.Model) and not k.startswith("_")}
source = None
if "model" in models:
    source, found = "model", models["model"]
elif models:
    source = list(models)[-1]
    found = models[source]
elif callable(namespace.get("build_model")):
    try:
        found = namespace["build_model"]()
    except BaseException as exc:
        report(error="exception", type=type(exc).__name__,
               message=str(exc).splitlines()[0][:300] if str(exc) else "",
               line=script_line(exc.__traceback__))
        sys.exit(0)
    source = "build_model()"
    if not isinstance(found, keras.Model):
        report(error="not_a_model", source=source, type=type(found).__name__)
        sys.exit(0)
if source is None:
    report(error="no_model", names=sorted(k for k in namespace if not k.startswith("_")))
    sys.exit(0)
if not (is_functional(found) or isinstance(found, keras.Sequential)):
    report(error="subclassed", source=source, type=type(found).__name__)
    sys.exit(0)
if not found.built or not getattr(found, "inputs", None):
    report(error="unbuilt", source=source)
    sys.exit(0)
try:
    found.save(os.path.join(folder, "model.keras"))
except BaseException as exc:
    report(error="save", type=type(exc).__name__, message=str(exc).splitlines()[0][:300])
    sys.exit(0)
report(source=source, others=sorted(k for k in models if k != source))
"""


class CodeImportError(ValueError):
    """Pasted code did not yield an importable model; the message is one line for the user."""


def import_from_code(source: str, timeout: float = 60) -> ImportResult:
    """Run ``source`` in a separate process and import the Keras model it defines.

    The model is the module-level ``keras.Model`` variable named ``model``, else another
    module-level model (the last one defined), else what ``build_model()`` returns. Functional
    and Sequential models only: a subclassed model's wiring lives in its ``call`` method, which
    no graph can show.
    """
    _check_syntax(source)
    with tempfile.TemporaryDirectory(prefix="studio-code-import-") as tmp:
        folder = Path(tmp)
        script = folder / SCRIPT_NAME
        script.write_text(source, encoding="utf-8")
        _run_child(script, folder, timeout)
        report = _read_report(folder)
        _raise_for(report)
        try:
            result = import_model(folder / MODEL_NAME)
        except ModelImportError as exc:
            raise CodeImportError(f"the model was built but could not be imported: {exc}") from None
    where = report["source"]
    result.messages.insert(
        0,
        f"imported {where!r} from the pasted code"
        if where != f"{BUILDER_NAME}()"
        else f"imported the model returned by {where}",
    )
    if report.get("others"):
        result.messages.append(
            "the code also defines "
            + ", ".join(report["others"])
            + "; name the one you want `model` to import it instead"
        )
    return result


def _check_syntax(source: str) -> None:
    if not source.strip():
        raise CodeImportError(
            "there is no code to import; paste a Keras script that defines "
            "`model` or `build_model()`"
        )
    try:
        compile(source, SCRIPT_NAME, "exec")
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        raise CodeImportError(f"syntax error at {where}: {exc.msg}") from None
    except ValueError as exc:  # e.g. null bytes in the source
        raise CodeImportError(f"the code cannot be read as Python: {exc}") from None


def _run_child(script: Path, folder: Path, timeout: float) -> None:
    child = folder / CHILD_NAME
    child.write_text(_CHILD, encoding="utf-8")
    outcome = run_contained(
        child,
        folder,
        [str(script), str(folder)],
        limits=Limits(wall_seconds=timeout, cpu_seconds=max(int(timeout) * 4, 30)),
    )
    if outcome.timed_out:
        raise CodeImportError(
            f"the code did not finish within {timeout:g} s; remove training "
            "loops and long computations so it only builds the model"
        )
    if outcome.returncode != 0 and not (folder / REPORT_NAME).exists():
        refused = outcome.refused
        if refused:
            raise CodeImportError(f"the code was stopped: {refused}")
        last = next((ln for ln in reversed(outcome.stderr.splitlines()) if ln.strip()), "")
        raise CodeImportError(
            f"the Python process running the code stopped (exit status "
            f"{outcome.returncode}){': ' + last[:200] if last else ''}"
        )


def _read_report(folder: Path) -> dict:
    try:
        return json.loads((folder / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise CodeImportError(
            "the code ran but did not report a model; it may have called exit() before defining one"
        ) from None


def _raise_for(report: dict) -> None:
    error = report.get("error")
    if error is None:
        return
    if error == "exception":
        where = f"line {report['line']}: " if report.get("line") else ""
        detail = f": {report['message']}" if report.get("message") else ""
        raise CodeImportError(
            f"the code raised an error at {where}{report['type']}{detail}"
            if where
            else f"the code raised {report['type']}{detail}"
        )
    messages = {
        "no_model": "the code defines no Keras model; assign it to a variable named `model` "
        "or define `build_model()` returning it",
        "not_a_model": f"{report.get('source')} returned a {report.get('type')}, not a keras.Model",
        "subclassed": f"{report.get('source')!r} is a subclassed model "
        f"({report.get('type')}); only Functional and Sequential models can be "
        "imported, since a subclass wires its layers in Python code",
        "unbuilt": f"{report.get('source')!r} has no input shape yet; start it with "
        "keras.Input(shape=...) so its layers can be built",
        "save": f"the model could not be saved for import: {report.get('type')}: "
        f"{report.get('message')}",
    }
    raise CodeImportError(messages.get(error, f"the code could not be imported ({error})"))


__all__ = ["CodeImportError", "import_from_code"]
