"""The restricted Boltzmann machine as a layer: visible units (the input), hidden units, and a
weight between every visible-hidden pair. In a model it computes the hidden units' activation
probabilities ``sigmoid(v W + c)``, so stacked RBMs are a deep belief network's feed-forward
pass and a supervised fit fine-tunes them like Dense layers. The ``rbm`` training mode trains
each one by contrastive divergence first (``studio.training.modes.rbm``)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from studio.layers.registry import studio_layer

CATEGORY = "Classic networks"


@studio_layer(
    CATEGORY,
    help="Restricted Boltzmann machine: binary hidden units over the input's visible units; "
    "outputs P(h=1|v) = sigmoid(vW + c). The rbm mode pretrains it by contrastive divergence "
    "(CD-k); stacked, they form a deep belief network.",
    key_params=("units",),
)
class RBM(keras.layers.Layer):
    """Weights ``kernel`` (visible × hidden), ``hidden_bias`` and ``visible_bias``.

    ``visible_bias`` is only used to reconstruct the input (CD-k and the reconstruction error),
    so it does not change this layer's output.
    """

    def __init__(self, units: int = 64, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"`units` must be a positive integer; received units={units!r}")
        self.units = units

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        visible = input_shape[-1]
        if visible is None:
            raise ValueError("RBM needs a known number of visible units (last input axis).")
        self.kernel = self.add_weight(
            name="kernel",
            shape=(visible, self.units),
            initializer=keras.initializers.RandomNormal(stddev=0.01),
        )
        self.hidden_bias = self.add_weight(
            name="hidden_bias", shape=(self.units,), initializer="zeros"
        )
        # Not trainable by gradients: no supervised loss reaches it; CD-k assigns it.
        self.visible_bias = self.add_weight(
            name="visible_bias", shape=(visible,), initializer="zeros", trainable=False
        )

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.compute_dtype)
        return ops.sigmoid(ops.matmul(x, self.kernel) + self.hidden_bias)

    def reconstruct(self, hidden: Any) -> Any:
        """P(v=1|h): the visible units the hidden ones generate."""
        return ops.sigmoid(ops.matmul(hidden, ops.transpose(self.kernel)) + self.visible_bias)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}
