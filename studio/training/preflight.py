"""Before training: does the data fit the model and the loss? Shared by the CLI and the app."""

from __future__ import annotations

from typing import Any

from studio.common.keras_compat import producing_layer
from studio.data import Dataset, Mismatch, check_compatibility


def _last_activation(tensor: Any) -> str | None:
    layer = producing_layer(tensor)
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None)
    if type(layer).__name__ == "Softmax":
        return "softmax"
    return name


def check_model_data(model: Any, dataset: Dataset, loss: str | None) -> list[Mismatch]:
    """Every mismatch between a built model's inputs/outputs and the dataset, in words."""
    inputs = [tuple(t.shape[1:]) for t in model.inputs]
    outputs = [tuple(t.shape[1:]) for t in model.outputs]
    activations = [_last_activation(t) for t in model.outputs]
    return check_compatibility(dataset, inputs, outputs, loss, activations)
