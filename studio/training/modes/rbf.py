"""The ``rbf`` training mode: place every RBF layer's centres by k-means on the data that layer
sees, set each width from its cluster's spread, then train the whole network with ``fit``
(the two-stage RBF network: unsupervised centres, supervised output layer and widths)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.layers.rbf import RBF
from studio.training.modes import register_mode
from studio.training.modes.session import (
    ModeSession,
    layer_inputs,
    positive,
    read_options,
    required_layers,
    training_part,
)
from studio.training.settings import TrainingError, TrainingSettings, compile_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RBFOptions:
    kmeans_init: bool = True  # False: keep the current centres (e.g. to continue training)
    width_scale: float = 1.0  # each width = width_scale × its cluster's RMS radius
    kmeans_restarts: int = 4

    def validate(self) -> None:
        positive("width_scale", self.width_scale, "rbf")
        positive("kmeans_restarts", self.kmeans_restarts, "rbf")


def kmeans_centres(
    features: np.ndarray, units: int, seed: int = 0, restarts: int = 4, width_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """``units`` k-means centres of ``features`` and a width per centre.

    A centre's width is the RMS distance of its members to it; a centre with a single member
    (radius 0) takes half the distance to its nearest neighbour centre instead, so no unit
    collapses to a spike that answers only one training point.
    """
    from sklearn.cluster import KMeans

    features = features.reshape(len(features), -1)
    if len(features) < units:
        raise TrainingError(
            f"k-means needs at least as many samples as RBF units; {len(features)} samples "
            f"for units={units}"
        )
    km = KMeans(n_clusters=units, n_init=restarts, random_state=seed).fit(features)
    centres = km.cluster_centers_.astype("float32")
    labels = km.labels_
    widths = np.zeros(units, dtype="float32")
    for j in range(units):
        members = features[labels == j]
        if len(members) > 1:
            widths[j] = np.sqrt(np.mean(np.sum((members - centres[j]) ** 2, axis=1)))
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    nearest = gaps.min(axis=1) if units > 1 else np.ones(1)
    widths = np.where(widths > 1e-6, widths, 0.5 * nearest)
    widths = np.where(np.isfinite(widths) & (widths > 1e-6), widths, 1.0)
    return centres, (widths * width_scale).astype("float32")


class RBFMode:
    name = "rbf"
    options_type = RBFOptions
    title = "RBF network: k-means centres, then fit"
    checks_targets = True

    def run(
        self, model: keras.Model, dataset: Dataset, settings: TrainingSettings, session: ModeSession
    ) -> str:
        options = read_options(RBFOptions, settings)
        layers = required_layers(model, RBF, "rbf", " or choose the supervised mode")
        compile_model(model, settings)
        session.plan(settings.epochs)
        placed = 0
        if options.kmeans_init:
            x = training_part(dataset, settings)
            for layer in layers:
                features = layer_inputs(model, layer, x)
                centres, widths = kmeans_centres(
                    features, layer.units, settings.seed or 0, options.kmeans_restarts,
                    options.width_scale,
                )  # fmt: skip
                layer.set_centers(centres, widths)
                placed += layer.units
                log.debug("RBF %s: k-means widths %s", layer.name, widths)
        session.fit(model, dataset, settings)
        return f"k-means placed {placed} centres." if placed else ""


register_mode(RBFMode())
