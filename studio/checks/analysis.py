"""Live checks of a graph: issues, output shapes, parameter counts and MACs per node.

Shapes come from calling real Keras layers on symbolic ``KerasTensor`` inputs, so they are
Keras's own and agree with ``model.summary()``. Results are cached per node and reused while
the node and the shapes flowing into it are unchanged, so after one edit only the nodes whose
inputs actually changed are recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.catalog import LayerSpec
from studio.catalog.build import (
    LayerBuildError,
    build_layer,
    call_layer,
    call_template,
    spec_for,
)
from studio.checks import structure
from studio.checks.macs import estimate_macs
from studio.checks.params import param_problems
from studio.common.errors import short_message
from studio.common.keras_compat import deferred_variables_dropped
from studio.graph import Edge, Graph, Node

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int | None, ...]
    dtype: str = "float32"

    def __str__(self) -> str:
        return (
            "("
            + ", ".join("None" if d is None else str(d) for d in self.shape)
            + (",)" if len(self.shape) == 1 else ")")
        )


@dataclass(frozen=True)
class NodeInfo:
    outputs: tuple[TensorSpec, ...]
    params: int = 0
    trainable_params: int = 0
    macs: int = 0


@dataclass(frozen=True)
class Issue:
    """A problem a user can fix, tied to the node or edge that causes it."""

    message: str
    node: str | None = None
    edge: Edge | None = None
    severity: str = "error"  # "error" blocks compiling; "warning" does not
    fix: str = ""


@dataclass
class Analysis:
    revision: int
    infos: dict[str, NodeInfo] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(i.params for i in self.infos.values())

    @property
    def trainable_params(self) -> int:
        return sum(i.trainable_params for i in self.infos.values())

    @property
    def total_macs(self) -> int:
        return sum(i.macs for i in self.infos.values())

    def issues_for(self, node_id: str) -> list[Issue]:
        return [i for i in self.issues if i.node == node_id]


@dataclass
class _Cached:
    node: Node
    inputs: tuple[TensorSpec, ...]
    info: NodeInfo | None
    issues: list[Issue]


class Analyzer:
    """Keeps the analysis of one graph current, recomputing only what an edit affects."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._cache: dict[str, _Cached] = {}
        self._result: Analysis | None = None
        self.recomputed = 0  # nodes rebuilt by the last analysis; benchmarks read it
        # Called before each layer that is built afresh: a worker running the analysis lets
        # the app's UI thread go first there (building 771 Keras layers is seconds of
        # interpreter time).
        self.between: Callable[[], None] | None = None

    def analysis(self) -> Analysis:
        if self._result is not None and self._result.revision == self.graph.revision:
            return self._result
        self._result = self._analyze()
        return self._result

    # ------------------------------------------------------------------------------------
    def _analyze(self) -> Analysis:
        graph = self.graph
        result = Analysis(graph.revision)
        self.recomputed = 0
        self._cache = {k: v for k, v in self._cache.items() if k in graph}
        result.issues.extend(_graph_level_issues(graph))
        cycles = structure.find_cycles(graph)
        if cycles:
            for cycle in cycles:
                text = structure.describe_cycle(graph, cycle)
                for nid in cycle[: structure.MAX_CYCLE_NODES_MARKED]:
                    result.issues.append(
                        Issue(f"cycle: {text}; a model must flow one way", node=nid)
                    )
            return result
        order = graph.topological_order()
        too_deep = structure.depth_overflow(graph, order)
        if too_deep is not None:
            nid, depth = too_deep
            result.issues.append(
                Issue(
                    f"'{graph.node(nid).name}' is {depth:,} layers deep; Keras compiles models "
                    f"at most {structure.MAX_DEPTH:,} layers deep (group layers into nested "
                    "blocks or shorten the chain)",
                    node=nid,
                )
            )
            return result
        if len(graph) > structure.MAX_LAYERS:
            result.issues.append(
                Issue(
                    f"the model has {len(graph):,} layers; at most {structure.MAX_LAYERS:,} "
                    "can be checked and compiled"
                )
            )
            return result
        specs: dict[tuple[str, int], TensorSpec] = {}
        for nid in order:
            node = graph.node(nid)
            edges = graph.in_edges(nid)
            spec = spec_for(node, len(edges))
            wiring = _wiring_issues(graph, node, spec, edges)
            if wiring:
                result.issues.extend(wiring)
                continue
            inputs: list[TensorSpec] = []
            for e in edges:
                if (e.src, e.src_port) not in specs:
                    if e.src in result.infos:  # the source exists but lacks that port
                        result.issues.append(
                            Issue(
                                f"'{graph.node(e.src).name}' has no output {e.src_port}",
                                node=nid,
                                edge=e,
                            )
                        )
                    break
                inputs.append(specs[(e.src, e.src_port)])
            else:
                info, issues = self._node_result(node, spec, tuple(inputs))
                result.issues.extend(issues)
                if info is not None:
                    result.infos[nid] = info
                    for port, out in enumerate(info.outputs):
                        specs[(nid, port)] = out
        result.issues.extend(_output_issues(graph, result))
        result.issues.extend(_size_issues(graph, result))
        result.issues.extend(_head_warnings(graph, specs))
        return result

    def _node_result(
        self, node: Node, spec: LayerSpec, inputs: tuple[TensorSpec, ...]
    ) -> tuple[NodeInfo | None, list[Issue]]:
        cached = self._cache.get(node.id)
        if cached is not None and cached.inputs == inputs and _same_layer(cached.node, node):
            return cached.info, cached.issues
        if self.between is not None:
            self.between()
        self.recomputed += 1
        info, issues = _infer_node(node, spec, inputs)
        self._cache[node.id] = _Cached(node, inputs, info, issues)
        return info, issues


def _same_layer(a: Node, b: Node) -> bool:
    """Whether two records describe the same layer: moving or grouping a node changes its
    record but not its shapes, so the cached result still holds."""
    return a is b or (
        a.type == b.type
        and a.name == b.name
        and a.trainable == b.trainable
        and a.opaque == b.opaque
        and a.params == b.params
        and a.shares == b.shares
    )


def _graph_level_issues(graph: Graph) -> list[Issue]:
    issues: list[Issue] = []
    inputs = graph.input_nodes()
    if not inputs:
        issues.append(Issue("the model has no Input layer: add one from the Core group"))
    for node in inputs:
        if not graph.out_edges(node.id):
            issues.append(
                Issue(
                    f"Input '{node.name}' is not connected to any layer",
                    node=node.id,
                    severity="warning",
                )
            )
    for nid, name in structure.duplicate_names(graph):
        issues.append(
            Issue(
                f"another layer is already named {name!r}; layer names must be unique",
                node=nid,
                fix="rename one of them",
            )
        )
    if len(graph) and not graph.output_ports():
        issues.append(Issue("the model has no output: every layer output is connected onward"))
    return issues


def _output_issues(graph: Graph, result: Analysis) -> list[Issue]:
    """Outputs fixed by an import must name a port their layer has."""
    issues = []
    for nid, port in graph.output_order:
        info = result.infos.get(nid)
        if nid not in graph:
            continue
        if info is not None and not 0 <= port < len(info.outputs):
            node = graph.node(nid)
            issues.append(
                Issue(
                    f"the model's output names output {port} of '{node.name}', which has "
                    f"{len(info.outputs)} output(s)",
                    node=nid,
                )
            )
    return issues


def _size_issues(graph: Graph, result: Analysis) -> list[Issue]:
    """Sizes no memory can hold fail at compile or export; say so on the node first."""
    issues = []
    for nid, info in result.infos.items():
        node = graph.node(nid)
        if info.params > structure.MAX_PARAMS // 4:
            issues.append(
                Issue(
                    f"{node.type} '{node.name}' has {info.params:,} parameters "
                    f"({structure.size_text(info.params * 4.0)} of weights); the model may "
                    f"hold at most {structure.size_text(structure.MAX_PARAMS * 4.0)}",
                    node=nid,
                )
            )
        for out in info.outputs:
            count = structure.elements(out.shape)
            if count > structure.MAX_ELEMENTS:
                issues.append(
                    Issue(
                        f"{node.type} '{node.name}' outputs {out}, {count:,} values per "
                        f"sample ({structure.size_text(count * 4.0)}); at most "
                        f"{structure.MAX_ELEMENTS:,} fit in memory",
                        node=nid,
                    )
                )
                break
    total = result.total_params
    if total > structure.MAX_PARAMS and not issues:
        issues.append(
            Issue(
                f"the model has {total:,} parameters ({structure.size_text(total * 4.0)}); at "
                f"most {structure.MAX_PARAMS:,} fit in memory"
            )
        )
    return issues


def _wiring_issues(graph: Graph, node: Node, spec: LayerSpec, edges: list[Edge]) -> list[Issue]:
    n = len(edges)
    label = f"{node.type} '{node.name}'"
    if spec.call == "none":
        return []
    if n == 0:
        return [
            Issue(
                f"{label} has no input connected",
                node=node.id,
                fix="connect a layer's output to it",
            )
        ]
    if n < spec.min_inputs:
        return [
            Issue(f"{label} needs at least {spec.min_inputs} inputs; {n} connected", node=node.id)
        ]
    if spec.max_inputs is not None and n > spec.max_inputs:
        return [
            Issue(f"{label} takes at most {spec.max_inputs} input(s); {n} connected", node=node.id)
        ]
    slots = [e.dst_port for e in edges]
    if slots != list(range(n)):
        missing = next(i for i in range(n + 1) if i not in slots)
        return [Issue(f"{label}: input '{spec.port_name(missing)}' is not connected", node=node.id)]
    return []


def _input_info(node: Node) -> tuple[NodeInfo | None, list[Issue]]:
    shape = node.params.get("shape")
    if not isinstance(shape, (list, tuple)) or not all(
        d is None or (isinstance(d, int) and d > 0) for d in shape
    ):
        return None, [
            Issue(
                f"Input '{node.name}': shape must be a list of positive sizes "
                f"(None for any); received shape={repr(shape)[:80]}",
                node=node.id,
            )
        ]
    dtype = node.params.get("dtype", "float32")
    try:
        import keras

        if not isinstance(dtype, str):
            raise ValueError(dtype)
        dtype = keras.backend.standardize_dtype(dtype)
    except Exception:  # noqa: BLE001 - Keras raises ValueError or TypeError for unknown dtypes
        log.debug("unknown dtype %r", dtype, exc_info=True)
        shown = repr(dtype)[:60]
        return None, [
            Issue(
                f"Input '{node.name}': dtype must be a data type such as 'float32' or 'int32'; "
                f"received dtype={shown}",
                node=node.id,
            )
        ]
    return NodeInfo((TensorSpec((None, *shape), dtype),)), []


def _infer_node(
    node: Node, spec: LayerSpec, inputs: tuple[TensorSpec, ...]
) -> tuple[NodeInfo | None, list[Issue]]:
    if node.type == "Input" and not node.opaque:
        return _input_info(node)
    problems = param_problems(node, spec)
    if problems:
        return None, [Issue(p, node=node.id) for p in problems]
    import keras

    symbolic = [keras.KerasTensor(t.shape, dtype=t.dtype) for t in inputs]
    try:
        layer, outputs = _build_and_call(node, spec, symbolic)
    except LayerBuildError as exc:
        return None, [Issue(str(exc), node=node.id)]
    except Exception as exc:  # whatever Keras raises is a user-fixable wiring/param problem
        log.debug("_infer_node: handled exception", exc_info=True)
        return None, [Issue(_explain_call_error(node, spec, inputs, exc), node=node.id)]
    out_specs = tuple(TensorSpec(tuple(o.shape), str(o.dtype)) for o in outputs)
    issues = _shape_warnings(node, inputs, out_specs)
    if any(isinstance(d, int) and d <= 0 for o in out_specs for d in o.shape):
        return None, [Issue(_too_small(node, inputs, out_specs), node=node.id)]
    # An op has no weights; a node that calls a shared layer again counts none of its own.
    params = 0 if node.shares else _count(getattr(layer, "weights", []))
    trainable = _count(getattr(layer, "trainable_weights", [])) if node.trainable else 0
    trainable = 0 if node.shares else trainable
    config = dict(node.params if not node.opaque else node.params.get("config", {}))
    config["__class__"] = node.type
    macs = estimate_macs(
        spec.macs_kind, config, [t.shape for t in inputs], [o.shape for o in out_specs]
    )
    return NodeInfo(out_specs, params, trainable, macs), issues


def _build_and_call(node: Node, spec: LayerSpec, symbolic: list[Any]) -> tuple[Any, list[Any]]:
    """Build and call a throw-away layer for its shapes and weight counts.

    Inside a ``StatelessScope`` Keras only records each weight's shape instead of creating and
    initializing a backend variable, which was most of the time spent on big imports (NASNet:
    4.3 s → 1.2 s). A layer that insists on a concrete variable is retried normally.
    """
    try:
        with deferred_variables_dropped():
            layer = build_layer(node)
            return layer, call_layer(layer, spec, symbolic, call_template(node))
    except Exception as exc:
        log.debug("_build_and_call: handled exception", exc_info=True)
        if "stateless scope" not in str(exc):
            raise
    layer = build_layer(node)
    return layer, call_layer(layer, spec, symbolic, call_template(node))


def _count(weights: list[Any]) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def _shape_warnings(
    node: Node, inputs: tuple[TensorSpec, ...], outputs: tuple[TensorSpec, ...]
) -> list[Issue]:
    return []


def _head_warnings(graph: Graph, specs: dict[tuple[str, int], TensorSpec]) -> list[Issue]:
    """A Dense on an unflattened image is a mistake when it is the classifier head (a model
    output, or softmax/sigmoid); inside a block it acts on the channels as intended (ConvNeXt's
    pointwise Dense), so it is not flagged there."""
    outputs = {nid for nid, _ in graph.output_ports()}
    issues = []
    for node in graph.nodes:
        if node.type != "Dense" or node.opaque:
            continue
        edges = graph.in_edges(node.id)
        source = specs.get((edges[0].src, edges[0].src_port)) if edges else None
        if source is None or len(source.shape) <= 3:
            continue
        if node.id in outputs or node.params.get("activation") in ("softmax", "sigmoid"):
            issues.append(
                Issue(
                    f"Dense '{node.name}' receives a {len(source.shape)}-D tensor {source}; it "
                    "acts on the last axis only. Add a Flatten (or global pooling) before it "
                    "to classify whole images.",
                    node=node.id,
                    severity="warning",
                    fix="insert Flatten",
                )
            )
    return issues


def _too_small(node: Node, inputs: tuple[TensorSpec, ...], outputs: tuple[TensorSpec, ...]) -> str:
    window = node.params.get("kernel_size") or node.params.get("pool_size")
    where = f"its input {inputs[0]}" if inputs else "its input"
    if window is not None:
        return (
            f"{node.type} '{node.name}': window {window!r} is larger than {where}; use a "
            "smaller kernel_size/pool_size, padding='same', or less down-sampling before it"
        )
    return f"{node.type} '{node.name}': output shape {outputs[0]} has an empty dimension"


def _explain_call_error(
    node: Node, spec: LayerSpec, inputs: tuple[TensorSpec, ...], exc: Exception
) -> str:
    label = f"{node.type} '{node.name}'"
    shown = ", ".join(str(t) for t in inputs)
    text = short_message(exc)
    if spec.call == "list" and len(inputs) > 1:
        return f"{label}: inputs have incompatible shapes {shown} ({text})"
    window = node.params.get("kernel_size") or node.params.get("pool_size")
    if window is not None and (
        "negative" in text.lower() or "output size" in text.lower() or "too small" in text.lower()
    ):
        return _too_small(node, inputs, ())
    return f"{label} cannot take input {shown}: {text}"
