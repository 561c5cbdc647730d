"""Where the files that ship with the app live: ``templates/`` and ``resources/``.

In a source checkout they sit beside the ``studio`` package; an installed wheel carries them
as the package data ``studio/_bundled/`` (see ``pyproject.toml``), so a plain ``pip install .``
has a working gallery and starter project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

_STUDIO = Path(__file__).resolve().parents[1]


def bundled_dir(name: Literal["templates", "resources"]) -> Path:
    for candidate in (_STUDIO.parent / name, _STUDIO / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    return _STUDIO.parent / name


def resource(*parts: str) -> Path:
    """A bundled resource file, e.g. ``resource("styles", "light.qss")``."""
    return bundled_dir("resources").joinpath(*parts)
