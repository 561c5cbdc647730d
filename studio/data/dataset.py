"""The in-memory dataset every part of the studio trains, evaluates and visualizes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Task = Literal["classification", "binary", "regression", "forecasting", "reconstruction"]


@dataclass
class Dataset:
    """Arrays ready for ``model.fit``.

    ``x_*`` is one array, or a list of arrays for multi-input models; likewise ``y_*`` for
    multi-output models. ``y_*`` holds integer labels for classification unless ``one_hot``.
    ``x_val`` is None when the caller should split off a validation fraction itself.
    """

    name: str
    x_train: np.ndarray | list[np.ndarray]
    y_train: np.ndarray | list[np.ndarray]
    x_val: np.ndarray | list[np.ndarray] | None = None
    y_val: np.ndarray | list[np.ndarray] | None = None
    task: Task = "classification"
    class_names: list[str] | None = None
    one_hot: bool = False
    description: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.class_names else None

    @property
    def input_shape(self) -> tuple[int, ...]:
        x = self.x_train[0] if isinstance(self.x_train, list) else self.x_train
        return tuple(x.shape[1:])

    @property
    def num_train(self) -> int:
        x = self.x_train[0] if isinstance(self.x_train, list) else self.x_train
        return int(x.shape[0])
