"""A stand-in for a layer whose Python class is not loaded (a custom layer read from a file).

A ``.keras`` file keeps a custom layer's *config* and *weights* but not its code. Rather than
asking Keras to rebuild a class it does not have (which fails the whole file), the importer
puts an ``OpaqueStandIn`` where the layer was. It holds:

- ``original``: the layer's serialized form exactly as the file has it (module, class_name,
  config, registered_name, build_config), so exporting writes it back unchanged;
- ``outputs``: the output shapes and dtypes the file records for the tensors it produced
  (``None`` where the file does not say: then the input's shape is assumed and the importer
  says so);
- ``weights``: each weight's path inside the layer's part of the weights file
  (``vars/0``, ``dense/vars/1``), shape and dtype, so parameter counts are exact and the weights
  go back where they came from.

Symbolically it answers with the recorded shapes, so summaries, checks and compiling work;
running it on data raises a message naming the class and what to do (load the custom objects).
"""

from __future__ import annotations

from typing import Any

import keras

PACKAGE = "studio_opaque"
REGISTERED_NAME = f"{PACKAGE}>OpaqueStandIn"
_ORIGINAL_KEYS = ("module", "class_name", "config", "registered_name", "build_config")


@keras.saving.register_keras_serializable(package=PACKAGE)
class OpaqueStandIn(keras.layers.Layer):
    """Holds a custom layer's config and weights without its code."""

    def __init__(
        self,
        original: dict[str, Any],
        outputs: list[dict[str, Any]] | None = None,
        weight_specs: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.original = {k: original[k] for k in _ORIGINAL_KEYS if k in original}
        self.outputs_recorded = outputs
        self.weight_specs = list(weight_specs or [])

    @property
    def class_name(self) -> str:
        return str(self.original.get("class_name", "custom layer"))

    def build(self, *args: Any, **kwargs: Any) -> None:
        for i, spec in enumerate(s for s in self.weight_specs if "shape" in s):
            self.add_weight(
                shape=tuple(spec["shape"]),
                dtype=spec.get("dtype", "float32"),
                initializer="zeros",
                trainable=bool(spec.get("trainable", True)),
                name=f"w{i}",
            )
        self.built = True

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        if self.outputs_recorded:
            outs = [
                keras.KerasTensor(tuple(o["shape"]), dtype=o.get("dtype", "float32"))
                for o in self.outputs_recorded
            ]
            return outs[0] if len(outs) == 1 else outs
        first = next(iter(keras.tree.flatten((args, kwargs))), None)
        if first is None:
            raise ValueError(f"{self.class_name} '{self.name}': its output shape is unknown")
        return keras.KerasTensor(tuple(first.shape), dtype=first.dtype)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{self.class_name} '{self.name}' was imported without its Python code; load its "
            "custom objects (Load custom objects from a Python file…, or studio import "
            "--custom-objects FILE.py) to run it"
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            original=self.original, outputs=self.outputs_recorded, weight_specs=self.weight_specs
        )
        return config


def is_standin_entry(entry: Any) -> bool:
    """Whether a serialized layer (a config dict) is a stand-in."""
    return isinstance(entry, dict) and entry.get("registered_name") == REGISTERED_NAME


def make_standin(
    original: dict[str, Any],
    outputs: list[dict[str, Any]] | None,
    weight_specs: list[dict[str, Any]],
    name: str,
    trainable: bool = True,
) -> OpaqueStandIn:
    layer = OpaqueStandIn(original, outputs, weight_specs, name=name)
    layer.trainable = trainable
    return layer
