"""The self-organising map as a layer: a grid of prototype vectors; each input goes to the
grid position of its best-matching unit. The prototypes are not trained by gradient descent
(they are non-trainable weights); the ``som`` training mode moves them by competitive learning
with a shrinking neighbourhood (``studio.training.modes.som``)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from studio.layers.registry import studio_layer

CATEGORY = "Classic networks"
OUTPUT_MODES = ("coordinates", "distances")


@studio_layer(
    CATEGORY,
    help="Self-organising map: a rows × columns grid of prototypes; outputs the grid position "
    "of each input's best-matching unit (or the distance to every unit). Trained by the som "
    "mode's competitive learning, not by gradients.",
    key_params=("rows", "columns"),
)
class SelfOrganizingMap(keras.layers.Layer):
    """A Kohonen map over the last input axis.

    ``output_mode="coordinates"`` gives ``(row, column)`` of the best-matching unit as floats,
    a 2-D embedding of the data; ``"distances"`` gives the Euclidean distance to each of the
    ``rows * columns`` units (row-major), e.g. to feed a classifier.
    """

    def __init__(
        self,
        rows: int = 10,
        columns: int = 10,
        output_mode: str = "coordinates",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value in (("rows", rows), ("columns", columns)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer; received {name}={value!r}")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(
                f"`output_mode` must be one of {OUTPUT_MODES}; received output_mode={output_mode!r}"
            )
        self.rows = rows
        self.columns = columns
        self.output_mode = output_mode

    @property
    def units(self) -> int:
        return self.rows * self.columns

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError("SelfOrganizingMap needs a known number of input features.")
        self.prototypes = self.add_weight(
            name="prototypes",
            shape=(self.units, features),
            initializer=keras.initializers.RandomUniform(-0.1, 0.1),
            trainable=False,
        )
        grid = np.stack(
            np.meshgrid(np.arange(self.rows), np.arange(self.columns), indexing="ij"), -1
        ).reshape(-1, 2)
        self._grid = grid.astype("float32")

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.compute_dtype)
        sq = (
            ops.sum(ops.square(x), axis=-1, keepdims=True)
            - 2.0 * ops.matmul(x, ops.transpose(self.prototypes))
            + ops.sum(ops.square(self.prototypes), axis=-1)
        )
        distances = ops.sqrt(ops.maximum(sq, 0.0))
        if self.output_mode == "distances":
            return distances
        best = ops.argmin(distances, axis=-1)
        return ops.take(ops.convert_to_tensor(self._grid, dtype=self.compute_dtype), best, axis=0)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        last = self.units if self.output_mode == "distances" else 2
        return (*input_shape[:-1], last)

    def grid_positions(self) -> np.ndarray:
        """``(units, 2)`` (row, column) of each unit, in the prototypes' order."""
        return self._grid.copy()

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rows": self.rows,
            "columns": self.columns,
            "output_mode": self.output_mode,
        }
