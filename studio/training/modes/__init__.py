"""Training modes beyond plain supervised ``fit``: adversarial (GAN), variational (VAE),
competitive (SOM), contrastive divergence (RBM/DBN), reinforcement learning (DQN), ...

A project says which one it uses in ``TrainingSettings.mode`` (``"supervised"`` when absent)
with the mode's own options in ``TrainingSettings.mode_options``. Each mode lives in its own
module here and calls :func:`register_mode` at import; the engine, ``studio train`` and the
app's trainer look modes up by name, so adding one never edits the others.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

SUPERVISED = "supervised"
_MODES: dict[str, Any] = {}
_LOADED = False


def register_mode(mode: Any) -> Any:
    """Make ``mode`` (an object with a ``name`` attribute) available; returns it unchanged."""
    _MODES[mode.name] = mode
    return mode


def _load_all() -> None:
    # A flag, not "no modes yet": importing one mode module directly registers it before
    # the others are loaded.
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def get_mode(name: str) -> Any | None:
    """The registered mode called ``name``; None for ``supervised`` or an unknown name."""
    if name == SUPERVISED:
        return None
    _load_all()
    return _MODES.get(name)


def mode_names() -> list[str]:
    _load_all()
    return [SUPERVISED, *_MODES]
