"""Loading a user's custom Keras classes from a Python file they trust.

"Load custom objects from a Python file…" (and ``studio import --custom-objects FILE.py``) runs
the file **in this process** — it is the user's own code, chosen in a dialog, which is what makes
a custom layer real rather than a stand-in — and registers every Keras object it defines (layers,
models, operations, losses, metrics, initializers, …) with Keras's session-wide custom objects,
under its class name and, where it used ``register_keras_serializable``, its registered name.
From then on ``.keras`` files, opaque nodes and generated scripts that name those classes
deserialize to them.

The same registration runs inside the contained child that verifies a Python export
(``CHILD_SNIPPET``), so a script for a graph with custom layers is checked with them too.
"""

from __future__ import annotations

import logging
import runpy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class CustomObjectsError(ValueError):
    """The file could not be run or defines no Keras class; one line for the user."""


@dataclass
class LoadedObjects:
    """What a file registered: name → class, and the file it came from."""

    path: Path
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted({getattr(v, "__name__", k) for k, v in self.objects.items()})


def load_custom_objects(path: str | Path) -> LoadedObjects:
    """Run ``path`` and register the Keras classes it defines for this session."""
    import keras

    source = Path(path)
    if not source.is_file():
        raise CustomObjectsError(f"'{source}' is not a file")
    if source.suffix != ".py":
        raise CustomObjectsError(f"'{source.name}' is not a Python file (.py)")
    registry = keras.saving.get_custom_objects()
    before = dict(registry)
    try:
        namespace = runpy.run_path(str(source), run_name=f"studio_custom_{source.stem}")
    except BaseException as exc:  # the user's code: any failure is theirs to read
        log.debug("load_custom_objects: handled exception", exc_info=True)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise CustomObjectsError(
            f"'{source.name}' raised {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            if str(exc)
            else f"'{source.name}' raised {type(exc).__name__}"
        ) from exc
    found = keras_objects(namespace)
    found.update({k: v for k, v in registry.items() if before.get(k) is not v})
    if not found:
        raise CustomObjectsError(
            f"'{source.name}' defines no Keras class (a subclass of keras.layers.Layer, "
            "keras.Model, a loss, metric, ...)"
        )
    registry.update(found)
    log.debug("registered custom objects %s from %s", sorted(found), source)
    resolved = source.resolve()
    if resolved not in _LOADED_FILES:
        _LOADED_FILES.append(resolved)
    return LoadedObjects(source, found)


_LOADED_FILES: list[Path] = []  # in the order loaded, for a child process to load them too


def loaded_files() -> tuple[Path, ...]:
    """The files whose classes this session registered (a child process loads them too)."""
    return tuple(_LOADED_FILES)


def load_missing(files: Iterable[str | Path]) -> None:
    """In a child process: load each of the app's ``loaded_files()`` not loaded here yet
    (the app sends resolved paths)."""
    for file in files:
        if Path(file) not in _LOADED_FILES:
            load_custom_objects(file)


def keras_objects(namespace: dict[str, Any]) -> dict[str, Any]:
    """The Keras-serializable classes defined in a module namespace, by class name."""
    from keras.src.saving.keras_saveable import KerasSaveable

    out: dict[str, Any] = {}
    for name, value in namespace.items():
        if (
            isinstance(value, type)
            and issubclass(value, KerasSaveable)
            and not value.__module__.startswith("keras")
            and not name.startswith("_")
        ):
            out[value.__name__] = value
    return out


def unregister(loaded: LoadedObjects) -> None:
    """Forget what a file registered (tests, and a user replacing a file)."""
    import keras

    registry = keras.saving.get_custom_objects()
    for name, value in loaded.objects.items():
        if registry.get(name) is value:
            del registry[name]
    resolved = loaded.path.resolve()
    if resolved in _LOADED_FILES:
        _LOADED_FILES.remove(resolved)


# Runs in a contained child (no studio import there): registers a file's Keras classes.
CHILD_SNIPPET = r"""
def _studio_register_custom_objects(path):
    import runpy
    import keras
    from keras.src.saving.keras_saveable import KerasSaveable

    registry = keras.saving.get_custom_objects()
    namespace = runpy.run_path(path, run_name="studio_custom_objects")
    for name, value in namespace.items():
        if (isinstance(value, type) and issubclass(value, KerasSaveable)
                and not value.__module__.startswith("keras") and not name.startswith("_")):
            registry.setdefault(value.__name__, value)
"""
