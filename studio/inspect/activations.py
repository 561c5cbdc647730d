"""Layer outputs for one sample, fast enough to follow the user clicking through layers.

One sub-model returning every layer's output is built once per model and called directly
(``submodel(x, training=False)``): ``Model.predict`` spends far longer setting up its data
pipeline than a small CNN spends computing. All outputs of a sample are kept together, so
switching layers for the same sample costs nothing.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import keras
import numpy as np

MapsKind = Literal["maps", "sequence", "vector"]
Sample = np.ndarray | list[np.ndarray]


@dataclass(frozen=True)
class FeatureMaps:
    """One layer's output for one sample, shaped for display.

    ``kind`` says how to draw ``data``: ``"maps"`` is ``(C, H, W)``, one image per channel;
    ``"sequence"`` is ``(T, C)``, lines or a heat map over time; ``"vector"`` is ``(N,)``.
    ``raw_shape`` is the layer's output shape without the batch axis; ``note`` says what was
    reduced to get here (e.g. the middle depth slice of a 3-D volume).
    """

    layer_name: str
    kind: MapsKind
    data: np.ndarray
    raw_shape: tuple[int, ...]
    note: str = ""

    @property
    def count(self) -> int:
        """Number of separate maps (channels) or values the view will show."""
        if self.kind == "maps":
            return int(self.data.shape[0])
        if self.kind == "sequence":
            return int(self.data.shape[1])
        return int(self.data.shape[0])


def as_functional(model: keras.Model) -> keras.Model:
    """The model as a functional graph, so its layers' symbolic outputs can be reused.

    A Sequential model is rewrapped (sharing layers and weights); an unbuilt model is an
    error the caller shows, since it has no graph to probe yet.
    """
    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"Model {model.name!r} has no graph yet; build it first.") from exc
    if not inputs:
        raise ValueError(f"Model {model.name!r} has no inputs yet; build it first.")
    if isinstance(model, keras.Sequential):
        return keras.Model(inputs, outputs, name=model.name)
    return model


def input_shapes(model: keras.Model) -> list[tuple[int | None, ...]]:
    """Shapes of the model's inputs, batch axis included."""
    return [tuple(t.shape) for t in as_functional(model).inputs]


def as_batch(model: keras.Model, sample: Sample) -> list[np.ndarray]:
    """One sample (no batch axis) or a batch, as a list of float32 batches per model input."""
    samples = sample if isinstance(sample, (list, tuple)) else [sample]
    shapes = input_shapes(model)
    if len(samples) != len(shapes):
        raise ValueError(f"Model expects {len(shapes)} inputs; received {len(samples)} arrays.")
    batches = []
    for arr, shape in zip(samples, shapes, strict=True):
        arr = np.asarray(arr, dtype="float32")
        if arr.ndim == len(shape) - 1:
            arr = arr[None]
        if arr.ndim != len(shape):
            raise ValueError(
                f"Sample shape {arr.shape} does not fit model input shape {shape[1:]}."
            )
        batches.append(arr)
    return batches


def feed(model: keras.Model, batches: list[np.ndarray]):
    """``batches`` in the structure ``model`` was built with: one array or a list of them.

    Keras warns (and may one day fail) when a single-input model gets a one-item list.
    """
    struct = getattr(model, "_inputs_struct", None)
    if len(batches) == 1 and struct is not None and not isinstance(struct, (list, tuple)):
        return batches[0]
    return batches


def _sample_key(batches: list[np.ndarray]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for arr in batches:
        digest.update(str((arr.shape, arr.dtype.str)).encode())
        digest.update(np.ascontiguousarray(arr).tobytes())
    return digest.hexdigest()


def _first_output(layer: keras.Layer):
    out = layer.output
    return out[0] if isinstance(out, (list, tuple)) else out


def to_feature_maps(layer_name: str, activation: np.ndarray) -> FeatureMaps:
    """Shape one sample's activation (no batch axis) for display; channels-last assumed."""
    a = np.asarray(activation, dtype="float32")
    raw = tuple(a.shape)
    if a.ndim == 3:
        return FeatureMaps(layer_name, "maps", np.moveaxis(a, -1, 0), raw)
    if a.ndim == 2:
        return FeatureMaps(layer_name, "sequence", a, raw)
    if a.ndim == 4:
        mid = a.shape[0] // 2
        return FeatureMaps(
            layer_name,
            "maps",
            np.moveaxis(a[mid], -1, 0),
            raw,
            note=f"middle depth slice {mid} of {a.shape[0]}",
        )
    flat = a.reshape(-1)
    note = "" if a.ndim <= 1 else f"flattened from {raw}"
    return FeatureMaps(layer_name, "vector", flat, raw, note=note)


class ActivationProbe:
    """Every layer's output for a sample, from one lazily built sub-model.

    The sub-model shares the model's variables, so training does not invalidate it; bump
    ``weights_version`` (or call ``invalidate``) after weights change so cached activations
    are recomputed. ``build_count`` lets tests and benchmarks check the sub-model is built once.
    """

    def __init__(self, model: keras.Model, max_cached_samples: int = 32) -> None:
        self.model = model
        self.max_cached_samples = max_cached_samples
        self.weights_version = 0
        self.build_count = 0
        self._submodel: keras.Model | None = None
        self._names: list[str] = []
        self._cache: OrderedDict[tuple[int, str], dict[str, np.ndarray]] = OrderedDict()

    @property
    def layer_names(self) -> list[str]:
        """Layers whose output can be probed, in graph order (inputs excluded)."""
        self._ensure_submodel()
        return list(self._names)

    def invalidate(self) -> None:
        """Forget cached activations, e.g. after training changed the weights."""
        self.weights_version += 1
        self._cache.clear()

    def _ensure_submodel(self) -> keras.Model:
        if self._submodel is None:
            functional = as_functional(self.model)
            names, outputs = [], []
            for layer in functional.layers:
                if isinstance(layer, keras.layers.InputLayer):
                    continue
                try:
                    outputs.append(_first_output(layer))
                except (AttributeError, ValueError, RuntimeError):
                    continue  # never called in this graph: nothing to show
                names.append(layer.name)
            if not outputs:
                raise ValueError(f"Model {self.model.name!r} has no layers to probe.")
            self._submodel = keras.Model(functional.inputs, outputs, name="activation_probe")
            self._names = names
            self.build_count += 1
        return self._submodel

    def run(self, batch: Sample) -> dict[str, np.ndarray]:
        """All layer outputs for a batch (batch axis kept), without caching."""
        submodel = self._ensure_submodel()
        batches = as_batch(self.model, batch)
        outs = submodel(batches, training=False)
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        return {n: keras.ops.convert_to_numpy(o) for n, o in zip(self._names, outs, strict=True)}

    def activations(self, sample: Sample) -> dict[str, np.ndarray]:
        """All layer outputs for one sample (batch axis dropped), cached per sample."""
        batches = as_batch(self.model, sample)
        key = (self.weights_version, _sample_key(batches))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        result = {n: a[0] for n, a in self.run(batches).items()}
        self._cache[key] = result
        while len(self._cache) > self.max_cached_samples:
            self._cache.popitem(last=False)
        return result

    def maps(self, layer_name: str, sample: Sample) -> FeatureMaps:
        """``layer_name``'s output for one sample, shaped for display."""
        acts = self.activations(sample)
        if layer_name not in acts:
            raise KeyError(f"Layer {layer_name!r} is not in model {self.model.name!r}.")
        return to_feature_maps(layer_name, acts[layer_name])


_PROBES: weakref.WeakKeyDictionary[keras.Model, ActivationProbe] = weakref.WeakKeyDictionary()


def probe_for(model: keras.Model) -> ActivationProbe:
    """The shared probe of ``model``, so every view reuses one sub-model and one cache."""
    probe = _PROBES.get(model)
    if probe is None:
        probe = ActivationProbe(model)
        _PROBES[model] = probe
    return probe
