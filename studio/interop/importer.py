"""``keras.Model`` / ``.keras`` / ``.h5`` / architecture JSON → graph document.

Everything is read from the model's *functional config* (``get_config()``: layers with their
``inbound_nodes``), never from the live Python objects, so the JSON path builds no layer and runs
no code: a file with a ``Lambda`` or an unknown class can be opened and looked at safely. Only
``.keras`` / ``.h5`` files are loaded by Keras (in safe mode unless ``trust=True``), and only to
read their weights.

Layers the catalogue knows become ordinary nodes whose ``params`` are the layer's config (so
``compile_graph`` rebuilds them exactly); anything else (custom classes, ``Lambda``, nested
models kept whole) becomes an *opaque* node holding its whole serialized form.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from studio.catalog import get_spec
from studio.catalog.build import one_line
from studio.graph import Graph, Group
from studio.graph.layout import compute_layout
from studio.graph.naming import free_name

_MODEL_CLASSES = ("Functional", "Sequential", "Model")
_DEFAULT_DTYPES = ("float32", None)


class ModelImportError(ValueError):
    """A model that cannot be imported; the message says why in one line and what to do."""


@dataclass
class ImportResult:
    """The imported graph and what the user should know about the import (one line each)."""

    graph: Graph
    messages: list[str] = field(default_factory=list)


Tensor = tuple[str, int]  # (node id, output port)


def import_model(source: Any, *, expand_nested: bool = False, trust: bool = False) -> ImportResult:
    """Import a Keras model or model file as a graph.

    ``source`` is a ``keras.Model`` or a path to ``.keras``, ``.h5`` or ``.json`` (the output of
    ``model.to_json()``). Nested models become one opaque node, or are expanded inline into
    groups with ``expand_nested``. ``trust=True`` lets Keras run code stored in a file
    (``Lambda`` layers); never use it for files from an unknown source.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ModelImportError(f"'{path}' does not exist")
        suffix = path.suffix.lower()
        if suffix == ".json":
            return _import_json(path, expand_nested)
        if suffix in (".keras", ".h5", ".hdf5"):
            return _from_model(_load(path, trust), expand_nested)
        raise ModelImportError(
            f"'{path.name}': unsupported file type {suffix!r}; expected .keras, .h5 or .json"
        )
    import keras

    if not isinstance(source, keras.Model):
        raise ModelImportError(
            f"cannot import a {type(source).__name__}: expected a "
            "keras.Model or a path to a .keras, .h5 or .json file"
        )
    return _from_model(source, expand_nested)


# ----- sources ------------------------------------------------------------------------------
def _load(path: Path, trust: bool):
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=not trust, compile=False)
    except Exception as exc:  # Keras raises ValueError/TypeError/OSError for bad files
        text = one_line(exc)
        if not trust and ("safe_mode" in text or "Lambda" in text or "lambda" in text):
            raise ModelImportError(
                f"'{path.name}' contains a Lambda layer (Python code that would run on "
                "loading), which safe mode refuses; import it with trust=True only if you "
                "trust where the file came from"
            ) from exc
        if "Unknown layer" in text or "Could not locate class" in text:
            raise ModelImportError(
                f"'{path.name}' uses a custom layer class that is not registered in this "
                f"session ({text}); import its Python module first, or import the "
                "architecture JSON to keep it as an opaque node"
            ) from exc
        raise ModelImportError(f"'{path.name}' could not be loaded: {text}") from exc


def _import_json(path: Path, expand_nested: bool) -> ImportResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelImportError(f"'{path.name}' is not a readable JSON file: {exc}") from exc
    if not isinstance(data, dict) or "config" not in data or "class_name" not in data:
        raise ModelImportError(
            f"'{path.name}' is not a Keras architecture JSON "
            "(expected the output of model.to_json())"
        )
    builder = _Builder(expand_nested)
    builder.messages.append("architecture only: a JSON file holds no weights")
    return builder.run(data["class_name"], data["config"], None)


def _from_model(model: Any, expand_nested: bool) -> ImportResult:
    kind = type(model).__name__
    try:
        config = model.get_config()
    except NotImplementedError:
        config = None
    if not _is_graph_config(config):
        raise ModelImportError(
            f"'{model.name}' is a subclassed model ({kind}): its layers are wired in Python "
            "code (call()), so it has no functional config to import; rebuild it with the "
            "Functional API or Sequential"
        )
    import keras

    class_name = "Sequential" if isinstance(model, keras.Sequential) else "Functional"
    return _Builder(expand_nested).run(class_name, config, model)


def _is_graph_config(config: Any) -> bool:
    return isinstance(config, dict) and isinstance(config.get("layers"), list)


# ----- config → graph -----------------------------------------------------------------------
class _Builder:
    """Collects nodes, edges and weights while walking (possibly nested) model configs."""

    def __init__(self, expand_nested: bool) -> None:
        self.expand_nested = expand_nested
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[list[Any]] = []
        self.weights: dict[str, list[np.ndarray]] = {}
        self.groups: dict[str, Group] = {}
        self.messages: list[str] = []
        self.names: set[str] = set()

    def run(self, class_name: str, config: dict[str, Any], model: Any) -> ImportResult:
        if class_name not in _MODEL_CLASSES and not _is_graph_config(config):
            raise ModelImportError(
                f"'{config.get('name', class_name)}' is a subclassed model ({class_name}): its "
                "layers are wired in Python code, so it has no functional config to import; "
                "rebuild it with the Functional API or Sequential"
            )
        if not _is_graph_config(config):
            raise ModelImportError(f"{class_name} '{config.get('name')}' has no layers to import")
        if class_name == "Sequential" or "input_layers" not in config:
            inputs, outputs = self._sequential(config, model, None, None)
        else:
            inputs, outputs = self._functional(config, model, None, None)
        graph = Graph.from_dict(
            {
                "name": str(config.get("name") or "model"),
                "nodes": self.nodes,
                "edges": self.edges,
                "inputs": [nid for nid, _ in inputs],
                "outputs": [list(t) for t in outputs],
                "groups": [g.to_dict() for g in self.groups.values()],
            }
        )
        graph.weights = self.weights
        # Laid out by the editor's own layered layout, so every import (file, code, CLI)
        # opens readable without a second pass.
        for nid, position in compute_layout(graph).items():
            graph._replace_node(replace(graph.node(nid), position=position))
        return ImportResult(graph, self.messages)

    # ----- containers -----------------------------------------------------------------
    def _functional(
        self, config: dict[str, Any], model: Any, bound: list[Tensor] | None, group: str | None
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Add a functional model's layers; ``bound`` feeds its inputs when it is inlined."""
        calls: dict[tuple[str, int], str | list[Tensor]] = {}
        objects = _layers_by_name(model)
        input_refs = _refs(config.get("input_layers", []))
        bound_by_name = dict(zip((r[0] for r in input_refs), bound or []))
        inputs: list[Tensor] = []
        for layer in config["layers"]:
            name = layer.get("name") or layer["config"]["name"]
            if layer["class_name"] == "InputLayer":
                if bound is not None:
                    calls[(name, 0)] = [bound_by_name[name]]
                    continue
                nid = self._input_node(layer["config"], name, group)
                calls[(name, 0)] = nid
                continue
            inbound = layer.get("inbound_nodes") or []
            if len(inbound) > 1 and not _is_model(layer):
                self.messages.append(
                    f"layer '{name}' is shared (called {len(inbound)} times): imported as "
                    f"{len(inbound)} separate layers that start from the same weights but are "
                    "no longer tied, so the parameter count grows"
                )
            for k, call in enumerate(inbound):
                slots, extra = _call_tensors(call, layer["class_name"])
                for note in extra:
                    self.messages.append(f"'{name}': call argument {note} is not kept")
                feeds = [(slot, _resolve(calls, ref)) for slot, ref in slots]
                calls[(name, k)] = self._layer_call(layer, name, k, feeds, objects.get(name), group)
        for ref in input_refs:
            entry = calls[(ref[0], ref[1])]
            inputs.append((entry, 0) if isinstance(entry, str) else entry[0])
        outputs = [_resolve(calls, ref) for ref in _refs(config.get("output_layers", []))]
        return inputs, outputs

    def _sequential(
        self, config: dict[str, Any], model: Any, bound: list[Tensor] | None, group: str | None
    ) -> tuple[list[Tensor], list[Tensor]]:
        objects = _layers_by_name(model)
        layers = config["layers"]
        current: Tensor | None = bound[0] if bound else None
        inputs: list[Tensor] = list(bound or [])
        if current is None and (not layers or layers[0]["class_name"] != "InputLayer"):
            shape = config.get("build_input_shape")
            if not shape:
                raise ModelImportError(
                    f"Sequential '{config.get('name')}' was never built, so its input shape "
                    "is unknown; build it (model.build(shape) or keras.Input first) and retry"
                )
            name = self._unique(f"{config.get('name', 'sequential')}_input")
            current = (self._input_node({"batch_shape": shape}, name, group), 0)
            inputs.append(current)
            self.messages.append(
                f"Sequential '{config.get('name')}' had no Input layer: "
                f"added '{name}' from its build shape"
            )
        for layer in layers:
            name = layer.get("name") or layer["config"]["name"]
            if layer["class_name"] == "InputLayer":
                if current is None:
                    current = (self._input_node(layer["config"], name, group), 0)
                    inputs.append(current)
                continue
            assert current is not None
            entry = self._layer_call(layer, name, 0, [(0, current)], objects.get(name), group)
            current = (entry, 0) if isinstance(entry, str) else entry[0]
        assert current is not None
        return inputs, [current]

    # ----- single layers --------------------------------------------------------------
    def _input_node(self, config: dict[str, Any], name: str, group: str | None) -> str:
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        if shape is None:
            shape = [None, *(config.get("shape") or [])]
        if shape and shape[0] is not None:
            self.messages.append(f"Input '{name}': fixed batch size {shape[0]} dropped")
        params: dict[str, Any] = {"shape": list(shape[1:])}
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        if dtype not in _DEFAULT_DTYPES:
            params["dtype"] = dtype
        if config.get("sparse"):
            params["sparse"] = True
        return self._add_node("Input", self._unique(name), params, True, False, group)

    def _layer_call(
        self,
        layer: dict[str, Any],
        name: str,
        k: int,
        feeds: list[tuple[int, Tensor]],
        obj: Any,
        group: str | None,
    ) -> str | list[Tensor]:
        """Add one call of a layer; returns its node id, or the tensors of an inlined model."""
        if _is_model(layer) and self.expand_nested:
            return self._expand(layer, name, feeds, obj, group)
        class_name = layer["class_name"]
        config = layer["config"]
        trainable = bool(config.get("trainable", True))
        spec = get_spec(class_name)
        studio = spec is not None and spec.extra.get("studio")  # studio.layers: in the palette
        custom = not studio and (
            not str(layer.get("module") or "").startswith("keras")
            or layer.get("registered_name") not in (None, class_name)
        )
        opaque = spec is None or custom
        if opaque:
            params = {
                key: _plain(layer[key])
                for key in ("module", "class_name", "config", "registered_name", "build_config")
                if key in layer
            }
            if k == 0:
                self.messages.append(_opaque_note(layer, name))
        else:
            params = _params(config)
        node_name = name if k == 0 and name not in self.names else self._unique(name)
        nid = self._add_node(class_name, node_name, params, trainable, opaque, group)
        for slot, (src, port) in feeds:
            self.edges.append([src, port, nid, slot])
        if obj is not None:
            values = obj.get_weights()
            if values:
                self.weights[nid] = [np.array(v, copy=True) for v in values]
        return nid

    def _expand(
        self,
        layer: dict[str, Any],
        name: str,
        feeds: list[tuple[int, Tensor]],
        obj: Any,
        group: str | None,
    ) -> list[Tensor]:
        gid = self._unique_group(name)
        self.groups[gid] = Group(gid, name, collapsed=True, nested=False)
        bound = [t for _, t in sorted(feeds)]
        config = layer["config"]
        clashes = {
            lay.get("name") or lay["config"]["name"]
            for lay in config["layers"]
            if lay["class_name"] != "InputLayer"
        } & self.names
        if clashes:
            self.messages.append(
                f"nested model '{name}': layers {sorted(clashes)} renamed "
                "because the outer model uses the same names"
            )
        if layer["class_name"] == "Sequential" or "input_layers" not in config:
            _, outputs = self._sequential(config, obj, bound, gid)
        else:
            _, outputs = self._functional(config, obj, bound, gid)
        if config.get("trainable") is False:
            for node in self.nodes:
                if node.get("group") == gid:
                    node["trainable"] = False
        return outputs

    def _add_node(
        self,
        type_name: str,
        name: str,
        params: dict[str, Any],
        trainable: bool,
        opaque: bool,
        group: str | None,
    ) -> str:
        nid = f"n{len(self.nodes) + 1}"
        self.names.add(name)
        self.nodes.append(
            {
                "id": nid,
                "type": type_name,
                "name": name,
                "params": params,
                "trainable": trainable,
                "opaque": opaque,
                "group": group,
            }
        )
        return nid

    def _unique(self, base: str) -> str:
        return free_name(base, self.names)

    def _unique_group(self, base: str) -> str:
        return free_name(base, self.groups)


def _layers_by_name(model: Any) -> dict[str, Any]:
    return {} if model is None else {lay.name: lay for lay in model.layers}


def _is_model(layer: dict[str, Any]) -> bool:
    return layer["class_name"] in _MODEL_CLASSES and _is_graph_config(layer.get("config"))


def _opaque_note(layer: dict[str, Any], name: str) -> str:
    class_name = layer["class_name"]
    if _is_model(layer):
        count = len(layer["config"]["layers"])
        return (
            f"'{name}' is a nested {class_name} model ({count} layers): kept as one block; "
            "import with expand_nested=True to edit its layers"
        )
    if class_name == "Lambda":
        return (
            f"'{name}' is a Lambda layer: kept as-is (opaque); its Python code runs only "
            "when the model is built with trust"
        )
    return f"'{name}' ({class_name}) is not in the layer palette: kept as-is (opaque)"


def _params(config: dict[str, Any]) -> dict[str, Any]:
    """A layer's config as node params: minus what the node holds itself (name, trainable) and
    the default float32 dtype policy, which every layer has."""
    params = {k: _plain(v) for k, v in config.items() if k not in ("name", "trainable")}
    dtype = params.get("dtype")
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicy":
        dtype = dtype.get("config", {}).get("name")
    if dtype in _DEFAULT_DTYPES:
        params.pop("dtype", None)
    return params


def _plain(value: Any) -> Any:
    """JSON-safe copy: tuples become lists and numpy values plain Python, so a project file
    holds exactly what the config holds."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----- call arguments -----------------------------------------------------------------------
_ARG_NAMES = ("query", "value", "key")


def _call_tensors(call: Any, class_name: str) -> tuple[list[tuple[int, list[Any]]], list[str]]:
    """The (input slot, keras_history) pairs of one call, and call arguments we cannot keep."""
    if isinstance(call, list):  # Keras 2 format: [[name, node_index, tensor_index, kwargs]]
        return [(i, list(h[:3])) for i, h in enumerate(call)], []
    args, kwargs = call.get("args", []), dict(call.get("kwargs", {}))
    slots = [(i, ref) for i, ref in enumerate(_histories(args))]
    spec = get_spec(class_name)
    style = spec.call if spec else "single"
    dropped: list[str] = []
    if style == "args":
        for slot, arg in enumerate(_ARG_NAMES):
            if arg in kwargs:
                refs = list(_histories(kwargs.pop(arg)))
                if refs:
                    slots.append((slot, refs[0]))
    elif style == "rnn" and "initial_state" in kwargs:
        for ref in _histories(kwargs.pop("initial_state")):
            slots.append((len(slots), ref))
    for key, value in kwargs.items():
        if value is None or (key == "mask" and not list(_histories(value))):
            continue
        shown = "a tensor" if list(_histories(value)) else repr(value)
        dropped.append(f"{key}={shown}")
    return slots, dropped


def _histories(value: Any) -> Iterator[list[Any]]:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            yield list(value["config"]["keras_history"])
        else:
            for v in value.values():
                yield from _histories(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _histories(v)


def _refs(value: Any) -> list[list[Any]]:
    """``input_layers`` / ``output_layers``: one [name, node, tensor] or a list of them."""
    if isinstance(value, dict):
        value = list(value.values())
    if value and isinstance(value[0], str):
        return [list(value)]
    return [list(v) for v in value]


def _resolve(calls: dict[tuple[str, int], str | list[Tensor]], ref: list[Any]) -> Tensor:
    name, k, t = ref[0], int(ref[1]), int(ref[2])
    try:
        entry = calls[(name, k)]
    except KeyError:
        raise ModelImportError(
            f"layer '{name}' is used before it is defined in the config; the file may be damaged"
        ) from None
    return (entry, t) if isinstance(entry, str) else entry[t]
