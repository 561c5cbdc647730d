"""The Dueling DQN head: one stream estimates the state's value V(s), the other each action's
advantage A(s, a); Q(s, a) = V(s) + A(s, a) − mean_a A(s, a). Put it last in a Q-network in
place of the ``Dense(actions)`` output to get the dueling architecture (Wang et al., 2016)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from studio.layers.registry import studio_layer


@studio_layer(
    "Classic networks",
    help="Dueling Q-value head: Q(s,a) = V(s) + A(s,a) − mean A(s,·), from a value and an "
    "advantage stream. The last layer of a Dueling DQN's Q-network.",
    key_params=("actions",),
)
class DuelingQ(keras.layers.Layer):
    """Two linear streams over the features: ``value`` (1 unit) and ``advantage``
    (``actions`` units), combined so the advantages have zero mean per state."""

    def __init__(self, actions: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(actions, int) or isinstance(actions, bool) or actions < 1:
            raise ValueError(f"`actions` must be a positive integer; received actions={actions!r}")
        self.actions = actions
        self.value = keras.layers.Dense(1, name="value")
        self.advantage = keras.layers.Dense(actions, name="advantage")

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.value.build(input_shape)
        self.advantage.build(input_shape)

    def call(self, inputs: Any) -> Any:
        advantage = self.advantage(inputs)
        return self.value(inputs) + advantage - ops.mean(advantage, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], self.actions)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "actions": self.actions}
