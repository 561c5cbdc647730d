"""A ``model.summary()`` the user can sort and export, with compute and memory per layer."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path

import keras
import numpy as np

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class LayerRow:
    """One layer's line. Shapes exclude the batch axis; bytes are per sample for activations."""

    name: str
    type: str
    output_shape: str
    params: int
    trainable_params: int
    trainable: bool
    macs: int
    activation_bytes: int
    param_bytes: int

    @property
    def memory_bytes(self) -> int:
        return self.activation_bytes + self.param_bytes


COLUMNS: list[str] = [f.name for f in fields(LayerRow)]
HEADERS: dict[str, str] = {
    "name": "Name",
    "type": "Type",
    "output_shape": "Output shape",
    "params": "Params",
    "trainable_params": "Trainable params",
    "trainable": "Trainable",
    "macs": "MACs",
    "activation_bytes": "Activation bytes/sample",
    "param_bytes": "Param bytes",
}


@dataclass(frozen=True)
class SummaryTable:
    """Rows in graph order (or as last sorted) and the totals a footer shows."""

    model_name: str
    rows: tuple[LayerRow, ...]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def total_trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def total_memory_bytes(self) -> int:
        return sum(r.memory_bytes for r in self.rows)

    def sorted_by(self, column: str, descending: bool = False) -> SummaryTable:
        """A copy sorted on any column of ``COLUMNS``; ties keep graph order."""
        if column not in COLUMNS:
            raise ValueError(f"Unknown column {column!r}; expected one of {COLUMNS}.")
        rows = sorted(self.rows, key=lambda r: getattr(r, column), reverse=descending)
        return replace(self, rows=tuple(rows))

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(astuple(r) for r in self.rows)
        return buf.getvalue()

    def to_markdown(self) -> str:
        lines = [
            "| " + " | ".join(HEADERS[c] for c in COLUMNS) + " |",
            "|"
            + "|".join("---" if c in ("name", "type", "output_shape") else "---:" for c in COLUMNS)
            + "|",
        ]
        for r in self.rows:
            cells = [str(v).replace("|", "\\|") for v in astuple(r)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append(
            f"\nTotal params: {self.total_params:,} (trainable {self.total_trainable_params:,}); "
            f"MACs: {self.total_macs:,}; memory: {self.total_memory_bytes:,} bytes"
        )
        return "\n".join(lines) + "\n"

    def export(self, path: str | Path) -> Path:
        """Write Markdown for ``.md`` paths, CSV otherwise."""
        path = Path(path)
        text = self.to_markdown() if path.suffix.lower() in (".md", ".markdown") else self.to_csv()
        path.write_text(text, encoding="utf-8")
        return path


def _prod(shape: Shape) -> int:
    return int(math.prod(d or 1 for d in shape))


def estimate_macs(layer: keras.Layer, input_shapes: list[Shape], output_shapes: list[Shape]) -> int:
    """Multiply-accumulates for one sample; shapes exclude the batch axis.

    Formulas (k = prod(kernel_size), S_out / S_in = prod(output / input spatial dims)):

    - Dense: prod(leading output dims) * in_features * units
    - Conv1D/2D/3D: S_out * k * (in_channels / groups) * filters
    - ConvNDTranspose: S_in * k * in_channels * filters (each input pixel is scattered)
    - DepthwiseConv: S_out * k * in_channels * depth_multiplier
    - SeparableConv: the depthwise part + S_out * in_channels * depth_multiplier * filters
    - SimpleRNN / GRU / LSTM: gates (1 / 3 / 4) * T * (in_features + units) * units;
      Bidirectional doubles its inner layer
    - MultiHeadAttention: the Q/K/V projections, Q.K^T, the weighted sum of V and the output
      projection
    - a nested model: the sum over its layers; anything else: 0 (activations, pooling and
      normalisation are cheap next to the above)

    Kept in one function so the graph's own estimator can replace it.
    """
    if not input_shapes or not output_shapes:
        return 0
    x, y = input_shapes[0], output_shapes[0]
    name = type(layer).__name__
    if isinstance(layer, keras.Model):
        return sum(_layer_macs(inner) for inner in layer.layers)
    if isinstance(layer, keras.layers.Dense):
        return _prod(y[:-1]) * (x[-1] or 0) * layer.units
    if isinstance(layer, keras.layers.SeparableConv1D | keras.layers.SeparableConv2D):
        k, cin, mult = _prod(layer.kernel_size), x[-1] or 0, layer.depth_multiplier
        return _prod(y[:-1]) * (k * cin * mult + cin * mult * layer.filters)
    if isinstance(layer, keras.layers.DepthwiseConv1D | keras.layers.DepthwiseConv2D):
        return _prod(y[:-1]) * _prod(layer.kernel_size) * (x[-1] or 0) * layer.depth_multiplier
    if "Conv" in name and "Transpose" in name and hasattr(layer, "filters"):
        return _prod(x[:-1]) * _prod(layer.kernel_size) * (x[-1] or 0) * layer.filters
    if "Conv" in name and hasattr(layer, "filters") and hasattr(layer, "kernel_size"):
        cin = (x[-1] or 0) // max(getattr(layer, "groups", 1), 1)
        return _prod(y[:-1]) * _prod(layer.kernel_size) * cin * layer.filters
    if isinstance(layer, keras.layers.Bidirectional):
        return 2 * _rnn_macs(layer.forward_layer, x)
    if isinstance(layer, keras.layers.RNN):
        return _rnn_macs(layer, x)
    if isinstance(layer, keras.layers.MultiHeadAttention):
        return _attention_macs(layer, input_shapes, y)
    return 0


def _rnn_macs(layer: keras.Layer, x: Shape) -> int:
    gates = {"LSTM": 4, "GRU": 3}.get(type(layer).__name__.replace("Cell", ""), 1)
    units = getattr(layer, "units", 0) or 0
    steps = (x[0] or 1) if len(x) >= 2 else 1
    return gates * steps * ((x[-1] or 0) + units) * units


def _attention_macs(layer: keras.Layer, input_shapes: list[Shape], y: Shape) -> int:
    q = input_shapes[0]
    v = input_shapes[1] if len(input_shapes) > 1 else q
    k = input_shapes[2] if len(input_shapes) > 2 else v
    heads, dk = layer.num_heads, layer.key_dim
    dv = layer.value_dim or dk
    tq, tk = _prod(q[:-1]), _prod(k[:-1])
    proj = tq * q[-1] * heads * dk + tk * k[-1] * heads * dk + tk * v[-1] * heads * dv
    attend = heads * tq * tk * (dk + dv)
    return proj + attend + tq * heads * dv * (y[-1] or 0)


def _shapes(tensors) -> list[Shape]:
    if not isinstance(tensors, (list, tuple)):
        tensors = [tensors]
    return [tuple(t.shape[1:]) for t in tensors if hasattr(t, "shape")]


def _io(layer: keras.Layer) -> tuple[list[Shape], list[Shape]]:
    """Input and output shapes of the layer's first call; empty when it was never called."""
    try:
        return _shapes(layer.input), _shapes(layer.output)
    except (AttributeError, ValueError, RuntimeError):
        return [], []


def _layer_macs(layer: keras.Layer) -> int:
    ins, outs = _io(layer)
    return estimate_macs(layer, ins, outs)


def _itemsize(dtype) -> int:
    try:
        return np.dtype(keras.backend.standardize_dtype(dtype)).itemsize
    except TypeError:
        return 4


def layer_row(layer: keras.Layer) -> LayerRow:
    ins, outs = _io(layer)
    shape_text = ", ".join(str((None, *s)) for s in outs) if outs else "?"
    act_bytes = sum(_prod(s) for s in outs) * _itemsize(layer.compute_dtype)
    param_bytes = sum(_prod(tuple(w.shape)) * _itemsize(w.dtype) for w in layer.weights)
    trainable = sum(_prod(tuple(w.shape)) for w in layer.trainable_weights)
    return LayerRow(
        name=layer.name,
        type=type(layer).__name__,
        output_shape=shape_text,
        params=int(layer.count_params()) if layer.built else 0,
        trainable_params=int(trainable),
        trainable=bool(layer.trainable),
        macs=int(estimate_macs(layer, ins, outs)),
        activation_bytes=int(act_bytes),
        param_bytes=int(param_bytes),
    )


def summarize(model: keras.Model) -> SummaryTable:
    """One row per top-level layer (inputs included, as ``model.summary()`` shows them)."""
    return SummaryTable(model.name, tuple(layer_row(layer) for layer in model.layers))
