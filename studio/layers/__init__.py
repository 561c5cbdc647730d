"""Layers that Model Studio provides on top of Keras (VAE sampling, RBF, SOM, RBM, ...).

Each lives in its own module of this package and is declared with :func:`studio_layer`, which
registers it with Keras (``keras.saving.register_keras_serializable(package="studio")``) and
puts it in the palette under its category. Importing this package imports every module in it,
so ``import studio.layers`` is the one import an exported ``.keras`` file needs to load
outside the app.
"""

from __future__ import annotations

import importlib
import pkgutil

from studio.layers.registry import palette_layers, studio_layer


def load_all() -> None:
    """Import every layer module so their declarations run (idempotent)."""
    for info in pkgutil.iter_modules(__path__):
        if info.name != "registry" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


load_all()

__all__ = ["load_all", "palette_layers", "studio_layer"]
