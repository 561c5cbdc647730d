"""The one rule for a fresh name: keep the wanted name if it is free, else ``base_1``,
``base_2``, ... with the first free number.

Layer names, block names, imported names and pasted copies all follow it, so a user sees the
same numbering wherever a copy comes from (Keras rejects two layers of one model with the same
name, so every path that adds a name must go through here).
"""

from __future__ import annotations

import itertools
from collections.abc import Container


def free_name(wanted: str, taken: Container[str]) -> str:
    """``wanted`` if no one has it, else ``base_N`` with the smallest free N (N ≥ 1).

    A name that already ends in ``_N`` counts up from its base (``dense_1`` → ``dense_2``), so
    copying a copy does not give ``dense_1_1``.
    """
    if wanted not in taken:
        return wanted
    head, sep, tail = wanted.rpartition("_")
    base = head if sep and tail.isdigit() and head else wanted
    for i in itertools.count(1):
        candidate = f"{base}_{i}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")
