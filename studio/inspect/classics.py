"""What the classic networks' views draw, computed without Qt: an RBF layer's centres over
the data, a self-organising map's U-matrix, hit map and component planes, an RBM's filters as
images, and which of these a model has.

Each function takes the model, a layer name and (where the picture involves data) the
dataset, and returns plain numpy arrays in a frozen record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.inspect.evaluation import split_arrays
from studio.layers.rbf import RBF
from studio.layers.rbm import RBM
from studio.layers.som import SelfOrganizingMap
from studio.training.modes.session import layer_inputs


def _numpy(variable) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(variable), dtype="float32")


MAX_POINTS = 2000  # enough to see the data's shape; keeps a refresh well under a second


@dataclass(frozen=True)
class ClassicItem:
    """One picture the Classic view can show: ``kind`` is rbf, som, rbm or policy."""

    kind: str
    layer: str | None
    title: str


def classic_items(model: keras.Model | None, dataset: Dataset | None) -> list[ClassicItem]:
    """Every classic-network picture this model offers, in layer order."""
    if model is None:
        return []
    items = []
    for layer in model.layers:
        if isinstance(layer, RBF):
            items.append(ClassicItem("rbf", layer.name, f"RBF centres: {layer.name}"))
        elif isinstance(layer, SelfOrganizingMap):
            items.append(ClassicItem("som", layer.name, f"SOM maps: {layer.name}"))
        elif isinstance(layer, RBM):
            items.append(ClassicItem("rbm", layer.name, f"RBM filters: {layer.name}"))
    environment = (dataset.metadata or {}).get("environment") if dataset is not None else None
    if environment and len(model.inputs) == 1 and len(model.outputs) == 1:
        items.append(ClassicItem("policy", None, f"Policy: an episode of {environment}"))
    return items


def _sample(x: np.ndarray, y: np.ndarray | None, limit: int = MAX_POINTS):
    if len(x) <= limit:
        return x, y
    keep = np.random.default_rng(0).choice(len(x), limit, replace=False)
    return x[keep], (None if y is None else y[keep])


def _labels(dataset: Dataset, y) -> np.ndarray | None:
    if dataset.class_names and not isinstance(y, list):
        labels = np.asarray(y).reshape(len(y), -1)
        return labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0].astype(int)
    return None


def _pca_basis(features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, (d, 2) orthonormal basis of the two main components, and their variance share."""
    mean = features.mean(axis=0)
    _, s, vt = np.linalg.svd(features - mean, full_matrices=False)
    basis = vt[:2].T
    if basis.shape[1] < 2:  # one feature: pad with a zero axis
        basis = np.concatenate([basis, np.zeros((basis.shape[0], 2 - basis.shape[1]))], axis=1)
    share = (s[:2] ** 2) / max(float(np.sum(s**2)), 1e-12)
    return mean, basis, share


@dataclass(frozen=True)
class RBFPicture:
    """Data points and centres in one plane.

    For one input feature the plane is (x, target) and ``curve`` is the model's prediction
    over x; otherwise it is the first two principal components of what the layer sees, with
    ``labels`` colouring classes. ``widths`` are in the plane's units (a projection keeps
    distances along it).
    """

    layer: str
    points: np.ndarray
    labels: np.ndarray | None
    centres: np.ndarray
    widths: np.ndarray
    axes: tuple[str, str]
    curve: tuple[np.ndarray, np.ndarray] | None = None


def rbf_picture(model: keras.Model, layer_name: str, dataset: Dataset) -> RBFPicture:
    layer = model.get_layer(layer_name)
    x, y, _ = split_arrays(dataset, "train")
    x, y = _sample(np.asarray(x), None if isinstance(y, list) else np.asarray(y))
    features = layer_inputs(model, layer, x).reshape(len(x), -1)
    centres = _numpy(layer.centers)
    widths = np.abs(_numpy(layer.widths))
    single_output = len(model.outputs) == 1 and int(np.prod(model.outputs[0].shape[1:])) == 1
    if features.shape[1] == 1 and y is not None and single_output and dataset.class_names is None:
        lo, hi = float(features.min()), float(features.max())
        grid = np.linspace(lo, hi, 200, dtype="float32")[:, None]
        curve = None
        if layer.input is model.inputs[0]:
            curve = (grid[:, 0], np.asarray(model.predict(grid, verbose=0)).reshape(-1))
        at = np.interp(centres[:, 0], curve[0], curve[1]) if curve else np.zeros(len(centres))
        return RBFPicture(
            layer_name,
            np.stack([features[:, 0], np.asarray(y).reshape(-1)], axis=1),
            None,
            np.stack([centres[:, 0], at], axis=1),
            widths,
            ("input", "target"),
            curve,
        )
    mean, basis, share = _pca_basis(features)
    return RBFPicture(
        layer_name,
        (features - mean) @ basis,
        _labels(dataset, y),
        (centres - mean) @ basis,
        widths,
        (f"PC 1 ({share[0]:.0%})", f"PC 2 ({share[1] if len(share) > 1 else 0:.0%})"),
    )


@dataclass(frozen=True)
class SOMMaps:
    """A trained map seen three ways; every grid is ``(rows, columns)``.

    ``u_matrix``: mean distance from each unit's prototype to its 4 grid neighbours' (high
    ridges separate clusters). ``hits``: samples won by each unit; ``hit_labels``: the
    commonest class among them (-1 for none or no classes). ``planes``: one grid per input
    feature, the prototypes' value of that feature. ``prototype_images``: the prototypes as
    images when the map sees a model input image pixel for pixel, else None.
    """

    layer: str
    u_matrix: np.ndarray
    hits: np.ndarray
    hit_labels: np.ndarray
    planes: np.ndarray
    feature_names: list[str]
    class_names: list[str] | None
    prototype_images: np.ndarray | None


def u_matrix(prototypes: np.ndarray, rows: int, columns: int) -> np.ndarray:
    grid = prototypes.reshape(rows, columns, -1)
    total = np.zeros((rows, columns))
    count = np.zeros((rows, columns))
    for dr, dc in ((0, 1), (1, 0)):
        a = grid[: rows - dr, : columns - dc]
        b = grid[dr:, dc:]
        d = np.linalg.norm(a - b, axis=-1)
        total[: rows - dr, : columns - dc] += d
        count[: rows - dr, : columns - dc] += 1
        total[dr:, dc:] += d
        count[dr:, dc:] += 1
    return total / np.maximum(count, 1)


def som_maps(model: keras.Model, layer_name: str, dataset: Dataset) -> SOMMaps:
    from studio.training.modes.som import best_units

    layer = model.get_layer(layer_name)
    rows, columns = layer.rows, layer.columns
    prototypes = _numpy(layer.prototypes)
    x, y, _ = split_arrays(dataset, "train")
    x = np.asarray(x)
    features = layer_inputs(model, layer, x).reshape(len(x), -1)
    winners = best_units(features, prototypes)[:, 0]
    hits = np.bincount(winners, minlength=rows * columns).reshape(rows, columns)
    labels = _labels(dataset, y)
    hit_labels = np.full(rows * columns, -1)
    if labels is not None:
        for unit in np.unique(winners):
            hit_labels[unit] = int(np.bincount(labels[winners == unit]).argmax())
    names = list((dataset.metadata or {}).get("feature_names") or [])
    if len(names) != prototypes.shape[1]:
        names = [f"feature {i}" for i in range(prototypes.shape[1])]
    image_shape = tuple(model.inputs[0].shape[1:])
    images = None
    if len(image_shape) == 3 and math.prod(image_shape) == prototypes.shape[1]:
        images = prototypes.reshape(-1, *image_shape)[..., 0]
    return SOMMaps(
        layer_name,
        u_matrix(prototypes, rows, columns),
        hits,
        hit_labels.reshape(rows, columns),
        prototypes.T.reshape(-1, rows, columns),
        names,
        dataset.class_names,
        images,
    )


@dataclass(frozen=True)
class RBMFilters:
    """One image per hidden unit: its weights to the visible units, drawn in input space.

    An RBM stacked on other RBMs sees their hidden units, not pixels; its filters are shown
    through the RBMs below (the product of their kernels), the usual way to picture what a
    deep belief network's upper layers respond to. ``through`` names those layers.
    """

    layer: str
    images: np.ndarray
    through: list[str]


def _feeding_rbm(layer: keras.layers.Layer) -> RBM | None:
    source = layer.input
    history = getattr(source, "_keras_history", None)
    below = history[0] if history else None
    return below if isinstance(below, RBM) else None


def rbm_filters(model: keras.Model, layer_name: str, limit: int = 144) -> RBMFilters:
    layer = model.get_layer(layer_name)
    kernel = _numpy(layer.kernel)[:, :limit]
    through = []
    below = _feeding_rbm(layer)
    while below is not None:
        kernel = _numpy(below.kernel) @ kernel
        through.append(below.name)
        below = _feeding_rbm(below)
    visible = kernel.shape[0]
    image_shape = tuple(model.inputs[0].shape[1:])
    if len(image_shape) >= 2 and math.prod(image_shape) == visible:
        h, w = image_shape[0], image_shape[1]
        channels = visible // (h * w)
        images = kernel.T.reshape(-1, h, w, channels).mean(axis=-1)
    else:
        side = math.isqrt(visible)
        h, w = (side, visible // side) if side * (visible // side) == visible else (1, visible)
        images = kernel.T.reshape(-1, h, w)
    return RBMFilters(layer_name, images, through)
