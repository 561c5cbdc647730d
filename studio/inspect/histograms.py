"""Value distributions of weights and activations: the quickest check for dead or exploding units."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from studio.inspect.activations import ActivationProbe, Sample


@dataclass(frozen=True)
class Histogram:
    """``counts`` over ``edges`` (len(counts) + 1) plus the summary numbers a view prints.

    ``zero_fraction`` is the share of exact zeros: near 1 after a ReLU means dead units.
    """

    name: str
    counts: np.ndarray
    edges: np.ndarray
    mean: float
    std: float
    min: float
    max: float
    zero_fraction: float
    size: int

    @property
    def centers(self) -> np.ndarray:
        return (self.edges[:-1] + self.edges[1:]) / 2


def histogram(values: np.ndarray, name: str = "", bins: int = 50) -> Histogram:
    """Histogram of all finite values; an empty or all-NaN array gives empty counts."""
    flat = np.asarray(values, dtype="float64").reshape(-1)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return Histogram(name, np.zeros(0, int), np.zeros(1), 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    counts, edges = np.histogram(flat, bins=bins)
    return Histogram(
        name,
        counts,
        edges,
        float(flat.mean()),
        float(flat.std()),
        float(flat.min()),
        float(flat.max()),
        float(np.mean(flat == 0)),
        int(flat.size),
    )


def weight_histograms(layer: keras.Layer, bins: int = 50) -> list[Histogram]:
    """One histogram per weight variable of ``layer`` (kernel, bias, BN statistics...)."""
    return [
        histogram(keras.ops.convert_to_numpy(w), f"{layer.name}/{w.name}", bins)
        for w in layer.weights
    ]


def model_weight_histograms(model: keras.Model, bins: int = 50) -> dict[str, list[Histogram]]:
    """``weight_histograms`` for every layer that has weights, keyed by layer name."""
    return {layer.name: weight_histograms(layer, bins) for layer in model.layers if layer.weights}


def activation_histograms(
    probe: ActivationProbe,
    batch: Sample,
    layer_names: list[str] | None = None,
    bins: int = 50,
) -> dict[str, Histogram]:
    """Histogram of each layer's outputs over a batch of samples (one forward pass)."""
    acts = probe.run(batch)
    names = layer_names or list(acts)
    return {n: histogram(acts[n], n, bins) for n in names if n in acts}
