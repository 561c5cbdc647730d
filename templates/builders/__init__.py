"""Keras builders for the template gallery, one function per template.

Templates are written as ordinary Keras code (what a reader of the catalogue's seeds would type)
and turned into ``templates/<name>.studio.json`` by ``templates/build_all.py`` through the
importer, so the gallery ships designs the studio can edit, not code it has to run. Each builder
carries a :class:`TemplateInfo`: the numbers a user sees before opening a template (parameter
count, dataset, training settings) are declared next to the code that produces them, and the
tests check one against the other.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TaskKind = Literal["images", "sequences", "text", "tabular", "generative"]
TASKS: tuple[str, ...] = ("images", "sequences", "text", "tabular", "generative")


@dataclass(frozen=True)
class TemplateInfo:
    """What the gallery says about a template before anything is built.

    ``params`` is the exact parameter count of the built model (the catalogue's figure where it
    gives one). ``dataset`` is a ``DatasetRef`` dict for data that needs no network;
    ``real_dataset`` names the full dataset the design was made for (e.g. ``keras:mnist``).
    ``target`` is ``"inputs"`` for autoencoders, which learn to reproduce their input.
    ``trains_by_default`` marks templates small enough to train on a CPU in about a minute;
    the benchmark measures only those.
    """

    name: str
    title: str
    description: str
    task: TaskKind
    dataset: dict[str, Any] | None
    params: int
    training: dict[str, Any]
    source: str
    needs_gpu: bool = False
    trains_by_default: bool = True
    real_dataset: str | None = None
    target: Literal["labels", "inputs"] = "labels"
    extra: dict[str, Any] = field(default_factory=dict)
    expand_nested: bool = False

    def metadata(self) -> dict[str, Any]:
        """The project metadata block the gallery reads (everything but dataset/training)."""
        data = asdict(self)
        for key in ("dataset", "training", "expand_nested", "extra"):
            data.pop(key)
        data.update(self.extra)
        data["template"] = data.pop("name")
        return data


Builder = Callable[[], Any]


@dataclass(frozen=True)
class Template:
    info: TemplateInfo
    build: Builder


_REGISTRY: dict[str, Template] = {}
_MODULES = ("vision", "sequence", "generative", "transfer", "gan", "vae", "classics")


def template(info: TemplateInfo) -> Callable[[Builder], Builder]:
    """Register a builder under ``info.name``; names must be unique slugs."""

    def register(build: Builder) -> Builder:
        if info.name in _REGISTRY:
            raise ValueError(f"template name {info.name!r} is used twice")
        if info.task not in TASKS:
            raise ValueError(
                f"template {info.name!r}: task must be one of {TASKS}; received task={info.task!r}"
            )
        _REGISTRY[info.name] = Template(info, build)
        return build

    return register


def bundled(name: str, **options: Any) -> dict[str, Any]:
    """A bundled-dataset reference, in the same dict form ``DatasetRef.to_dict`` writes."""
    return {
        "kind": "bundled",
        "name": name,
        "path": "",
        "options": dict(options),
        "preprocessing": {},
    }


def training(
    loss: str,
    epochs: int,
    batch_size: int,
    *,
    learning_rate: float = 1e-3,
    optimizer: str = "Adam",
    metrics: tuple[str, ...] = ("accuracy",),
    loss_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Training settings in the ``TrainingSettings.to_dict`` vocabulary (missing keys default).

    ``loss_params`` are the Keras loss's own arguments, e.g. ``from_logits`` for a model whose
    last layer has no softmax.
    """
    return {
        "optimizer": {"name": optimizer, "params": {"learning_rate": learning_rate}},
        "loss": {"name": loss, "params": dict(loss_params or {})},
        "metrics": list(metrics),
        "epochs": epochs,
        "batch_size": batch_size,
    }


def classify(epochs: int, batch_size: int, **kwargs: Any) -> dict[str, Any]:
    """Integer class labels (what the bundled sets give) with softmax outputs."""
    return training("SparseCategoricalCrossentropy", epochs, batch_size, **kwargs)


def regress(epochs: int, batch_size: int, **kwargs: Any) -> dict[str, Any]:
    return training("MeanSquaredError", epochs, batch_size, metrics=("mae",), **kwargs)


def all_templates() -> dict[str, Template]:
    """Every template, in gallery order (the order the modules declare them)."""
    for module in _MODULES:
        importlib.import_module(f"templates.builders.{module}")
    return dict(_REGISTRY)
