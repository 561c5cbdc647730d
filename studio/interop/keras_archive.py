"""Reading and writing ``.keras`` archives whose custom classes are not loaded in this session.

Keras refuses a whole ``.keras`` file when one class in it is unknown. So before loading, the
importer looks through the file's ``config.json`` for classes Keras cannot resolve (without
importing any module the file names: resolution is Keras's own registry, Keras's modules and the
custom objects the user loaded). Each layer holding one is rewritten as an ``OpaqueStandIn``
(``studio.catalog.standin``) that keeps the original serialized form, the output shapes recorded
in the file (every tensor a later layer consumes carries its shape) and its weights, moved from
the layer's own part of ``model.weights.h5`` to the stand-in's ``vars/0..n`` with their original
paths remembered. The rewritten archive is then an ordinary file for ``keras.saving.load_model``
in safe mode.

Writing goes the other way (``restore_originals``): after ``model.save``, every stand-in entry in
the config is replaced by the original serialized layer and its weights go back to their original
paths, so the exported file is the one that was imported, loadable wherever the class exists.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
_MODELS = ("Functional", "Sequential", "Model")


def read_config(path: Path) -> dict[str, Any] | None:
    """The archive's model config, or None for a file that is not a zip with one."""
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(CONFIG))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None


def unresolved_classes(config: Any, custom_objects: dict[str, Any] | None = None) -> list[str]:
    """Class names in a serialized config that Keras cannot resolve in this session."""
    found: list[str] = []
    for entry in _serialized_objects(config):
        if not _resolvable(entry, custom_objects or {}):
            found.append(str(entry.get("registered_name") or entry["class_name"]))
    return list(dict.fromkeys(found))


def _serialized_objects(value: Any):
    if isinstance(value, dict):
        if value.get("registered_name") == "studio_opaque>OpaqueStandIn":
            return  # what a stand-in keeps is data, not a class to resolve
        name = value.get("class_name")
        if isinstance(name, str) and "module" in value and not name.startswith("__"):
            yield value
        for v in value.values():
            yield from _serialized_objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _serialized_objects(v)


def _resolvable(entry: dict[str, Any], custom_objects: dict[str, Any]) -> bool:
    from keras.src.saving import serialization_lib

    if entry["class_name"] in ("Lambda", "function"):
        return True  # Keras's own; safe mode decides about their code, not us
    obj_type = "function" if entry["class_name"] == "function" else "class"
    try:
        serialization_lib._retrieve_class_or_fn(
            entry["class_name"],
            entry.get("registered_name"),
            entry.get("module"),
            obj_type=obj_type,
            full_config=entry,
            custom_objects=custom_objects,
        )
    except (TypeError, ValueError):
        return False
    return True


# ----- stand-ins on the way in --------------------------------------------------------------
def with_standins(
    path: Path, custom_objects: dict[str, Any] | None = None
) -> tuple[Path, list[str]] | None:
    """A temporary copy of the archive with every unresolvable layer as a stand-in, and the
    notes to show; None when every class resolves. The caller deletes the copy."""
    import h5py

    config = read_config(path)
    if config is None:
        return None
    unknown = unresolved_classes(config, custom_objects)
    if not unknown:
        return None
    notes: list[str] = []
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = io.BytesIO(members.get(WEIGHTS, b""))
    out_weights = io.BytesIO()
    with h5py.File(out_weights, "w") as dst:
        if members.get(WEIGHTS):
            with h5py.File(weights, "r") as src:
                for key in src:
                    src.copy(src[key], dst, name=key)
        _rewrite_model(config, dst, "", custom_objects or {}, notes)
    members[CONFIG] = json.dumps(config).encode("utf-8")
    members[WEIGHTS] = out_weights.getvalue()
    fd, tmp = tempfile.mkstemp(prefix="studio-standin-", suffix=".keras")
    os.close(fd)
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return Path(tmp), notes


def _rewrite_model(
    model: dict[str, Any], h5: Any, prefix: str, custom: dict[str, Any], notes: list[str]
) -> None:
    config = model.get("config") or {}
    layers = config.get("layers")
    if not isinstance(layers, list):
        return
    shapes = _recorded_shapes(layers)
    before = _container_paths(model, prefix)
    standins = 0
    for k, layer in enumerate(layers):
        name = layer.get("name") or layer.get("config", {}).get("name")
        where = before.get(k, f"{prefix}layers/{name}")
        if not unresolved_classes(layer, custom):
            continue
        if layer.get("class_name") in _MODELS and isinstance(
            layer.get("config", {}).get("layers"), list
        ):
            _rewrite_model(layer, h5, f"{where}/", custom, notes)
            if not unresolved_classes(layer, custom):
                continue
        outputs = shapes.get(name)
        # Keras files a layer's weights under its class's snake-case name (numbered within its
        # model), so the stand-in's weights go where Keras will look for a stand-in's.
        destination = f"{prefix}layers/opaque_stand_in" + (f"_{standins}" if standins else "")
        standins += 1
        specs = _move_weights(h5, where, destination)
        original = {
            key: layer[key]
            for key in ("module", "class_name", "config", "registered_name", "build_config")
            if key in layer
        }
        layers[k] = {
            "module": "studio.catalog.standin",
            "class_name": "OpaqueStandIn",
            "registered_name": "studio_opaque>OpaqueStandIn",
            "config": {
                "name": name,
                "trainable": bool(layer.get("config", {}).get("trainable", True)),
                "original": original,
                "outputs": outputs,
                "weight_specs": specs,
            },
            "name": layer.get("name", name),
            "inbound_nodes": layer.get("inbound_nodes", []),
        }
        if "build_config" in layer:
            layers[k]["build_config"] = layer["build_config"]
        cls = layer.get("registered_name") or layer.get("class_name")
        notes.append(
            f"'{name}' ({cls}) is a custom class that is not loaded: kept as an opaque node "
            f"with its config and {sum(int(np.prod(s['shape'])) for s in specs if 'shape' in s):,} weights; "
            "load its custom objects to run it"
            + ("" if outputs else "; its output shape is not in the file, so its input's is used")
        )


def _recorded_shapes(layers: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per layer, the shapes of its first call's outputs as later layers recorded them."""
    seen: dict[str, dict[int, dict[str, Any]]] = {}
    for layer in layers:
        for call in layer.get("inbound_nodes") or []:
            for tensor in _tensors(call):
                history = tensor.get("keras_history") or []
                if len(history) == 3 and int(history[1]) in (0, 1):
                    seen.setdefault(history[0], {})[int(history[2])] = {
                        "shape": list(tensor.get("shape") or []),
                        "dtype": tensor.get("dtype") or "float32",
                    }
    out: dict[str, list[dict[str, Any]]] = {}
    for name, by_index in seen.items():
        if sorted(by_index) == list(range(len(by_index))):
            out[name] = [by_index[i] for i in range(len(by_index))]
    return out


def _tensors(value: Any):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            yield value.get("config") or {}
        else:
            for v in value.values():
                yield from _tensors(v)
    elif isinstance(value, list):
        for v in value:
            yield from _tensors(v)


def _container_paths(model: dict[str, Any], prefix: str) -> dict[int, str]:
    """Where ``model.weights.h5`` keeps each layer of a model config (by its index in
    ``config.layers``): Keras names them by class in snake case, numbered per name
    (``dense``, ``dense_1``), over ``model.layers`` (operations are not layers; a Sequential's
    ``layers`` leaves out its InputLayer)."""
    from keras.src.utils.naming import to_snake_case

    config = model.get("config") or {}
    sequential = model.get("class_name") == "Sequential"
    used: dict[str, int] = {}
    out: dict[int, str] = {}
    for k, layer in enumerate(config.get("layers") or []):
        if str(layer.get("module") or "").startswith("keras.src.ops"):
            continue
        if sequential and layer.get("class_name") == "InputLayer":
            continue
        name = to_snake_case(str(layer.get("class_name")))
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        out[k] = f"{prefix}layers/{name}"
    return out


def _move_weights(h5: Any, where: str, destination: str) -> list[dict[str, Any]]:
    """Move the datasets under ``where`` to ``destination/vars/0..n``; returns their original
    paths (relative to ``where``)."""
    if where not in h5:
        return []
    found: list[tuple[str, np.ndarray]] = []

    def visit(name: str, obj: Any) -> None:
        if hasattr(obj, "shape") and hasattr(obj, "dtype"):
            found.append((name, np.array(obj)))

    h5[where].visititems(visit)
    groups: list[str] = []

    def visit_group(name: str) -> None:
        if not hasattr(h5[where][name], "shape"):
            groups.append(name)

    h5[where].visit(visit_group)
    del h5[where]
    group = h5.require_group(f"{destination}/vars")
    for i, (_, value) in enumerate(found):
        group.create_dataset(str(i), data=value)
    return [
        {"path": name, "shape": list(value.shape), "dtype": str(value.dtype)}
        for name, value in found
    ] + [{"group": name} for name in groups]


# ----- originals on the way out -------------------------------------------------------------
def restore_originals(path: Path) -> bool:
    """Rewrite a saved archive so stand-ins are their original layers again (in place, via a
    temporary file and rename). Returns whether there was anything to restore."""
    import h5py

    config = read_config(path)
    if config is None or '"studio_opaque>OpaqueStandIn"' not in json.dumps(config):
        return False
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    out_weights = io.BytesIO()
    with h5py.File(out_weights, "w") as dst:
        with h5py.File(io.BytesIO(members[WEIGHTS]), "r") as src:
            for key in src:
                src.copy(src[key], dst, name=key)
        _restore_model(config, dst, "")
    members[CONFIG] = json.dumps(config).encode("utf-8")
    members[WEIGHTS] = out_weights.getvalue()
    tmp = path.with_name(f".{path.name}.restore.tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    os.replace(tmp, path)
    return True


def _restore_model(model: dict[str, Any], h5: Any, prefix: str) -> None:
    layers = (model.get("config") or {}).get("layers")
    if not isinstance(layers, list):
        return
    now = _container_paths(model, prefix)
    moved: list[tuple[int, dict[str, Any], list[np.ndarray]]] = []
    for k, layer in enumerate(layers):
        where = now.get(k)
        if layer.get("registered_name") != "studio_opaque>OpaqueStandIn":
            if layer.get("class_name") in _MODELS and where:
                _restore_model(layer, h5, f"{where}/")
            continue
        values: list[np.ndarray] = []
        if where and f"{where}/vars" in h5:
            group = h5[f"{where}/vars"]
            values = [np.array(group[str(i)]) for i in range(len(group))]
        if where and where in h5:
            del h5[where]
        moved.append((k, layer, values))
    for k, layer, _ in moved:
        name = layer.get("name") or layer["config"].get("name")
        original = dict(layer["config"]["original"])
        original["config"] = {**original.get("config", {})}
        if "name" in original["config"]:
            original["config"]["name"] = name
        layers[k] = {**original, "name": layer.get("name", name)}
        layers[k]["inbound_nodes"] = layer.get("inbound_nodes", [])
    after = _container_paths(model, prefix)
    for k, layer, values in moved:
        where = after[k]
        config = layer["config"]
        h5.require_group(f"{where}/vars")
        specs = config.get("weight_specs") or []
        for spec in specs:
            if "group" in spec:
                h5.require_group(f"{where}/{spec['group']}")
        for spec, value in zip([s for s in specs if "path" in s], values):
            h5.create_dataset(f"{where}/{spec['path']}", data=value)


def remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        log.debug("could not remove %s", path, exc_info=True)
