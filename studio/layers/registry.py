"""The declaration every studio layer goes through: Keras registration plus a palette entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PACKAGE = "studio"


@dataclass(frozen=True)
class PaletteEntry:
    """Where a studio layer appears in the palette and how the catalogue describes it."""

    cls: type
    category: str
    help: str
    key_params: tuple[str, ...] = ()
    # Names of the input ports for a layer called on a list of tensors (``layer([a, b])``);
    # empty for a layer with one input.
    inputs: tuple[str, ...] = ()


_ENTRIES: dict[str, PaletteEntry] = {}


def studio_layer(
    category: str,
    help: str = "",
    key_params: tuple[str, ...] = (),
    inputs: tuple[str, ...] = (),
) -> Callable[[type], type]:
    """Class decorator: register a layer with Keras's serializer and the studio's palette.

    The Keras name is ``studio>ClassName``; the palette and the project file use the bare class
    name, like Keras's own layers. ``inputs`` names the ports of a layer called on a list of
    tensors (the VAE's ``Sampling([z_mean, z_log_var])``); leave it empty for one input.
    """

    def register(cls: type) -> type:
        import keras

        registered = keras.saving.register_keras_serializable(package=PACKAGE)(cls)
        doc = (cls.__doc__ or "").strip().splitlines()
        _ENTRIES[cls.__name__] = PaletteEntry(
            registered, category, help or (doc[0] if doc else cls.__name__), key_params, inputs
        )
        return registered

    return register


def palette_layers() -> dict[str, PaletteEntry]:
    """Every declared studio layer by class name, in declaration order."""
    return dict(_ENTRIES)


def layer_class(name: str) -> type | None:
    entry = _ENTRIES.get(name)
    return entry.cls if entry else None
