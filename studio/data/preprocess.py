"""The preprocessing a user picks in the dataset panel, stored with the project.

Scaling statistics are always fitted on the training part and then applied to validation, so the
validation score is not flattered by having seen its own data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from studio.data.dataset import Dataset
from studio.data.errors import DatasetError
from studio.data.labels import from_one_hot, to_one_hot
from studio.data.split import Arrays, concat, length, take, train_val_split

Scaling = Literal["none", "minmax", "standard", "divide255"]
LabelEncoding = Literal["integer", "one_hot"]
Validation = Literal["separate", "split"]

SCALINGS: tuple[str, ...] = ("none", "minmax", "standard", "divide255")
LABEL_ENCODINGS: tuple[str, ...] = ("integer", "one_hot")
VALIDATIONS: tuple[str, ...] = ("separate", "split")


@dataclass(frozen=True)
class Preprocessing:
    """How to turn a loaded dataset into what ``fit`` receives.

    ``validation="separate"`` keeps the dataset's own validation arrays and splits off
    ``validation_fraction`` only when it has none; ``"split"`` pools everything and re-splits by
    ``validation_fraction``. Token ids (integer inputs) are never scaled.
    """

    scaling: Scaling = "none"
    labels: LabelEncoding = "integer"
    validation: Validation = "separate"
    validation_fraction: float = 0.2
    shuffle: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("scaling", self.scaling, SCALINGS),
            ("labels", self.labels, LABEL_ENCODINGS),
            ("validation", self.validation, VALIDATIONS),
        ):
            if value not in allowed:
                raise DatasetError(
                    f"{name} must be one of {', '.join(allowed)}; received {name}={value!r}"
                )
        if not 0.0 < self.validation_fraction < 1.0:
            raise DatasetError(
                "validation_fraction must be between 0 and 1; "
                f"received validation_fraction={self.validation_fraction}"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessing:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _per_array(arrays: Arrays, fn) -> Arrays:
    return [fn(a) for a in arrays] if isinstance(arrays, list) else fn(arrays)


def _fit_scaler(x: np.ndarray, scaling: Scaling):
    """Return a function scaling arrays like ``x`` with statistics taken from ``x``."""
    if scaling == "none" or np.issubdtype(x.dtype, np.integer):
        return lambda a: a
    if scaling == "divide255":
        return lambda a: (a / 255.0).astype(np.float32)
    if scaling == "minmax":
        low, high = x.min(axis=0), x.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        return lambda a: ((a - low) / span).astype(np.float32)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return lambda a: ((a - mean) / std).astype(np.float32)


def _scale(x_train: Arrays, x_val: Arrays | None, scaling: Scaling):
    trains = x_train if isinstance(x_train, list) else [x_train]
    vals = None if x_val is None else (x_val if isinstance(x_val, list) else [x_val])
    scalers = [_fit_scaler(np.asarray(x), scaling) for x in trains]
    new_train = [s(x) for s, x in zip(scalers, trains, strict=True)]
    new_val = None if vals is None else [s(x) for s, x in zip(scalers, vals, strict=True)]
    if not isinstance(x_train, list):
        return new_train[0], None if new_val is None else new_val[0]
    return new_train, new_val


def _encode(y: np.ndarray, dataset: Dataset, encoding: LabelEncoding) -> np.ndarray:
    if encoding == "one_hot" and not dataset.one_hot:
        return to_one_hot(y, dataset.num_classes or int(np.max(y)) + 1)
    if encoding == "integer" and dataset.one_hot:
        return from_one_hot(y)
    return y


def apply(dataset: Dataset, prep: Preprocessing) -> Dataset:
    """Split, shuffle, scale and encode labels; the input dataset is left untouched."""
    x_train, y_train, x_val, y_val = dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val
    if prep.validation == "split" and x_val is not None:
        x_train, y_train = concat(x_train, x_val), concat(y_train, y_val)
        x_val = y_val = None
    if x_val is None:
        x_train, y_train, x_val, y_val = train_val_split(
            x_train, y_train, prep.validation_fraction, prep.seed
        )
    if prep.shuffle:
        order = np.random.default_rng(prep.seed).permutation(length(x_train))
        x_train, y_train = take(x_train, order), take(y_train, order)
    x_train, x_val = _scale(x_train, x_val, prep.scaling)
    classification = (
        dataset.task in ("classification", "binary")
        and dataset.class_names
        and not isinstance(dataset.y_train, list)
    )
    one_hot = dataset.one_hot
    if classification:
        y_train = _encode(y_train, dataset, prep.labels)
        y_val = _encode(y_val, dataset, prep.labels)
        one_hot = prep.labels == "one_hot"
    return replace(
        dataset,
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        one_hot=one_hot,
        metadata={**dataset.metadata, "preprocessing": prep.to_dict()},
    )
