"""What a training mode hands the engine: a model ``fit`` can run, and what to keep afterwards.

A mode is an object with a ``name`` and ``prepare(model, dataset, settings) -> ModeRun``. It
turns the project's compiled model into a ``trainer`` — a ``keras.Model`` subclass with its own
``train_step`` or ``compute_loss``, already compiled — that shares the project's layers. The
engine then ``fit``s the trainer exactly as it fits a supervised model, so pause, stop,
progress, plots, run records and weights work unchanged; it saves the weights of
``saved_model`` (the project's own model, trained through the shared layers) so a run loads
back into the project. ``callbacks`` join the engine's (a sample-grid maker, say);
``samples`` collects what they make and is written beside the run; ``parts`` are models a
user can take away alone (a GAN's generator, a VAE's decoder), exported beside the run too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from studio.training.samples import SampleLog, tile, to_unit_range

log = logging.getLogger(__name__)

PARTS_DIR = "parts"


@dataclass
class ModeRun:
    """One prepared run of a training mode (see the module docstring)."""

    trainer: keras.Model
    x: Any
    y: Any = None
    validation_data: Any = None
    saved_model: keras.Model | None = None
    callbacks: list[keras.callbacks.Callback] = field(default_factory=list)
    # The metric whose lowest value picks the "best" weights; None keeps the last ones.
    monitor: str | None = "loss"
    samples: SampleLog | None = None
    parts: dict[str, keras.Model] = field(default_factory=dict)

    def fit_arguments(self, batch_size: int, epochs: int, shuffle: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "x": self.x,
            "y": self.y,
            "batch_size": batch_size,
            "epochs": epochs,
            "shuffle": shuffle,
            "verbose": 0,
        }
        if self.validation_data is not None:
            kwargs["validation_data"] = self.validation_data
        return kwargs

    def write_outputs(self, run_dir: Path) -> list[Path]:
        """Sample PNGs and each part as ``parts/<name>.keras`` in the run's folder."""
        written: list[Path] = []
        if self.samples is not None:
            written += self.samples.write(run_dir)
        if self.parts:
            folder = Path(run_dir) / PARTS_DIR
            folder.mkdir(parents=True, exist_ok=True)
            for name, model in self.parts.items():
                path = folder / f"{name}.keras"
                model.save(path)
                written.append(path)
        return written


class SampleGridCallback(keras.callbacks.Callback):
    """Every ``every`` epochs (and once before training), decode fixed latent vectors.

    ``make`` maps the fixed latent batch to images in ``value_range``; the grid goes into
    ``log``. Decoding runs on the training thread between epochs, where the weights are
    current on every backend (JAX syncs its state back before ``on_epoch_end``).
    """

    def __init__(
        self,
        make: Callable[[np.ndarray], Any],
        latent: np.ndarray,
        log_: SampleLog,
        every: int = 1,
        value_range: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        super().__init__()
        self.make = make
        self.latent = latent
        self.log = log_
        self.every = max(1, int(every))
        self.value_range = value_range

    def grid(self) -> np.ndarray:
        images = keras.ops.convert_to_numpy(self.make(self.latent))
        return tile(to_unit_range(images, self.value_range))

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.log.add(0, self.grid())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        done = epoch + 1
        total = (self.params or {}).get("epochs") or 0
        if done % self.every == 0 or done == total:
            self.log.add(done, self.grid())


def fixed_latent(shape: tuple[int, ...], count: int, seed: int) -> np.ndarray:
    """The same ``count`` standard-normal latent vectors for every grid of a run."""
    return np.random.default_rng(seed).standard_normal((count, *shape)).astype("float32")


def option(options: dict[str, Any], name: str, default: Any, kind: type) -> Any:
    """A mode option of the expected type, or a ``TrainingError`` naming it and its value."""
    from studio.training.settings import TrainingError

    value = options.get(name, default)
    if value is None:
        return default
    try:
        if kind is int and (isinstance(value, bool) or float(value) != int(value)):
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        raise TrainingError(
            f"mode option `{name}` must be a {kind.__name__}; received {name}={value!r}"
        ) from None


_PASS_THROUGH = ("Identity", "Reshape", "Flatten", "Dropout", "Functional", "Sequential")


def last_activation(model: keras.Model) -> str | None:
    """The activation that shapes ``model``'s output values, looking back through layers that
    pass values on unchanged (Identity, Reshape, ...) and into nested models."""
    tensor = model.outputs[0] if model.outputs else None
    for _ in range(64):
        history = getattr(tensor, "_keras_history", None)
        if not history:
            return None
        layer = history[0]
        if type(layer).__name__ in ("Functional", "Sequential"):
            tensor = layer.outputs[history[2]]
            continue
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", None)
        if type(layer).__name__ not in _PASS_THROUGH:
            return None
        node = layer._inbound_nodes[history[1]]
        tensor = node.input_tensors[0] if node.input_tensors else None
    return None


__all__ = ["ModeRun", "SampleGridCallback", "fixed_latent", "last_activation", "option"]
