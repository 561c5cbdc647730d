"""A ``model.summary()`` the user can sort and export, with compute and memory per layer."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path

import keras
import numpy as np

from studio.catalog import get_spec
from studio.checks import Analysis
from studio.checks.analysis import NodeInfo, TensorSpec
from studio.checks.macs import estimate_macs as graph_macs
from studio.graph import Graph, Node

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

    The formulas are the graph's own (``studio.checks.macs``, documented there), looked up
    through the catalogue, so this table and the canvas always show the same figure. A nested
    model counts the sum over its layers.
    """
    if isinstance(layer, keras.Model):
        return sum(_layer_macs(inner) for inner in layer.layers)
    name = type(layer).__name__
    spec = get_spec(name)
    if spec is None or not spec.macs_kind or not input_shapes or not output_shapes:
        return 0
    config = {**layer.get_config(), "__class__": name}
    return graph_macs(
        spec.macs_kind,
        config,
        [(None, *s) for s in input_shapes],
        [(None, *s) for s in output_shapes],
    )


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


def _spec_bytes(spec: TensorSpec) -> int:
    """Bytes of one sample of a tensor (batch axis left out)."""
    return _prod(tuple(spec.shape[1:])) * _itemsize(spec.dtype)


def design_row(node: Node, info: NodeInfo) -> LayerRow:
    """A node's line from the analysis: the same columns ``layer_row`` reads off a built layer,
    known without compiling (what the analysis inferred for the node's inputs)."""
    dtype = node.params.get("dtype") if isinstance(node.params.get("dtype"), str) else "float32"
    return LayerRow(
        name=node.name,
        type="InputLayer" if node.type == "Input" else node.type,
        output_shape=", ".join(str(tuple(spec.shape)) for spec in info.outputs) or "?",
        params=info.params,
        trainable_params=info.trainable_params,
        trainable=node.trainable,
        macs=info.macs,
        activation_bytes=sum(_spec_bytes(spec) for spec in info.outputs),
        param_bytes=info.params * _itemsize(dtype),
    )


def summarize_design(graph: Graph, analysis: Analysis) -> SummaryTable:
    """The summary of the design as the analysis sees it, in the graph's order: current a few
    milliseconds after an edit, where compiling a large model takes seconds."""
    return summarize_nodes(graph.name, nodes_in_order(graph, analysis), analysis)


def nodes_in_order(graph: Graph, analysis: Analysis | None = None) -> list[Node]:
    """The design's nodes in the order its summary lists them (the graph's flow).

    An analysis of this very revision that checked every node already walked them in that
    order (its ``infos``, filled on the worker): sorting the graph again on the UI thread
    cost 10 ms of the moment a NASNetMobile analysis arrives."""
    if (
        analysis is not None
        and analysis.revision == graph.revision
        and len(analysis.infos) == len(graph)
        and all(nid in graph for nid in analysis.infos)
    ):
        return [graph.node(nid) for nid in analysis.infos]
    return [graph.node(nid) for nid in graph.topological_order()]


def summarize_nodes(name: str, nodes: list[Node], analysis: Analysis) -> SummaryTable:
    """``summarize_design`` from nodes taken in order beforehand (nodes are immutable, so a
    worker thread can read them while the user edits the graph)."""
    rows = tuple(
        design_row(node, analysis.infos[node.id]) for node in nodes if node.id in analysis.infos
    )
    return SummaryTable(name, rows)


def summarize(model: keras.Model) -> SummaryTable:
    """One row per top-level layer (inputs included, as ``model.summary()`` shows them)."""
    return SummaryTable(model.name, tuple(layer_row(layer) for layer in model.layers))
