"""Turning raw target values into what Keras's losses expect, and back.

Shared by every file reader so that a CSV column of strings, a ``.npy`` of floats that happen to
be whole numbers and a one-hot matrix all end up as the same kind of labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.data.dataset import Task
from studio.data.errors import DatasetError

# More distinct whole-number values than this and a numeric target is read as regression.
MAX_INFERRED_CLASSES = 50


@dataclass(frozen=True)
class Labels:
    """Targets ready for a Dataset: ``y`` plus the task and class names they imply."""

    y: np.ndarray
    task: Task
    class_names: list[str] | None
    one_hot: bool = False


def _is_one_hot(y: np.ndarray) -> bool:
    return (
        y.ndim == 2
        and y.shape[1] > 1
        and np.isin(y, (0, 1)).all()
        and bool((y.sum(axis=1) == 1).all())
    )


def infer_labels(values: np.ndarray, task: Task | None = None) -> Labels:
    """Guess classification vs regression from the values unless ``task`` says which.

    Strings become class indices in sorted order. Whole numbers with few distinct values are
    classes; two classes make a "binary" task so that a 1-unit sigmoid fits out of the box.
    """
    values = np.asarray(values)
    if _is_one_hot(values) and task in (None, "classification", "binary"):
        k = values.shape[1]
        return Labels(values.astype(np.float32), task or "classification",
                      [str(i) for i in range(k)], one_hot=True)  # fmt: skip
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    numeric = np.issubdtype(values.dtype, np.number) or values.dtype == bool
    if not numeric:
        try:
            values = values.astype(np.float64)
            numeric = True
        except ValueError:
            pass
    if task in ("regression", "forecasting", "reconstruction"):
        if not numeric:
            raise DatasetError(f"{task} targets must be numbers, found {values.flat[0]!r}")
        return Labels(values.astype(np.float32), task, None)
    if numeric and values.ndim == 1:
        whole = bool(np.all(np.mod(values, 1) == 0))
        distinct = np.unique(values)
        if task is None and (not whole or len(distinct) > MAX_INFERRED_CLASSES):
            return Labels(values.astype(np.float32), "regression", None)
        if not whole:
            raise DatasetError(f"class labels must be whole numbers or text, found {values[0]!r}")
        if distinct.min() == 0 and distinct.max() == len(distinct) - 1:
            # Already 0..K-1: keep the numbers as they are.
            y = values.astype(np.int64)
            names = [str(i) for i in range(len(distinct))]
        else:
            y = np.searchsorted(distinct, values).astype(np.int64)
            names = [str(int(v)) for v in distinct]
    elif values.ndim == 1:
        distinct = np.unique(values.astype(str))
        y = np.searchsorted(distinct, values.astype(str)).astype(np.int64)
        names = [str(v) for v in distinct]
    else:
        raise DatasetError(
            f"targets shaped {values.shape[1:]} per sample are neither labels nor one-hot rows"
        )
    resolved: Task = task or ("binary" if len(names) == 2 else "classification")
    return Labels(y, resolved, names)


def to_one_hot(y: np.ndarray, num_classes: int) -> np.ndarray:
    y = np.asarray(y).reshape(-1).astype(np.int64)
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise DatasetError(f"labels must lie in 0..{num_classes - 1}, found {y.min()}..{y.max()}")
    return np.eye(num_classes, dtype=np.float32)[y]


def from_one_hot(y: np.ndarray) -> np.ndarray:
    return np.asarray(y).argmax(axis=-1).astype(np.int64)
