"""Seeded train/validation splitting shared by the bundled sets and preprocessing."""

from __future__ import annotations

import numpy as np

from studio.data.errors import DatasetError

Arrays = np.ndarray | list[np.ndarray]


def take(arrays: Arrays, index: np.ndarray) -> Arrays:
    """Index one array or every array of a multi-input/-output list the same way."""
    if isinstance(arrays, list):
        return [a[index] for a in arrays]
    return arrays[index]


def length(arrays: Arrays) -> int:
    first = arrays[0] if isinstance(arrays, list) else arrays
    return int(first.shape[0])


def concat(a: Arrays, b: Arrays) -> Arrays:
    if isinstance(a, list):
        return [np.concatenate([p, q]) for p, q in zip(a, b, strict=True)]
    return np.concatenate([a, b])


def split_indices(
    n: int, fraction: float, seed: int, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, validation) index arrays.

    With integer ``labels`` the split is stratified, so that small sets (iris has 150 rows)
    still see every class in validation.
    """
    if not 0.0 < fraction < 1.0:
        raise DatasetError(f"validation fraction must be between 0 and 1, got {fraction}")
    rng = np.random.default_rng(seed)
    if labels is None or labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        order = rng.permutation(n)
        n_val = max(1, round(n * fraction))
        return np.sort(order[n_val:]), np.sort(order[:n_val])
    train: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_val = round(len(members) * fraction)
        if len(members) > 1:
            n_val = min(max(1, n_val), len(members) - 1)
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def train_val_split(
    x: Arrays, y: Arrays, fraction: float, seed: int
) -> tuple[Arrays, Arrays, Arrays, Arrays]:
    """Split ``x`` and ``y`` into ``(x_train, y_train, x_val, y_val)``."""
    n = length(x)
    if length(y) != n:
        raise DatasetError(f"inputs have {n} samples but targets have {length(y)}")
    labels = None if isinstance(y, list) else y
    train_idx, val_idx = split_indices(n, fraction, seed, labels)
    return take(x, train_idx), take(y, train_idx), take(x, val_idx), take(y, val_idx)
