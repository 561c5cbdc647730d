"""Writing a model out in the formats people deploy, and proving each file works.

Every export is read back by the tool its users will use (Keras, a fresh Python process,
TensorFlow's SavedModel loader, onnxruntime, the TFLite interpreter) and run on the same random
sample as the original model; the report says whether the outputs agree and by how much.
Single files are written under a temporary name in the target folder and renamed over the
target, so a failed export never leaves half a file where a good one was.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.common.atomic import atomic_write_with
from studio.common.errors import short_message
from studio.common.keras_compat import unsafe_deserialization
from studio.graph import Graph

log = logging.getLogger(__name__)

FORMATS = ("keras", "h5", "json", "python", "savedmodel", "onnx", "tflite")
SUFFIXES = {
    "keras": ".keras",
    "h5": ".h5",
    "json": ".json",
    "python": ".py",
    "savedmodel": "",
    "onnx": ".onnx",
    "tflite": ".tflite",
}
# Formats that Keras itself writes agree to float rounding; converted graphs (fused kernels,
# other runtimes) agree to about 1e-4 relative.
_TOLERANCE = {
    "keras": 1e-5,
    "h5": 1e-5,
    "json": 1e-5,
    "python": 1e-5,
    "savedmodel": 1e-4,
    "onnx": 1e-3,
    "tflite": 1e-3,
}
_SCRIPT_TIMEOUT_S = 600


class ExportError(RuntimeError):
    """A format that cannot be written here; the message names the missing package/backend."""


@dataclass(frozen=True)
class ExportReport:
    """Where the export went and whether reading it back gave the model's outputs."""

    format: str
    path: Path
    verified: bool
    max_abs_diff: float | None
    message: str = ""
    seconds: float = 0.0


def export(
    graph_or_model: Any,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    trust: bool = False,
    custom_objects_files: tuple[str | os.PathLike[str], ...] = (),
    quantize: str | None = None,
    dataset: Any = None,
) -> ExportReport:
    """Write a graph (compiled with its weights) or a ``keras.Model`` as ``fmt`` to ``path``
    and verify the result. ``trust`` allows models holding Lambda code to be rebuilt.
    ``custom_objects_files`` are the user's files of custom classes, registered in the child
    that runs a Python export before the script builds its model. With ``fmt="tflite"``,
    ``quantize`` ("dynamic", "float16", "int8") writes a post-training-quantized file (and the
    float one beside it) and reports both sizes and their accuracy on ``dataset``'s validation
    split (``studio.interop.quantize``)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    start = time.perf_counter()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _trusted(trust):
        graph, model = _graph_and_model(graph_or_model, fmt)
        missing = standin_classes(model)
        if missing:
            return _export_standins(model, fmt, target, missing, start)
        if quantize:
            return _export_quantized(model, fmt, target, quantize, dataset, start)
        sample = sample_inputs(model)
        expected = _outputs(model(_feed(model, sample)))
        writer, reader = _HANDLERS[fmt]
        try:
            writer(model, graph, target)
        except ExportError:
            raise
        except Exception as exc:  # the exporters raise many kinds; all mean "not written"
            log.debug("export: handled exception", exc_info=True)
            raise ExportError(
                f"{fmt} export to '{target.name}' failed: {short_message(exc)}"
            ) from exc
        extra = {"custom_files": tuple(map(str, custom_objects_files))} if fmt == "python" else {}
        try:
            got, note = reader(model, target, sample, trust, **extra)
        except Exception as exc:  # written, but the runtime that should read it cannot
            log.debug("export: handled exception", exc_info=True)
            got, note = None, f"written, but reading it back failed: {short_message(exc)}"
    if got is None:
        return ExportReport(fmt, target, False, None, note, time.perf_counter() - start)
    diff = _max_diff(expected, got)
    tol = _TOLERANCE[fmt]
    ok = diff is not None and all(
        e.shape == g.shape and np.allclose(g, e, rtol=tol, atol=tol) for e, g in zip(expected, got)
    )
    if not ok and not note:
        note = f"outputs differ from the model's by up to {diff:.3g} (tolerance {tol:g})"
    return ExportReport(fmt, target, ok, diff, note, time.perf_counter() - start)


def standin_classes(model: Any) -> list[str]:
    """Custom classes in a model that are only stand-ins here (imported without their code)."""
    from studio.catalog.standin import OpaqueStandIn

    found: list[str] = []
    for layer in _all_layers(model):
        if isinstance(layer, OpaqueStandIn):
            found.append(layer.class_name)
    return list(dict.fromkeys(found))


def _all_layers(model: Any) -> Iterator[Any]:
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def _export_standins(
    model: Any, fmt: str, target: Path, missing: list[str], start: float
) -> ExportReport:
    """A model holding custom layers without their code: only ``.keras`` can carry them (their
    config and weights, unchanged); it is checked by reading it back, not by running it."""
    names = ", ".join(repr(m) for m in missing)
    if fmt != "keras":
        raise ExportError(
            f"the model holds {names} without its Python code, so it cannot run here; "
            f"export it as .keras (kept unchanged), or load its custom objects to export {fmt}"
        )
    _write_keras(model, None, target)
    from studio.interop.importer import import_model

    back = import_model(target).graph
    from studio.checks import Analyzer

    params = Analyzer(back).analysis().total_params
    note = (
        f"written with the original {names} config and weights; not run, since their code is "
        "not loaded here"
    )
    if params != model.count_params():
        note = f"read back with {params} parameters, the model has {model.count_params()}"
    return ExportReport(fmt, target, False, None, note, time.perf_counter() - start)


def _export_quantized(
    model: Any, fmt: str, target: Path, mode: str, dataset: Any, start: float
) -> ExportReport:
    from studio.interop.quantize import QuantizationError, export_quantized

    if fmt != "tflite":
        raise ExportError(f"quantization applies to tflite export, not {fmt}")
    try:
        report = export_quantized(model, target, mode, dataset)
    except QuantizationError as exc:
        raise ExportError(str(exc)) from exc
    measured = report.quantized.value is not None
    return ExportReport(
        fmt, target, measured, None, "; ".join(report.lines()), time.perf_counter() - start
    )


def sample_inputs(model: Any, batch: int = 2, seed: int = 0) -> list[np.ndarray]:
    """A reproducible random batch that fits the model's inputs: unknown sizes become 8,
    integer inputs hold small ids so an Embedding accepts them."""
    rng = np.random.default_rng(seed)
    out = []
    for tensor in model.inputs:
        shape = [batch] + [8 if d is None else int(d) for d in tensor.shape[1:]]
        dtype = str(tensor.dtype)
        if "int" in dtype:
            out.append(rng.integers(0, 2, size=shape).astype(dtype))
        elif dtype == "bool":
            out.append(rng.random(shape) > 0.5)
        else:
            out.append(rng.standard_normal(shape).astype(dtype))
    return out


# ----- what to export -----------------------------------------------------------------------
def _graph_and_model(source: Any, fmt: str) -> tuple[Graph | None, Any]:
    import keras

    if isinstance(source, Graph):
        from studio.compile.compiler import compile_graph

        return source, compile_graph(source)
    if isinstance(source, keras.Model):
        graph = None
        if fmt == "python":
            from studio.interop.importer import import_model

            graph = import_model(source).graph
        return graph, source
    raise ExportError(f"cannot export a {type(source).__name__}: expected a Graph or keras.Model")


@contextmanager
def _trusted(trust: bool) -> Iterator[None]:
    if not trust:
        yield
        return
    with unsafe_deserialization():
        yield


def _feed(model: Any, sample: list[np.ndarray]) -> Any:
    return sample[0] if len(sample) == 1 else list(sample)


def _outputs(result: Any) -> list[np.ndarray]:
    if isinstance(result, dict):
        result = list(result.values())
    if not isinstance(result, (list, tuple)):
        result = [result]
    import keras

    # A backend tensor (a torch one may carry grad) goes through Keras; others (numpy,
    # TensorFlow eager tensors from a SavedModel) convert directly.
    return [
        keras.ops.convert_to_numpy(r) if keras.ops.is_tensor(r) else np.asarray(r) for r in result
    ]


def _max_diff(expected: list[np.ndarray], got: list[np.ndarray]) -> float | None:
    if len(expected) != len(got) or any(e.shape != g.shape for e, g in zip(expected, got)):
        return None
    return max(
        (
            float(np.max(np.abs(e.astype("float64") - g.astype("float64"))))
            for e, g in zip(expected, got)
            if e.size
        ),
        default=0.0,
    )


# ----- atomic writes ------------------------------------------------------------------------
def _atomic_dir(target: Path, write: Callable[[Path], None]) -> None:
    """A folder cannot be renamed over a full one: move the old one aside, then delete it."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"'{target}' is a file; a SavedModel is a folder")
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_text(target: Path, text: str) -> None:
    atomic_write_with(target, lambda p: p.write_text(text, encoding="utf-8"))


# ----- writers and readers ------------------------------------------------------------------
Readback = tuple[list[np.ndarray] | None, str]


def _write_keras(model: Any, graph: Graph | None, target: Path) -> None:
    from studio.interop.keras_archive import restore_originals

    def write(p: Path) -> None:
        model.save(p)
        if target.suffix.lower() == ".keras":
            restore_originals(Path(p))  # stand-ins become the layers they were imported as

    atomic_write_with(target, write)


def _read_keras(model: Any, target: Path, sample: list[np.ndarray], trust: bool) -> Readback:
    import keras

    loaded = keras.saving.load_model(target, compile=False, safe_mode=not trust)
    return _outputs(loaded(_feed(loaded, sample))), ""


def _write_json(model: Any, graph: Graph | None, target: Path) -> None:
    _write_text(target, json.dumps(json.loads(model.to_json()), indent=2))


def _read_json(model: Any, target: Path, sample: list[np.ndarray], trust: bool) -> Readback:
    import keras

    loaded = keras.models.model_from_json(target.read_text(encoding="utf-8"))
    if loaded.count_params() != model.count_params():
        return None, (
            f"architecture read back has {loaded.count_params()} parameters, the "
            f"model {model.count_params()}"
        )
    loaded.set_weights(model.get_weights())
    return _outputs(loaded(_feed(loaded, sample))), "architecture only: weights not included"


def _write_python(model: Any, graph: Graph | None, target: Path) -> None:
    from studio.compile.codegen import generate_script

    assert graph is not None
    _write_text(target, generate_script(graph))


_CHECK_SCRIPT = """
import json, runpy, sys
import keras
import numpy as np
from keras.src.saving.serialization_lib import SafeModeScope

script, weights, inputs, result, trust = sys.argv[1:6]
for custom in sys.argv[6:]:
    _studio_register_custom_objects(custom)
with SafeModeScope(trust != "1"):
    model = runpy.run_path(script, run_name="studio_export_check")["build_model"]()
model.load_weights(weights)
data = np.load(inputs, allow_pickle=False)
xs = [data[f"x{i}"] for i in range(len(data.files))]
out = model(xs[0] if len(xs) == 1 else xs)
out = list(out.values()) if isinstance(out, dict) else out
out = out if isinstance(out, (list, tuple)) else [out]
np.savez(result, *[keras.ops.convert_to_numpy(o) for o in out])
print(json.dumps({"params": int(model.count_params())}))
"""


def _read_python(
    model: Any,
    target: Path,
    sample: list[np.ndarray],
    trust: bool,
    custom_files: tuple[str, ...] = (),
) -> Readback:
    """Run the script in a fresh, contained interpreter (``studio.interop.sandbox``), as its
    user would, with the model's weights: the script's text holds names and configs read from
    a project file, so it is treated like pasted code."""
    from studio.interop.custom_objects import CHILD_SNIPPET
    from studio.interop.sandbox import Limits, run_contained

    with tempfile.TemporaryDirectory(prefix="studio-export-") as tmp:
        folder = Path(tmp)
        script = folder / "exported_model.py"
        shutil.copyfile(target, script)
        checker = folder / "check_export.py"
        checker.write_text(CHILD_SNIPPET + _CHECK_SCRIPT, encoding="utf-8")
        model.save_weights(folder / "w.weights.h5")
        np.savez(folder / "x.npz", **{f"x{i}": x for i, x in enumerate(sample)})
        outcome = run_contained(
            checker,
            folder,
            [
                str(script),
                str(folder / "w.weights.h5"),
                str(folder / "x.npz"),
                str(folder / "y.npz"),
                "1" if trust else "0",
                *custom_files,
            ],
            limits=Limits(wall_seconds=_SCRIPT_TIMEOUT_S, cpu_seconds=4 * _SCRIPT_TIMEOUT_S),
        )
        if outcome.timed_out:
            return None, f"the script did not finish within {_SCRIPT_TIMEOUT_S} s"
        if outcome.returncode != 0:
            refused = outcome.refused
            if refused:
                return None, f"the script was stopped: {refused}"
            tail = (outcome.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"the script failed when run: {tail}"
        params = json.loads(outcome.stdout.strip().splitlines()[-1])["params"]
        if params != model.count_params():
            return None, f"the script builds {params} parameters, the model {model.count_params()}"
        with np.load(folder / "y.npz", allow_pickle=False) as data:
            return [data[f"arr_{i}"] for i in range(len(data.files))], ""


def _require_tensorflow(fmt: str) -> Any:
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise ExportError(
            f"{fmt} export needs the 'tensorflow' package (pip install tensorflow)"
        ) from exc
    return tf


def _write_savedmodel(model: Any, graph: Graph | None, target: Path) -> None:
    _require_tensorflow("savedmodel")
    _atomic_dir(target, lambda p: model.export(str(p), format="tf_saved_model", verbose=False))


def _read_savedmodel(model: Any, target: Path, sample: list[np.ndarray], trust: bool) -> Readback:
    tf = _require_tensorflow("savedmodel")
    loaded = tf.saved_model.load(str(target))  # keep it alive: serve uses its variables
    result = loaded.serve(_feed(model, sample))
    return _outputs([np.asarray(t) for t in _outputs_tf(result)]), ""


def _outputs_tf(result: Any) -> list[Any]:
    if isinstance(result, dict):
        return [result[k] for k in sorted(result, key=_output_index)]
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _write_onnx(model: Any, graph: Graph | None, target: Path) -> None:
    import keras

    if keras.backend.backend() == "tensorflow":
        for package in ("onnx", "tf2onnx"):
            try:
                __import__(package)
            except ImportError as exc:
                raise ExportError(
                    f"ONNX export needs the '{package}' package (pip install "
                    "onnx tf2onnx, or model-studio[onnx])"
                ) from exc
    atomic_write_with(target, lambda p: model.export(str(p), format="onnx", verbose=False))


def _read_onnx(model: Any, target: Path, sample: list[np.ndarray], trust: bool) -> Readback:
    try:
        import onnxruntime as ort
    except ImportError:
        return None, "written but not verified: install 'onnxruntime' to check it"
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    feeds = {inp.name: x for inp, x in zip(session.get_inputs(), sample)}
    return [np.asarray(o) for o in session.run(None, feeds)], ""


def _write_tflite(model: Any, graph: Graph | None, target: Path) -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ExportError(
            "tflite export needs the TensorFlow backend "
            f"(KERAS_BACKEND=tensorflow); this session runs "
            f"{keras.backend.backend()}"
        )
    _require_tensorflow("tflite")
    atomic_write_with(target, lambda p: model.export(str(p), format="litert", verbose=False))


def _read_tflite(model: Any, target: Path, sample: list[np.ndarray], trust: bool) -> Readback:
    tf = _require_tensorflow("tflite")
    interpreter = tf.lite.Interpreter(model_path=str(target))
    runner = interpreter.get_signature_runner()
    names = list(runner.get_input_details())
    by_name = {t.name: i for i, t in enumerate(model.inputs)}
    order = [by_name.get(n, i) for i, n in enumerate(names)]
    result = runner(**{n: sample[i] for n, i in zip(names, order)})
    return [np.asarray(result[k]) for k in sorted(result, key=_output_index)], ""


def _output_index(name: str) -> tuple[int, str]:
    digits = name.rsplit("_", 1)[-1]
    return (int(digits), name) if digits.isdigit() else (0, name)


_HANDLERS: dict[
    str,
    tuple[
        Callable[[Any, Graph | None, Path], None],
        Callable[[Any, Path, list[np.ndarray], bool], Readback],
    ],
] = {
    "keras": (_write_keras, _read_keras),
    "h5": (_write_keras, _read_keras),
    "json": (_write_json, _read_json),
    "python": (_write_python, _read_python),
    "savedmodel": (_write_savedmodel, _read_savedmodel),
    "onnx": (_write_onnx, _read_onnx),
    "tflite": (_write_tflite, _read_tflite),
}
