"""Does this dataset fit this model? Mismatches in words, each with a fix where there is one.

The checks look at shapes the model reports (without the batch axis, ``None`` for any size),
the loss and the output activation, and compare them with the arrays. Fixes on the data side can
be applied here with :func:`apply_fix`; model-side fixes (``set_units``, ``set_loss``,
``set_activation``) carry their parameters for the graph editor to apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from studio.data.dataset import Dataset
from studio.data.errors import DatasetError
from studio.data.labels import from_one_hot, to_one_hot

Shape = tuple[int | None, ...]

DATA_FIXES = (
    "add_channel_axis",
    "drop_channel_axis",
    "flatten_inputs",
    "grayscale_to_rgb",
    "one_hot_labels",
    "integer_labels",
)
MODEL_FIXES = ("set_units", "set_loss", "set_activation")

_LOSS_ALIASES = {
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "categoricalfocalcrossentropy": "categorical_crossentropy",
    "binarycrossentropy": "binary_crossentropy",
    "binaryfocalcrossentropy": "binary_crossentropy",
    "mse": "mse",
    "meansquarederror": "mse",
    "mae": "mae",
    "meanabsoluteerror": "mae",
    "huber": "huber",
    "logcosh": "log_cosh",
}
_REGRESSION_LOSSES = ("mse", "mae", "huber", "log_cosh")


@dataclass(frozen=True)
class Fix:
    """A one-click repair: ``id`` is machine-usable, ``params`` say e.g. how many units."""

    id: str
    description: str
    params: dict = field(default_factory=dict)

    @property
    def on_data(self) -> bool:
        return self.id in DATA_FIXES


@dataclass(frozen=True)
class Mismatch:
    message: str
    fix: Fix | None = None


def normalize_loss(loss: str | None) -> str | None:
    """``"SparseCategoricalCrossentropy"`` and ``"sparse_categorical_crossentropy"`` alike."""
    if not loss:
        return None
    key = loss.lower().replace("_", "").replace(" ", "")
    return _LOSS_ALIASES.get(key, loss.lower())


def _fits(expected: Shape, actual: tuple[int, ...]) -> bool:
    return len(expected) == len(actual) and all(
        e is None or e == a for e, a in zip(expected, actual, strict=True)
    )


def _fmt(shape: Sequence) -> str:
    return str(tuple(shape))


def _arrays(value) -> list[np.ndarray]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _input_fix(expected: Shape, actual: tuple[int, ...], index: int) -> Fix | None:
    where = {"input": index}
    if _fits(expected, actual + (1,)):
        return Fix("add_channel_axis", "add a channel axis to the data", where)
    if actual and actual[-1] == 1 and _fits(expected, actual[:-1]):
        return Fix("drop_channel_axis", "drop the data's channel axis of size 1", where)
    if len(expected) == 1 and len(actual) > 1 and expected[0] in (None, int(np.prod(actual))):
        return Fix("flatten_inputs", "flatten each sample into a vector", where)
    if (
        actual
        and actual[-1] == 1
        and expected
        and expected[-1] == 3
        and _fits(expected[:-1], actual[:-1])
    ):
        return Fix("grayscale_to_rgb", "repeat the gray channel into RGB", where)
    return None


def _check_inputs(dataset: Dataset, input_shapes: Sequence[Shape]) -> list[Mismatch]:
    xs = _arrays(dataset.x_train)
    if len(xs) != len(input_shapes):
        return [Mismatch(f"model has {len(input_shapes)} inputs, data has {len(xs)} input arrays")]
    found = []
    for i, (expected, x) in enumerate(zip(input_shapes, xs, strict=True)):
        actual = tuple(int(d) for d in x.shape[1:])
        if _fits(tuple(expected), actual):
            continue
        prefix = f"input {i + 1}: " if len(xs) > 1 else ""
        found.append(
            Mismatch(
                f"{prefix}model input expects {_fmt(expected)}, data is {_fmt(actual)}",
                _input_fix(tuple(expected), actual, i),
            )
        )
    return found


def _set_units(units: int) -> Fix:
    return Fix("set_units", f"set the last Dense layer to {units} units", {"units": units})


def _set_loss(loss: str) -> Fix:
    return Fix("set_loss", f"use {loss}", {"loss": loss})


def _set_activation(activation: str) -> Fix:
    return Fix("set_activation", f"use a {activation} output", {"activation": activation})


def _check_classes(
    dataset: Dataset, out: Shape, loss: str | None, activation: str | None
) -> list[Mismatch]:
    k = dataset.num_classes or 0
    units = out[-1] if out else None
    found: list[Mismatch] = []
    if loss == "binary_crossentropy":
        if k > 2:
            label_loss = "categorical" if dataset.one_hot else "sparse_categorical"
            found.append(
                Mismatch(
                    f"binary_crossentropy needs 2 classes, data has {k}",
                    _set_loss(f"{label_loss}_crossentropy"),
                )
            )
        elif units == 2 and not dataset.one_hot:
            found.append(
                Mismatch(
                    "binary_crossentropy with 2 output units needs one-hot labels, "
                    "data has integer labels",
                    _set_units(1),
                )
            )
            return found
    if loss == "sparse_categorical_crossentropy" and dataset.one_hot:
        found.append(
            Mismatch(
                "sparse_categorical_crossentropy expects integer labels, data is one-hot",
                Fix("integer_labels", "convert the one-hot labels to integers"),
            )
        )
    if loss == "categorical_crossentropy" and not dataset.one_hot:
        found.append(
            Mismatch(
                "categorical_crossentropy expects one-hot labels, data has integer labels",
                Fix("one_hot_labels", "one-hot encode the labels"),
            )
        )
    if loss in _REGRESSION_LOSSES:
        found.append(
            Mismatch(
                f"{loss} treats class labels as numbers; {k} classes need a crossentropy loss",
                _set_loss("sparse_categorical_crossentropy"),
            )
        )
    one_unit_ok = k <= 2 and loss in (None, "binary_crossentropy")
    if units is not None and units != k and not (units == 1 and one_unit_ok) and k:
        noun = "unit" if units == 1 else "units"
        found.append(Mismatch(f"{k} classes in data, last Dense has {units} {noun}", _set_units(k)))
    if activation == "softmax" and units == 1:
        found.append(Mismatch("softmax over 1 unit always outputs 1.0", _set_activation("sigmoid")))
    return found


def _check_values(
    dataset: Dataset, y: np.ndarray, out: Shape, loss: str | None, activation: str | None
) -> list[Mismatch]:
    target = tuple(int(d) for d in y.shape[1:]) or (1,)
    found: list[Mismatch] = []
    if not _fits(out, target):
        fix = _set_units(target[0]) if len(out) == 1 and len(target) == 1 else None
        found.append(Mismatch(f"model output is {_fmt(out)}, targets are {_fmt(target)}", fix))
    if activation == "softmax":
        found.append(
            Mismatch(
                f"{dataset.task} targets with a softmax output; softmax forces outputs to sum to 1",
                _set_activation("linear"),
            )
        )
    elif activation == "sigmoid" and y.size and (y.min() < 0 or y.max() > 1):
        found.append(
            Mismatch(
                f"targets range {y.min():.3g}..{y.max():.3g} but a sigmoid output stays in 0..1",
                _set_activation("linear"),
            )
        )
    if loss and "crossentropy" in loss:
        found.append(Mismatch(f"{loss} on continuous {dataset.task} targets", _set_loss("mse")))
    return found


def check_compatibility(
    dataset: Dataset,
    input_shapes: list[tuple],
    output_shapes: list[tuple],
    loss: str | None,
    output_activations: list[str | None] | None = None,
) -> list[Mismatch]:
    """Every way ``dataset`` does not fit a model with these inputs, outputs and loss.

    ``output_activations`` (the last layer's activation per output) enables the softmax and
    sigmoid checks; without it only shapes and the loss are compared.
    """
    found = _check_inputs(dataset, input_shapes)
    ys = _arrays(dataset.y_train)
    if len(ys) != len(output_shapes):
        found.append(
            Mismatch(f"model has {len(output_shapes)} outputs, data has {len(ys)} target arrays")
        )
        return found
    activations = list(output_activations or []) + [None] * len(output_shapes)
    canonical = normalize_loss(loss)
    for out, y, act in zip(output_shapes, ys, activations, strict=False):
        out = tuple(out)
        act = act.lower() if act else None
        if dataset.task in ("classification", "binary") and dataset.class_names:
            found += _check_classes(dataset, out, canonical, act)
        elif dataset.task == "reconstruction":
            expected = tuple(int(d) for d in y.shape[1:])
            if not _fits(out, expected):
                found.append(
                    Mismatch(
                        f"model output is {_fmt(out)}, reconstruction targets are {_fmt(expected)}"
                    )  # fmt: skip
                )
        else:
            found += _check_values(dataset, y, out, canonical, act)
    return found


def _map_inputs(dataset: Dataset, index: int | None, fn) -> Dataset:
    def convert(x):
        if isinstance(x, list):
            return [fn(a) if index in (None, i) else a for i, a in enumerate(x)]
        return fn(x) if x is not None else None

    return replace(dataset, x_train=convert(dataset.x_train), x_val=convert(dataset.x_val))


def apply_fix(dataset: Dataset, fix: str | Fix) -> Dataset:
    """Apply a data-side fix and return the new dataset; model-side ids raise DatasetError."""
    fix_id, params = (fix.id, fix.params) if isinstance(fix, Fix) else (fix, {})
    index = params.get("input")
    if fix_id == "add_channel_axis":
        return _map_inputs(dataset, index, lambda a: a[..., None])
    if fix_id == "drop_channel_axis":
        return _map_inputs(dataset, index, lambda a: a[..., 0])
    if fix_id == "flatten_inputs":
        return _map_inputs(dataset, index, lambda a: a.reshape(len(a), -1))
    if fix_id == "grayscale_to_rgb":
        return _map_inputs(dataset, index, lambda a: np.repeat(a, 3, axis=-1))
    if fix_id in ("one_hot_labels", "integer_labels"):
        if isinstance(dataset.y_train, list) or not dataset.class_names:
            raise DatasetError(f"{fix_id} needs a single classification target")
        want_one_hot = fix_id == "one_hot_labels"
        if dataset.one_hot == want_one_hot:
            return dataset
        k = len(dataset.class_names)

        def convert(y):
            if y is None:
                return None
            return to_one_hot(y, k) if want_one_hot else from_one_hot(y)

        return replace(
            dataset,
            y_train=convert(dataset.y_train),
            y_val=convert(dataset.y_val),
            one_hot=want_one_hot,
        )
    if fix_id in MODEL_FIXES:
        raise DatasetError(f"{fix_id} changes the model, not the data; apply it in the graph")
    raise DatasetError(f"unknown fix {fix_id!r}; data fixes: {', '.join(DATA_FIXES)}")
