"""Radial-basis-function units: one Gaussian bump per centre, the classic RBF network's hidden
layer. Centres are ordinary weights, so a supervised fit moves them too; the ``rbf`` training
mode first places them by k-means on the data the layer sees (``set_centers``)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from studio.layers.registry import studio_layer

CATEGORY = "Classic networks"
_EPSILON = 1e-6


@studio_layer(
    CATEGORY,
    help="Gaussian radial basis units exp(-‖x − c‖² / 2σ²): one centre c and width σ per unit. "
    "The rbf training mode places the centres by k-means; widths are learned.",
    key_params=("units",),
)
class RBF(keras.layers.Layer):
    """Gaussian radial basis units over the last axis of the input.

    ``units`` centres (weight ``centers``, shape ``(units, features)``) and one width each
    (weight ``widths``, kept non-negative). ``trainable_centers=False`` keeps k-means centres
    fixed while the widths and the next layer learn, the textbook two-stage RBF network.
    """

    def __init__(
        self,
        units: int = 10,
        initial_width: float = 1.0,
        trainable_centers: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"`units` must be a positive integer; received units={units!r}")
        if not float(initial_width) > 0:
            raise ValueError(
                f"`initial_width` must be greater than 0; received initial_width={initial_width!r}"
            )
        self.units = units
        self.initial_width = float(initial_width)
        self.trainable_centers = bool(trainable_centers)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError("RBF needs a known number of input features (last axis).")
        self.centers = self.add_weight(
            name="centers",
            shape=(self.units, features),
            initializer=keras.initializers.RandomUniform(-1.0, 1.0),
            trainable=self.trainable_centers,
        )
        self.widths = self.add_weight(
            name="widths",
            shape=(self.units,),
            initializer=keras.initializers.Constant(self.initial_width),
            constraint=keras.constraints.NonNeg(),
        )

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.compute_dtype)
        # ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖², without an (n, units, features) intermediate.
        sq = (
            ops.sum(ops.square(x), axis=-1, keepdims=True)
            - 2.0 * ops.matmul(x, ops.transpose(self.centers))
            + ops.sum(ops.square(self.centers), axis=-1)
        )
        sq = ops.maximum(sq, 0.0)
        return ops.exp(-sq / (2.0 * ops.square(self.widths) + _EPSILON))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], self.units)

    def set_centers(self, centers: np.ndarray, widths: np.ndarray | None = None) -> None:
        """Put centres (and optionally widths) found outside gradient descent, e.g. by k-means."""
        centers = np.asarray(centers, dtype="float32")
        if centers.shape != tuple(self.centers.shape):
            raise ValueError(
                f"RBF '{self.name}': centres must have shape {tuple(self.centers.shape)}; "
                f"received {centers.shape}"
            )
        self.centers.assign(centers)
        if widths is not None:
            self.widths.assign(np.asarray(widths, dtype="float32").reshape(self.units))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "initial_width": self.initial_width,
            "trainable_centers": self.trainable_centers,
        }
