"""What a training run is asked to do, stored in the project file and turned into Keras objects.

Settings are plain data (names and numbers) so the project file stays readable JSON and a run
can be repeated exactly; the ``build_*`` helpers are the only place that turns them into Keras
optimizers, losses, metrics and callbacks. The choices offered are read from Keras itself with
``inspect.signature`` so every optimizer and loss Keras ships is available, with its defaults.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import keras

from studio.catalog.spec import value_kind

ParamKind = Literal["float", "int", "bool", "str", "optional"]
ScheduleKind = Literal["none", "ExponentialDecay", "CosineDecay", "PiecewiseConstantDecay"]

SCHEDULES: tuple[str, ...] = ("none", "ExponentialDecay", "CosineDecay", "PiecewiseConstantDecay")
CALLBACKS: tuple[str, ...] = (
    "EarlyStopping",
    "ReduceLROnPlateau",
    "ModelCheckpoint",
    "TensorBoard",
)

# Constructor arguments that are not hyperparameters a user tunes in a form.
_NOT_HYPERPARAMETERS = {"self", "name", "dtype", "kwargs", "exclude_layers"}
# Metric names ``Model.compile`` resolves itself from the loss and output shape.
_COMPILE_RESOLVED_METRICS = ("accuracy", "acc", "crossentropy", "ce")


class TrainingError(ValueError):
    """A setting the user chose cannot be turned into a working training run."""


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument offered in a generated form; ``optional`` means number or None."""

    name: str
    default: Any
    kind: ParamKind


@dataclass(frozen=True)
class OptimizerSettings:
    name: str = "Adam"
    params: dict[str, Any] = field(default_factory=lambda: {"learning_rate": 1e-3})


@dataclass(frozen=True)
class ScheduleSettings:
    """A learning-rate schedule; when not ``none`` it replaces the optimizer's learning_rate."""

    kind: ScheduleKind = "none"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LossSettings:
    name: str = "SparseCategoricalCrossentropy"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackSettings:
    kind: str
    enabled: bool = False
    params: dict[str, Any] = field(default_factory=dict)


def default_callbacks() -> list[CallbackSettings]:
    """Every supported callback, switched off, with the parameters people change most."""
    return [
        CallbackSettings(
            "EarlyStopping",
            False,
            {"monitor": "val_loss", "patience": 5, "min_delta": 0.0, "restore_best_weights": True},
        ),
        CallbackSettings(
            "ReduceLROnPlateau",
            False,
            {"monitor": "val_loss", "factor": 0.1, "patience": 3, "min_lr": 0.0},
        ),
        CallbackSettings(
            "ModelCheckpoint",
            False,
            {
                "filepath": "checkpoints/best.weights.h5",
                "monitor": "val_loss",
                "save_best_only": True,
                "save_weights_only": True,
            },
        ),
        CallbackSettings("TensorBoard", False, {"log_dir": "logs"}),
    ]


def default_schedule_params(kind: str) -> dict[str, Any]:
    """Starting values for a schedule's form; they match Keras's argument names."""
    return {
        "none": {},
        "ExponentialDecay": {
            "initial_learning_rate": 1e-3,
            "decay_steps": 1000,
            "decay_rate": 0.96,
            "staircase": False,
        },
        "CosineDecay": {
            "initial_learning_rate": 1e-3,
            "decay_steps": 1000,
            "alpha": 0.0,
            "warmup_steps": 0,
        },
        "PiecewiseConstantDecay": {"boundaries": [1000, 2000], "values": [1e-3, 5e-4, 1e-4]},
    }[kind]


@dataclass(frozen=True)
class TrainingSettings:
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    loss: LossSettings = field(default_factory=LossSettings)
    metrics: list[str] = field(default_factory=lambda: ["accuracy"])
    epochs: int = 10
    batch_size: int = 32
    validation_split: float = 0.0
    shuffle: bool = True
    seed: int | None = None
    callbacks: list[CallbackSettings] = field(default_factory=default_callbacks)
    # "supervised" is plain ``fit`` on (x, y); other modes are in ``studio.training.modes``,
    # with their own options in ``mode_options``.
    mode: str = "supervised"
    mode_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingSettings:
        """Read what ``to_dict`` wrote; missing keys take defaults so old projects still open."""
        base = cls()
        try:
            return replace(
                base,
                optimizer=OptimizerSettings(**data["optimizer"])
                if "optimizer" in data
                else base.optimizer,
                schedule=ScheduleSettings(**data["schedule"])
                if "schedule" in data
                else base.schedule,
                loss=LossSettings(**data["loss"]) if "loss" in data else base.loss,
                metrics=list(data.get("metrics", base.metrics)),
                epochs=int(data.get("epochs", base.epochs)),
                batch_size=int(data.get("batch_size", base.batch_size)),
                validation_split=float(data.get("validation_split", base.validation_split)),
                shuffle=bool(data.get("shuffle", base.shuffle)),
                seed=None if data.get("seed") is None else int(data["seed"]),
                callbacks=[CallbackSettings(**c) for c in data["callbacks"]]
                if "callbacks" in data
                else base.callbacks,
                mode=str(data.get("mode", base.mode)),
                mode_options=dict(data.get("mode_options", {})),
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise TrainingError(f"Training settings could not be read: {exc}") from exc

    def validate(self) -> None:
        """Refuse numbers ``fit`` would reject later, naming the setting and the value."""
        if self.epochs < 1:
            raise TrainingError(f"`epochs` must be at least 1; received epochs={self.epochs}")
        if self.batch_size < 1:
            raise TrainingError(
                f"`batch_size` must be at least 1; received batch_size={self.batch_size}"
            )
        if not 0.0 <= self.validation_split < 1.0:
            raise TrainingError(
                "`validation_split` must be in [0, 1); received "
                f"validation_split={self.validation_split}"
            )


def _kind_of(default: Any) -> ParamKind | None:
    return "optional" if default is None else value_kind(default)


def _param_specs(cls: type) -> list[ParamSpec] | None:
    """Tunable arguments of ``cls``; None when it needs an argument we cannot default."""
    specs = []
    for p in inspect.signature(cls).parameters.values():
        if p.name in _NOT_HYPERPARAMETERS or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is inspect.Parameter.empty:
            return None
        kind = _kind_of(p.default)
        if kind is not None:
            specs.append(ParamSpec(p.name, p.default, kind))
    return specs


def _public_classes(module: Any, base: type) -> dict[str, list[ParamSpec]]:
    found = {}
    for name in sorted(dir(module)):
        obj = getattr(module, name)
        if name.startswith("_") or not inspect.isclass(obj) or obj is base:
            continue
        if issubclass(obj, base):
            specs = _param_specs(obj)
            if specs is not None:
                found[name] = specs
    return found


@lru_cache(maxsize=1)
def available_optimizers() -> dict[str, list[ParamSpec]]:
    """Every Keras optimizer constructible from hyperparameters alone (wrappers are left out)."""
    return _public_classes(keras.optimizers, keras.optimizers.Optimizer)


@lru_cache(maxsize=1)
def available_losses() -> dict[str, list[ParamSpec]]:
    """Every Keras loss class with its options (``from_logits``, ``label_smoothing``, ...)."""
    specs = _public_classes(keras.losses, keras.losses.Loss)
    return {name: [s for s in params if s.name != "reduction"] for name, params in specs.items()}


@lru_cache(maxsize=1)
def available_metrics() -> list[str]:
    """``accuracy`` (resolved by compile) followed by every metric class Keras offers."""
    skip = {"Mean", "Sum", "MeanMetricWrapper", "Metric"}
    classes = _public_classes(keras.metrics, keras.metrics.Metric)
    return ["accuracy", *[name for name in classes if name not in skip]]


def _checked_params(
    what: str, name: str, params: dict[str, Any], specs: list[ParamSpec]
) -> dict[str, Any]:
    known = {s.name for s in specs}
    unknown = sorted(set(params) - known)
    if unknown:
        raise TrainingError(
            f"{what} `{name}` has no parameter {unknown[0]!r}; expected one of {sorted(known)}"
        )
    for key, value in params.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise TrainingError(
                f"{what} `{name}` parameter `{key}` must be finite; received {key}={value}"
            )
    return {k: v for k, v in params.items() if v is not None or k in known}


def build_schedule(settings: ScheduleSettings) -> keras.optimizers.schedules.LearningRateSchedule:
    if settings.kind not in SCHEDULES or settings.kind == "none":
        raise TrainingError(
            f"Learning-rate schedule must be one of {list(SCHEDULES[1:])}; "
            f"received schedule={settings.kind!r}"
        )
    cls = getattr(keras.optimizers.schedules, settings.kind)
    try:
        return cls(**settings.params)
    except (TypeError, ValueError) as exc:
        raise TrainingError(
            f"Learning-rate schedule `{settings.kind}` rejected its "
            f"parameters {settings.params}: {exc}"
        ) from exc


def build_optimizer(settings: TrainingSettings) -> keras.optimizers.Optimizer:
    name = settings.optimizer.name
    specs = available_optimizers().get(name)
    if specs is None:
        raise TrainingError(
            f"Unknown optimizer {name!r}; expected one of {sorted(available_optimizers())}"
        )
    params = _checked_params("Optimizer", name, dict(settings.optimizer.params), specs)
    if settings.schedule.kind != "none":
        params["learning_rate"] = build_schedule(settings.schedule)
    elif params.get("learning_rate") is not None and params["learning_rate"] <= 0:
        raise TrainingError(
            f"Optimizer `{name}` parameter `learning_rate` must be positive; "
            f"received learning_rate={params['learning_rate']}"
        )
    try:
        return getattr(keras.optimizers, name)(**params)
    except (TypeError, ValueError) as exc:
        raise TrainingError(f"Optimizer `{name}` rejected its parameters: {exc}") from exc


def build_loss(settings: TrainingSettings) -> keras.losses.Loss:
    name = settings.loss.name
    specs = available_losses().get(name)
    if specs is None:
        raise TrainingError(f"Unknown loss {name!r}; expected one of {sorted(available_losses())}")
    params = _checked_params("Loss", name, dict(settings.loss.params), specs)
    try:
        return getattr(keras.losses, name)(**params)
    except (TypeError, ValueError) as exc:
        raise TrainingError(f"Loss `{name}` rejected its parameters: {exc}") from exc


def build_metrics(settings: TrainingSettings) -> list[str | keras.metrics.Metric]:
    """Metric objects for compile; names compile resolves itself are passed through."""
    metrics: list[str | keras.metrics.Metric] = []
    for name in settings.metrics:
        if name in _COMPILE_RESOLVED_METRICS:
            metrics.append(name)
            continue
        try:
            found = keras.metrics.get(name)
        except (TypeError, ValueError) as exc:
            raise TrainingError(
                f"Unknown metric {name!r}; expected one of {available_metrics()}"
            ) from exc
        try:
            metrics.append(found() if inspect.isclass(found) else name)
        except (TypeError, ValueError) as exc:
            raise TrainingError(f"Metric `{name}` needs arguments: {exc}") from exc
    return metrics


# Callback parameters that name a place to write, and what the user calls that place.
_WRITE_PATHS = {
    ("TensorBoard", "log_dir"): "the TensorBoard log folder",
    ("ModelCheckpoint", "filepath"): "the checkpoint file",
}


def confined_params(cb: CallbackSettings, root: Any) -> dict[str, Any]:
    """``cb.params`` with every place it writes resolved inside the project's folder ``root``.

    A project file may come from anyone, so a path leaving the folder (``..``, absolute, a
    link pointing out) is refused unless the user picked it in this session
    (``studio.common.confine``)."""
    from studio.common.confine import PathRefused, resolve_write_path

    params = dict(cb.params)
    for (kind, key), what in _WRITE_PATHS.items():
        if cb.kind == kind and key in params:
            try:
                params[key] = str(resolve_write_path(params[key], root, what))
            except (PathRefused, TypeError) as exc:
                raise TrainingError(f"Callback `{kind}`: {exc}") from None
    return params


def build_callbacks(settings: TrainingSettings, root: Any = None) -> list[keras.callbacks.Callback]:
    """Keras callbacks for the enabled settings; paths are resolved in the folder ``root``."""
    callbacks = []
    for cb in settings.callbacks:
        if not cb.enabled:
            continue
        if cb.kind not in CALLBACKS:
            raise TrainingError(f"Unknown callback {cb.kind!r}; expected one of {list(CALLBACKS)}")
        params = confined_params(cb, root)
        try:
            callbacks.append(getattr(keras.callbacks, cb.kind)(**params))
        except (TypeError, ValueError, ImportError) as exc:
            raise TrainingError(
                f"Callback `{cb.kind}` rejected its parameters {cb.params}: {exc}"
            ) from exc
    return callbacks


def compile_model(model: keras.Model, settings: TrainingSettings) -> None:
    """Compile ``model`` for ``settings``; anything Keras refuses becomes a TrainingError."""
    settings.validate()
    optimizer = build_optimizer(settings)
    loss = build_loss(settings)
    metrics = build_metrics(settings)
    try:
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    except (TypeError, ValueError) as exc:
        raise TrainingError(f"The model could not be compiled: {exc}") from exc
