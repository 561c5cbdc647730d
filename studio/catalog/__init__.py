"""The layer catalogue: which layers the palette offers and how each is edited and called."""

from studio.catalog.overlay import EXCLUDED
from studio.catalog.registry import categories, get_spec, opaque_spec, registry
from studio.catalog.spec import LayerSpec, ParamSpec

__all__ = [
    "EXCLUDED",
    "LayerSpec",
    "ParamSpec",
    "categories",
    "get_spec",
    "opaque_spec",
    "registry",
]
