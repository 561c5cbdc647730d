"""TFLite (LiteRT) export with post-training quantization, measured against the float model.

Three modes, TensorFlow's converter doing the work (``model.export(format="litert")`` with
converter settings):

- ``dynamic``: weights stored as int8, activations stay float (about 4x smaller, no data needed);
- ``float16``: weights stored as float16 (about 2x smaller, GPU delegates like it);
- ``int8``: weights *and* activations quantized, calibrated on representative samples drawn from
  the project's dataset (its training split), so the ranges are the data's.

Both files — the float one and the quantized one — are written and run on the validation split
by the TFLite interpreter, so the report puts file size and accuracy (or mean squared error for
regression) side by side: what the user gives up for the size.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.common.atomic import atomic_write_with

log = logging.getLogger(__name__)

QUANTIZATIONS = ("dynamic", "float16", "int8")
REPRESENTATIVE_SAMPLES = 100
EVALUATION_SAMPLES = 1000


class QuantizationError(ValueError):
    """A quantized export that cannot be made here; one line for the user."""


@dataclass(frozen=True)
class Variant:
    """One written TFLite file and how it did on the validation split."""

    label: str
    path: Path
    size_bytes: int
    metric: str | None = None  # "accuracy" or "mse"
    value: float | None = None

    def describe(self) -> str:
        size = f"{self.size_bytes / 1024:,.1f} KiB"
        if self.value is None:
            return f"{self.label}: {size}"
        shown = f"{self.value:.2%}" if self.metric == "accuracy" else f"{self.value:.4g}"
        return f"{self.label}: {size}, validation {self.metric} {shown}"


@dataclass
class QuantizationReport:
    """The float model and the quantized one, in that order."""

    mode: str
    variants: list[Variant] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def quantized(self) -> Variant:
        return self.variants[-1]

    @property
    def float_model(self) -> Variant:
        return self.variants[0]

    def lines(self) -> list[str]:
        out = [v.describe() for v in self.variants]
        ratio = self.float_model.size_bytes / max(self.quantized.size_bytes, 1)
        out.append(f"{self.mode} quantization: {ratio:.1f}x smaller")
        return out + self.notes


def export_quantized(
    model: Any,
    path: str | os.PathLike[str],
    mode: str,
    dataset: Any = None,
    *,
    evaluate: bool = True,
) -> QuantizationReport:
    """Write ``model`` as a ``mode``-quantized ``.tflite`` at ``path`` (and the float model
    beside it, ``NAME.float.tflite``), and measure both on ``dataset``'s validation split."""
    import keras

    if mode not in QUANTIZATIONS:
        raise QuantizationError(
            f"quantization must be one of {', '.join(QUANTIZATIONS)}; received {mode!r}"
        )
    if keras.backend.backend() != "tensorflow":
        raise QuantizationError(
            "TFLite quantization needs the TensorFlow backend (KERAS_BACKEND=tensorflow)"
        )
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise QuantizationError("TFLite export needs the 'tensorflow' package") from exc
    if len(model.inputs) != 1:
        raise QuantizationError("quantized TFLite export supports single-input models")
    if mode == "int8" and dataset is None:
        raise QuantizationError(
            "int8 quantization calibrates on representative samples: the project needs a "
            "dataset (or pass --dataset)"
        )
    target = Path(path)
    float_path = target.with_name(f"{target.stem}.float{target.suffix or '.tflite'}")
    x_val, y_val, x_rep = _splits(dataset) if dataset is not None else (None, None, None)
    _write(model, float_path, {})
    _write(model, target, _settings(tf, mode, x_rep))
    report = QuantizationReport(mode)
    for label, file in (("float32", float_path), (mode, target)):
        metric, value = (None, None)
        if evaluate and x_val is not None:
            metric, value = _evaluate(tf, file, x_val, y_val, getattr(dataset, "task", ""))
        report.variants.append(Variant(label, file, file.stat().st_size, metric, value))
    if x_val is None:
        report.notes.append("no dataset: sizes only, accuracy not measured")
    return report


def _splits(dataset: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from studio.data.split import train_val_split

    x, y = dataset.x_train, dataset.y_train
    if isinstance(x, list) or isinstance(y, list):
        raise QuantizationError("quantized TFLite export supports single-input, single-output data")
    if dataset.x_val is not None:
        x_val, y_val = dataset.x_val, dataset.y_val
    else:
        x, y, x_val, y_val = train_val_split(x, y, 0.2, 0)
    return (
        np.asarray(x_val[:EVALUATION_SAMPLES]),
        np.asarray(y_val[:EVALUATION_SAMPLES]),
        np.asarray(x[:REPRESENTATIVE_SAMPLES]),
    )


def _settings(tf: Any, mode: str, x_rep: np.ndarray | None) -> dict[str, Any]:
    settings: dict[str, Any] = {"optimizations": [tf.lite.Optimize.DEFAULT]}
    if mode == "float16":
        settings["target_spec"] = {"supported_types": [tf.float16]}
    elif mode == "int8":
        assert x_rep is not None
        settings["representative_dataset"] = _representative(x_rep)
    return settings


def _representative(x: np.ndarray) -> Callable[[], Iterator[list[np.ndarray]]]:
    def samples() -> Iterator[list[np.ndarray]]:
        for i in range(len(x)):
            yield [x[i : i + 1].astype("float32")]

    return samples


def _write(model: Any, target: Path, settings: dict[str, Any]) -> None:
    def write(tmp: Path) -> None:
        model.export(str(tmp), format="litert", verbose=False, **settings)

    atomic_write_with(target, write)


def _evaluate(tf: Any, path: Path, x: np.ndarray, y: np.ndarray, task: str) -> tuple[str, float]:
    interpreter = tf.lite.Interpreter(model_path=str(path))
    runner = interpreter.get_signature_runner()
    (name,) = list(runner.get_input_details())
    outputs = []
    for i in range(len(x)):  # one sample at a time: the converted graph's batch may be fixed
        result = runner(**{name: x[i : i + 1].astype("float32")})
        outputs.append(np.asarray(next(iter(result.values()))))
    pred = np.concatenate(outputs)
    if task in ("classification", "binary") or (task == "" and y.ndim == 1):
        if pred.shape[-1] == 1:
            labels = (pred.reshape(-1) > (0.5 if pred.min() >= 0 else 0.0)).astype(int)
        else:
            labels = pred.argmax(axis=-1)
        truth = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(-1)
        return "accuracy", float(np.mean(labels.reshape(-1) == truth.astype(int)))
    return "mse", float(np.mean((pred.reshape(y.shape) - y) ** 2))
