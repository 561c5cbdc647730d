"""``keras.Model`` / ``.keras`` / ``.h5`` / architecture JSON → graph document.

Everything is read from the model's *functional config* (``get_config()``: layers with their
``inbound_nodes``), never from the live Python objects, so the JSON path builds no layer and runs
no code: a file with a ``Lambda`` or an unknown class can be opened and looked at safely. Only
``.keras`` / ``.h5`` files are loaded by Keras (in safe mode unless ``trust=True``), and only to
read their weights.

Layers the catalogue knows become ordinary nodes whose ``params`` are the layer's config (so
``compile_graph`` rebuilds them exactly); Keras operations applied in the graph (``keras.ops.silu``,
``x + 3.0``) become nodes of the "Operation" category with their arguments, constants included;
anything else (custom classes, ``Lambda``, nested models kept whole) becomes an *opaque* node
holding its whole serialized form and, where its call was not a plain tensor, the call's
structure (a dict or list of inputs).

Custom classes that are not loaded never stop an import: ``keras_archive`` rewrites them as
stand-ins that keep their config, weights and recorded output shapes, and exports put the
originals back. ``custom_objects`` (from "Load custom objects from a Python file…" or
``studio import --custom-objects``) makes them real layers instead.

**Shared layers stay shared.** A layer called several times (and a nested model used twice, as
in a siamese network) becomes one node per call; every call after the first names the first
call's node in ``Node.shares``. The weights live once, on that first node; checks count them
once and the compiler calls the same layer object again, so the parameter count equals
``count_params()``. An expanded nested model used twice is expanded twice, and each layer of the
second copy shares the same layer of the first.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.catalog import get_spec
from studio.catalog.build import unknown_class_names
from studio.catalog.operations import TENSOR, family_of_module, family_ops
from studio.catalog.standin import REGISTERED_NAME as STANDIN
from studio.common.errors import clean_errors, short_message
from studio.graph import Graph, Group
from studio.graph.layout import apply_layout
from studio.graph.naming import free_name

log = logging.getLogger(__name__)

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


@clean_errors(ModelImportError)  # anything unexpected from a hostile file: one sentence
def import_model(
    source: Any,
    *,
    expand_nested: bool = False,
    trust: bool = False,
    custom_objects: dict[str, Any] | None = None,
) -> ImportResult:
    """Import a Keras model or model file as a graph.

    ``source`` is a ``keras.Model`` or a path to ``.keras``, ``.h5`` or ``.json`` (the output of
    ``model.to_json()``). Nested models become one opaque node, or are expanded inline into
    groups with ``expand_nested``. ``trust=True`` lets Keras run code stored in a file
    (``Lambda`` layers); never use it for files from an unknown source. ``custom_objects``
    (class name → class) are the custom classes the user chose to load.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ModelImportError(f"'{path}' does not exist")
        suffix = path.suffix.lower()
        if suffix == ".json":
            return _import_json(path, expand_nested)
        if suffix == ".keras":
            return _import_archive(path, expand_nested, trust, custom_objects)
        if suffix in (".h5", ".hdf5"):
            return _from_model(_load(path, trust, custom_objects), expand_nested)
        raise ModelImportError(
            f"'{path.name}': unsupported file type {suffix!r}; expected .keras, .h5 or .json"
        )
    import keras

    if not isinstance(source, keras.Model):
        raise ModelImportError(
            f"cannot import a {type(source).__name__}: expected a "
            "keras.Model or a path to a .keras, .h5 or .json file"
        )
    return _from_model(source, expand_nested, custom_objects)


# ----- sources ------------------------------------------------------------------------------
def _load(path: Path, trust: bool, custom_objects: dict[str, Any] | None = None, shown: str = ""):
    import keras

    shown = shown or path.name
    try:
        with keras.saving.custom_object_scope(custom_objects or {}):
            return keras.saving.load_model(path, safe_mode=not trust, compile=False)
    except Exception as exc:  # Keras raises ValueError/TypeError/OSError for bad files
        log.debug("_load: handled exception", exc_info=True)
        full = str(exc)
        text = short_message(exc)
        if not trust and ("safe_mode" in full or "Lambda" in text or "lambda" in text):
            raise ModelImportError(
                f"'{shown}' contains a Lambda layer (Python code that would run on "
                "loading), which safe mode refuses; import it with trust=True only if you "
                "trust where the file came from"
            ) from exc
        names = unknown_class_names(full)
        if names or "Unknown layer" in full or "Could not locate class" in full:
            which = ", ".join(repr(n) for n in names) or "a custom class"
            raise ModelImportError(
                f"'{shown}' uses {which}, which is not loaded in this session; load its "
                "custom objects (a Python file defining it) or save the model as .keras, "
                "which imports it as an opaque node"
            ) from exc
        raise ModelImportError(f"'{shown}' could not be loaded: {text}") from exc


def _import_archive(
    path: Path, expand_nested: bool, trust: bool, custom_objects: dict[str, Any] | None
) -> ImportResult:
    """A ``.keras`` file, with custom classes that are not loaded kept as stand-ins."""
    from studio.interop.keras_archive import remove_quietly, with_standins

    try:
        rewritten = with_standins(path, custom_objects)
    except Exception as exc:  # a damaged archive: Keras's own loader gives the clearer message
        log.debug("could not look for custom classes in %s", path, exc_info=True)
        rewritten = None
        del exc
    if rewritten is None:
        return _from_model(_load(path, trust, custom_objects), expand_nested, custom_objects)
    copy, notes = rewritten
    try:
        model = _load(copy, trust, custom_objects, shown=path.name)
    finally:
        remove_quietly(copy)
    result = _from_model(model, expand_nested, custom_objects)
    result.messages[:0] = notes
    return result


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


def _from_model(
    model: Any, expand_nested: bool, custom_objects: dict[str, Any] | None = None
) -> ImportResult:
    import keras
    from keras.src.models.functional import Functional

    kind = type(model).__name__
    graph_model = isinstance(model, (Functional, keras.Sequential))
    try:
        config = model.get_config()
    except NotImplementedError:
        config = None
    except Exception as exc:  # a custom layer's get_config() that raises
        log.debug("_from_model: handled exception", exc_info=True)
        if not graph_model:
            config = None
        else:
            raise ModelImportError(
                f"'{model.name}' is a {kind} model, but its get_config() failed: "
                f"{short_message(exc)}; a custom layer in it probably needs a get_config() that "
                "returns its constructor arguments"
            ) from exc
    if not _is_graph_config(config):
        raise ModelImportError(
            f"'{model.name}' is a subclassed model ({kind}): its layers are wired in Python "
            "code (call()), so it has no functional config to import; rebuild it with the "
            "Functional API or Sequential"
        )
    from studio.interop.keras_archive import unresolved_classes

    if unresolved_classes(config, custom_objects):
        # A live model whose classes a project could not rebuild: go through a saved copy,
        # so the nodes keep what a stand-in needs (weights with their paths, shapes).
        return _via_archive(model, expand_nested, custom_objects)
    class_name = "Sequential" if isinstance(model, keras.Sequential) else "Functional"
    return _Builder(expand_nested).run(class_name, config, model)


def _via_archive(
    model: Any, expand_nested: bool, custom_objects: dict[str, Any] | None
) -> ImportResult:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="studio-import-") as tmp:
        path = Path(tmp) / f"{model.name or 'model'}.keras"
        try:
            model.save(path)
        except Exception as exc:  # a custom layer Keras cannot serialize
            log.debug("_via_archive: handled exception", exc_info=True)
            raise ModelImportError(
                f"'{model.name}' could not be saved for import: {short_message(exc)}"
            ) from exc
        return _import_archive(path, expand_nested, False, custom_objects)


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
        # The first call's node of each layer object, by (model prefix, layer name): later calls
        # (and later expansions of a shared nested model) share it.
        self.owners: dict[tuple[str, str], str] = {}
        self.prefix: str = ""
        self.sharing: dict[str, str] | None = None
        self.expansions: dict[str, dict[str, str]] = {}

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
        apply_layout(graph)
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
        # Keras numbers a nested Functional model's calls from 1 in ``output_layers`` (as if
        # its creation were a call) but from 0 in the histories of inbound tensors.
        offsets = {
            (lay.get("name") or lay["config"]["name"]): 1
            for lay in config["layers"]
            if lay["class_name"] == "Functional"
        }
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
            for k, call in enumerate(inbound):
                slots, template, extra = _call_tensors(call, layer)
                for note in extra:
                    self.messages.append(f"'{name}': call argument {note} is not kept")
                feeds = [(slot, _resolve(calls, ref)) for slot, ref in slots]
                calls[(name, k)] = self._layer_call(
                    layer, name, k, feeds, objects.get(name), group, template
                )
        for ref in input_refs:
            entry = calls[(ref[0], ref[1])]
            inputs.append((entry, 0) if isinstance(entry, str) else entry[0])
        outputs = [_resolve(calls, ref, offsets) for ref in _refs(config.get("output_layers", []))]
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
        template: Any = None,
    ) -> str | list[Tensor]:
        """Add one call of a layer; returns its node id, or the tensors of an inlined model."""
        owner_key = (self.prefix, name)
        if _is_model(layer) and self.expand_nested:
            return self._expand(layer, name, k, feeds, obj, group)
        class_name = layer["class_name"]
        config = layer["config"]
        trainable = bool(config.get("trainable", True))
        family = family_of_module(str(layer.get("module") or ""))
        node_type = class_name
        if layer.get("registered_name") == STANDIN:
            original = config["original"]
            node_type = str(original.get("class_name"))
            params = {key: _plain(v) for key, v in original.items()}
            params["outputs"] = _plain(config.get("outputs"))
            params["weight_specs"] = _plain(config.get("weight_specs") or [])
            if template is not None:
                params["call"] = template
            opaque = True
        elif family is not None and class_name in family_ops(family):
            node_type = family
            op_config = {key: _plain(v) for key, v in config.items() if key != "name"}
            params = {"op": class_name, "config": op_config, "call": template}
            opaque = False
        else:
            spec = get_spec(class_name)
            custom = not str(layer.get("module") or "").startswith("keras") or layer.get(
                "registered_name"
            ) not in (None, class_name)
            if spec is not None and spec.extra.get("studio"):  # the studio's own layers
                custom = layer.get("registered_name") not in (None, f"studio>{class_name}")
            opaque = spec is None or custom or family is not None
            if opaque:
                params = {
                    key: _plain(layer[key])
                    for key in ("module", "class_name", "config", "registered_name", "build_config")
                    if key in layer
                }
                if template is not None and not _is_plain_call(template, len(feeds)):
                    params["call"] = template
                if k == 0:
                    self.messages.append(_opaque_note(layer, name))
            else:
                params = _params(config)
        owner = self.owners.get(owner_key) if k > 0 or self.sharing else None
        if self.sharing and owner is None:
            owner = self.sharing.get(name)
        node_name = name if k == 0 and name not in self.names else self._unique(name)
        nid = self._add_node(node_type, node_name, params, trainable, opaque, group, owner)
        self.owners.setdefault(owner_key, nid)
        for slot, (src, port) in feeds:
            self.edges.append([src, port, nid, slot])
        if obj is not None and owner is None and hasattr(obj, "get_weights"):
            values = obj.get_weights()
            if values:
                self.weights[nid] = [np.array(v, copy=True) for v in values]
        return nid

    def _expand(
        self,
        layer: dict[str, Any],
        name: str,
        k: int,
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
        if clashes and k == 0:
            self.messages.append(
                f"nested model '{name}': layers {sorted(clashes)} renamed "
                "because the outer model uses the same names"
            )
        outer_prefix, outer_sharing = self.prefix, self.sharing
        self.prefix = f"{outer_prefix}{name}/"
        # A second call of the same nested model: its layers share the first expansion's.
        first = self.expansions.get(self.prefix)
        self.sharing = dict(first) if first is not None else None
        before = len(self.nodes)
        try:
            if layer["class_name"] == "Sequential" or "input_layers" not in config:
                _, outputs = self._sequential(config, obj, bound, gid)
            else:
                _, outputs = self._functional(config, obj, bound, gid)
        finally:
            if first is None:
                self.expansions[self.prefix] = {
                    name_: nid
                    for (prefix, name_), nid in self.owners.items()
                    if prefix == self.prefix
                }
            self.prefix, self.sharing = outer_prefix, outer_sharing
        if first is not None:
            self.messages.append(
                f"nested model '{name}' is used again: its layers in block '{gid}' share the "
                "weights of its first use"
            )
        if config.get("trainable") is False:
            for node in self.nodes[before:]:
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
        shares: str | None = None,
    ) -> str:
        nid = f"n{len(self.nodes) + 1}"
        self.names.add(name)
        node = {
            "id": nid,
            "type": type_name,
            "name": name,
            "params": params,
            "trainable": trainable,
            "opaque": opaque,
            "group": group,
        }
        if shares:
            node["shares"] = shares
        self.nodes.append(node)
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
# Call arguments that carry nothing: ``training`` is overridden by the outer model's call (Keras
# passes its own ``training`` to every layer that takes one), a ``mask`` of None is no mask.
_SILENT = ("training",)


def _call_tensors(
    call: Any, layer: dict[str, Any]
) -> tuple[list[tuple[int, list[Any]]], Any, list[str]]:
    """The (input slot, keras_history) pairs of one call, its template (every tensor replaced
    by ``{"__tensor__": slot}``, constants kept) and call arguments we cannot keep."""
    if isinstance(call, list):  # Keras 2 format: [[name, node_index, tensor_index, kwargs]]
        return [(i, list(h[:3])) for i, h in enumerate(call)], None, []
    args = list(call.get("args", []))
    kwargs = {
        k: v
        for k, v in dict(call.get("kwargs", {})).items()
        if k not in _SILENT and not (v is None or (k == "mask" and not list(_histories(v))))
    }
    spec = get_spec(layer["class_name"])
    catalogued = spec is not None and str(layer.get("module") or "").startswith("keras.layers")
    if not catalogued or spec.call == "op":
        histories: list[list[Any]] = []
        template = {"args": _template(args, histories), "kwargs": _template(kwargs, histories)}
        return list(enumerate(histories)), template, []
    slots = [(i, ref) for i, ref in enumerate(_histories(args))]
    style = spec.call
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
        shown = "a tensor" if list(_histories(value)) else repr(value)
        dropped.append(f"{key}={shown}")
    return slots, None, dropped


def _template(value: Any, histories: list[list[Any]]) -> Any:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            histories.append(list(value["config"]["keras_history"]))
            return {TENSOR: len(histories) - 1}
        return {str(k): _template(v, histories) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_template(v, histories) for v in value]
    return _plain(value)


def _is_plain_call(template: Any, n_inputs: int) -> bool:
    """Whether a call is what the default call style does anyway: ``layer(x)`` or
    ``layer([x0, x1, ...])``."""
    if template.get("kwargs"):
        return False
    args = template.get("args", [])
    if n_inputs == 1:
        return args == [{TENSOR: 0}]
    return args == [[{TENSOR: i} for i in range(n_inputs)]]


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


def _resolve(
    calls: dict[tuple[str, int], str | list[Tensor]],
    ref: list[Any],
    offsets: dict[str, int] | None = None,
) -> Tensor:
    name, k, t = ref[0], int(ref[1]), int(ref[2])
    k -= (offsets or {}).get(name, 0)
    try:
        entry = calls[(name, k)]
    except KeyError:
        raise ModelImportError(
            f"layer '{name}' is used before it is defined in the config; the file may be damaged"
        ) from None
    return (entry, t) if isinstance(entry, str) else entry[t]
