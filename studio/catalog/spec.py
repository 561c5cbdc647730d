"""What the catalogue says about one layer: its parameters, ports and category.

Specs speak Keras's own vocabulary: parameter names and defaults are those of the layer's
constructor, so a project file, a ``.keras`` file and generated code all use the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ParamKind = Literal[
    "int",
    "float",
    "bool",
    "str",
    "choice",
    "ints",  # an int or a tuple of ints (kernel_size, strides, pool_size...)
    "shape",  # a tuple of ints where None is allowed (Input shape, Reshape target)
    "initializer",
    "regularizer",
    "constraint",
    "layer",  # a nested layer config (Bidirectional, TimeDistributed)
    "json",  # anything JSON can hold; edited as text
]

CallStyle = Literal["single", "list", "args", "rnn", "none", "op"]


def value_kind(value: Any) -> Literal["bool", "int", "float", "str"] | None:
    """The editor kind a plain default value implies (bool before int: True is an int)."""
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if isinstance(value, types):
            return kind  # type: ignore[return-value]
    return None


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument of a layer, with what the inspector needs to edit it."""

    name: str
    kind: ParamKind
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False  # None is an allowed value
    help: str = ""
    rank: int | None = None  # tuple length for "ints"


@dataclass(frozen=True)
class LayerSpec:
    """A layer the palette offers.

    ``call`` says how the layer is called on its input ports:
    ``single`` → ``layer(x)``; ``list`` → ``layer([x0, x1, ...])`` (merge layers, Attention);
    ``args`` → ``layer(*ports)`` with named positional ports (MultiHeadAttention);
    ``rnn`` → ``layer(x, initial_state=[s0, ...])``; ``none`` → a model input;
    ``op`` → a Keras operation called with its recorded arguments (``catalog.operations``).
    """

    type_name: str
    category: str
    help: str
    params: tuple[ParamSpec, ...]
    call: CallStyle = "single"
    min_inputs: int = 1
    max_inputs: int | None = 1  # None: any number
    port_names: tuple[str, ...] = ()
    key_params: tuple[str, ...] = ()
    macs_kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> ParamSpec | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def port_name(self, index: int) -> str:
        if index < len(self.port_names):
            return self.port_names[index]
        if self.call == "rnn" and index >= 1:
            return f"state {index - 1}"
        return f"in {index}" if self.max_inputs != 1 else "in"

    def keras_class(self) -> type:
        """The Keras layer class (looked up by the attribute name, which may be an alias)."""
        import keras

        if self.extra.get("studio"):
            from studio.layers.registry import layer_class

            cls = layer_class(self.type_name)
            assert cls is not None, self.type_name
            return cls
        return getattr(keras.layers, self.extra.get("keras_attr", self.type_name))

    def default_params(self) -> dict[str, Any]:
        """The values a freshly dropped node starts with: required arguments only."""
        return {p.name: p.default for p in self.params if p.required}
