"""The ``som`` training mode: Kohonen's competitive learning for every SelfOrganizingMap layer.

Each sample pulls its best-matching unit, and that unit's grid neighbours (a Gaussian of
radius ``sigma``), towards itself by ``learning_rate``; both shrink exponentially from their
start to their end value over the run, so the map first orders itself globally and then
fine-tunes locally. No gradients are involved. After every epoch the map is scored on the
training (and validation) data:

* quantisation error: mean distance from a sample to its best-matching unit's prototype;
* topographic error: share of samples whose best and second-best units are not grid
  neighbours (the 8 cells around, diagonals included), i.e. where the map folds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.layers.som import SelfOrganizingMap
from studio.training.modes import register_mode
from studio.training.modes.session import (
    ModeSession,
    layer_inputs,
    layers_of,
    positive,
    read_options,
    required_layers,
    training_part,
)
from studio.training.settings import TrainingError, TrainingSettings

INITS = ("pca", "samples")


@dataclass(frozen=True)
class SOMOptions:
    learning_rate: float = 0.5
    final_learning_rate: float = 0.01
    sigma: float = 0.0  # starting neighbourhood radius in grid cells; 0: half the larger side
    final_sigma: float = 0.5
    init: str = "pca"  # "pca": the plane of the two main components; "samples": random rows

    def validate(self) -> None:
        for name in ("learning_rate", "final_learning_rate", "final_sigma"):
            positive(name, getattr(self, name), "som")
        if self.sigma < 0:
            raise TrainingError(f"Option 'sigma' of training mode 'som' must be 0 or more; "
                                f"received sigma={self.sigma!r}")  # fmt: skip
        if self.init not in INITS:
            raise TrainingError(
                f"Option 'init' of training mode 'som' must be one of {INITS}; "
                f"received init={self.init!r}"
            )


def grid_of(rows: int, columns: int) -> np.ndarray:
    """``(rows*columns, 2)`` grid coordinates, row-major like the layer's prototypes."""
    return (
        np.stack(np.meshgrid(np.arange(rows), np.arange(columns), indexing="ij"), -1)
        .reshape(-1, 2)
        .astype("float32")
    )


def initial_prototypes(
    features: np.ndarray, rows: int, columns: int, init: str, rng: np.random.Generator
) -> np.ndarray:
    if init == "samples" or len(features) < 3:
        return features[rng.integers(0, len(features), rows * columns)].copy()
    mean = features.mean(axis=0)
    _, s, vt = np.linalg.svd(features - mean, full_matrices=False)
    spread = s[:2] / math.sqrt(len(features))
    axes = vt[:2] * spread[:, None] if len(spread) == 2 else np.zeros((2, features.shape[1]))
    grid = grid_of(rows, columns)
    scale = np.array([max(rows - 1, 1), max(columns - 1, 1)], dtype="float32")
    unit = (grid / scale - 0.5) * 4.0  # two standard deviations either side
    return (mean + unit[:, :1] * axes[0] + unit[:, 1:] * axes[1]).astype("float32")


def _squared_distances(x: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    sq = (
        np.sum(x * x, axis=1, keepdims=True)
        - 2.0 * x @ prototypes.T
        + np.sum(prototypes * prototypes, axis=1)
    )
    return np.maximum(sq, 0.0)


def best_units(x: np.ndarray, prototypes: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """``(n, 2)`` indices of each sample's best and second-best unit."""
    out = []
    for start in range(0, len(x), chunk):
        d = _squared_distances(x[start : start + chunk], prototypes)
        out.append(np.argsort(d, axis=1)[:, :2] if d.shape[1] > 1 else np.zeros((len(d), 2), int))
    return np.concatenate(out) if out else np.zeros((0, 2), int)


def quantization_error(x: np.ndarray, prototypes: np.ndarray) -> float:
    best = best_units(x, prototypes)[:, 0]
    return float(np.mean(np.linalg.norm(x - prototypes[best], axis=1)))


def topographic_error(x: np.ndarray, prototypes: np.ndarray, grid: np.ndarray) -> float:
    if len(prototypes) < 2:
        return 0.0
    pairs = best_units(x, prototypes)
    apart = np.abs(grid[pairs[:, 0]] - grid[pairs[:, 1]]).max(axis=1)
    return float(np.mean(apart > 1))


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1]).astype("float32")


class SOMMode:
    name = "som"
    options_type = SOMOptions
    title = "self-organising map: competitive learning"
    checks_targets = False  # labels, if any, are only for looking at the map afterwards

    def run(
        self, model: keras.Model, dataset: Dataset, settings: TrainingSettings, session: ModeSession
    ) -> str:
        options = read_options(SOMOptions, settings)
        layers = required_layers(model, SelfOrganizingMap, "som")
        session.plan(settings.epochs * len(layers))
        rng = np.random.default_rng(settings.seed)
        x_train = training_part(dataset, settings)
        for layer in layers:
            self._train_layer(model, layer, dataset, x_train, settings, options, session, rng)
            if session.stop_requested:
                break
        return ""

    def _train_layer(
        self,
        model: keras.Model,
        layer: SelfOrganizingMap,
        dataset: Dataset,
        x_train: np.ndarray,
        settings: TrainingSettings,
        options: SOMOptions,
        session: ModeSession,
        rng: np.random.Generator,
    ) -> None:
        features = _flat(layer_inputs(model, layer, x_train))
        val = (
            _flat(layer_inputs(model, layer, dataset.x_val)) if dataset.x_val is not None else None
        )
        grid = grid_of(layer.rows, layer.columns)
        prototypes = initial_prototypes(features, layer.rows, layer.columns, options.init, rng)
        sigma0 = options.sigma or max(layer.rows, layer.columns) / 2.0
        sigma1 = min(options.final_sigma, sigma0)
        lr0, lr1 = options.learning_rate, min(options.final_learning_rate, options.learning_rate)
        n = len(features)
        total = max(1, settings.epochs * n - 1)
        batch = settings.batch_size
        batches = max(1, math.ceil(n / batch))
        prefix = "" if len(layers_of(model, SelfOrganizingMap)) == 1 else f"{layer.name}_"
        t = 0
        for _ in range(settings.epochs):
            session.start_epoch(batches)
            order = rng.permutation(n) if settings.shuffle else np.arange(n)
            for b in range(batches):
                for i in order[b * batch : (b + 1) * batch]:
                    fraction = t / total
                    sigma = sigma0 * (sigma1 / sigma0) ** fraction
                    lr = lr0 * (lr1 / lr0) ** fraction
                    sample = features[i]
                    diff = sample - prototypes
                    bmu = int(np.argmin(np.einsum("ij,ij->i", diff, diff)))
                    reach = np.sum((grid - grid[bmu]) ** 2, axis=1)
                    pull = lr * np.exp(-reach / (2.0 * sigma * sigma))
                    prototypes += pull[:, None] * diff
                    t += 1
                if not session.step(b + 1):
                    break
            metrics = {
                f"{prefix}quantization_error": quantization_error(features, prototypes),
                f"{prefix}topographic_error": topographic_error(features, prototypes, grid),
            }
            if val is not None and len(val):
                metrics[f"val_{prefix}quantization_error"] = quantization_error(val, prototypes)
                metrics[f"val_{prefix}topographic_error"] = topographic_error(val, prototypes, grid)
            layer.prototypes.assign(prototypes)
            session.end_epoch(metrics, n)
            if session.stop_requested:
                break


register_mode(SOMMode())
