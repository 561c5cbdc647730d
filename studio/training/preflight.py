"""Before training: does the data fit the model and the loss? Shared by the CLI and the app."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from studio.common.keras_compat import producing_layer
from studio.data import Dataset, Mismatch, check_compatibility
from studio.graph import Graph, Op, SetParams
from studio.training.settings import LossSettings, TrainingSettings


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


def model_fix(
    graph: Graph, settings: TrainingSettings, fix_id: str, params: dict[str, Any]
) -> tuple[Op | None, TrainingSettings]:
    """What a preflight fix changes: an undoable graph edit, or new training settings.

    ``set_units`` / ``set_activation`` edit the output layer named by ``params["output"]``
    (the first output when absent); ``set_loss`` returns settings with the suggested loss.
    """
    if fix_id == "set_loss":
        return None, replace(settings, loss=LossSettings(params["loss"], settings.loss.params))
    output = graph.output_ports()[params.get("output", 0)][0]
    if fix_id == "set_units":
        return SetParams(output, {"units": int(params["units"])}), settings
    if fix_id == "set_activation":
        return SetParams(output, {"activation": params["activation"]}), settings
    raise ValueError(f"cannot apply the fix {fix_id!r} automatically")
