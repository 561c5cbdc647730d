"""The ``rbm`` training mode: contrastive divergence (CD-k) for every RBM layer, greedily and
layer by layer in model order (each RBM learns from the hidden activations of the ones below,
which are already trained), then, when the model has layers after them and ``fine_tune`` is
on, a supervised ``fit`` of the whole network: Hinton's deep belief network recipe.

CD-k, per mini-batch of visible vectors v0: hidden probabilities p0 = σ(v0 W + c), sample h;
k alternating Gibbs steps v ← σ(h Wᵀ + b), p ← σ(v W + c), h ~ p; then
W += lr·(v0ᵀp0 − vᵀp)/n (with momentum and weight decay), b += lr·mean(v0 − v),
c += lr·mean(p0 − p). The reconstruction error is the mean squared difference between v0 and
its one-step reconstruction σ(p0 Wᵀ + b); it is plotted per epoch, one curve per RBM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.layers.rbm import RBM
from studio.training.modes import register_mode
from studio.training.modes.session import (
    ModeSession,
    layer_inputs,
    positive,
    read_options,
    required_layers,
    training_part,
)
from studio.training.settings import TrainingError, TrainingSettings, compile_model


@dataclass(frozen=True)
class RBMOptions:
    pretrain_epochs: int = 10  # CD-k epochs per RBM
    cd_k: int = 1
    learning_rate: float = 0.05
    momentum: float = 0.5
    weight_decay: float = 1e-4
    fine_tune: bool = True  # then fit the whole network with the training settings

    def validate(self) -> None:
        for name in ("pretrain_epochs", "cd_k", "learning_rate"):
            positive(name, getattr(self, name), "rbm")
        if not 0 <= self.momentum < 1:
            raise TrainingError(
                "Option 'momentum' of training mode 'rbm' must be in [0, 1); "
                f"received momentum={self.momentum!r}"
            )
        if self.weight_decay < 0:
            raise TrainingError(
                "Option 'weight_decay' of training mode 'rbm' must be 0 or more; "
                f"received weight_decay={self.weight_decay!r}"
            )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


@dataclass
class RBMState:
    """One RBM's parameters as numpy arrays while CD-k trains them."""

    kernel: np.ndarray  # (visible, hidden)
    hidden_bias: np.ndarray
    visible_bias: np.ndarray

    def hidden(self, v: np.ndarray) -> np.ndarray:
        return _sigmoid(v @ self.kernel + self.hidden_bias)

    def visible(self, h: np.ndarray) -> np.ndarray:
        return _sigmoid(h @ self.kernel.T + self.visible_bias)

    def reconstruction_error(self, v: np.ndarray) -> float:
        return float(np.mean((v - self.visible(self.hidden(v))) ** 2))


def cd_step(
    state: RBMState,
    velocity: np.ndarray,
    v0: np.ndarray,
    options: RBMOptions,
    rng: np.random.Generator,
) -> None:
    """One CD-k update of ``state`` from the mini-batch ``v0`` (in place)."""
    p0 = state.hidden(v0)
    h = (rng.random(p0.shape) < p0).astype("float32")
    v = v0
    p = p0
    for _ in range(options.cd_k):
        v = state.visible(h)
        p = state.hidden(v)
        h = (rng.random(p.shape) < p).astype("float32")
    n = len(v0)
    gradient = (v0.T @ p0 - v.T @ p) / n - options.weight_decay * state.kernel
    velocity *= options.momentum
    velocity += options.learning_rate * gradient
    state.kernel += velocity
    state.visible_bias += options.learning_rate * np.mean(v0 - v, axis=0)
    state.hidden_bias += options.learning_rate * np.mean(p0 - p, axis=0)


def _visible_data(features: np.ndarray, layer: RBM) -> np.ndarray:
    v = features.reshape(-1, features.shape[-1]).astype("float32")
    lo, hi = float(v.min()), float(v.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise TrainingError(
            f"RBM '{layer.name}' has binary visible units, which need inputs in 0..1; its "
            f"inputs range over {lo:.3g}..{hi:.3g}. Scale the data (e.g. a Rescaling layer) "
            "before it."
        )
    return v


class RBMMode:
    name = "rbm"
    options_type = RBMOptions
    title = "RBM/DBN: CD-k pretraining, then fine-tuning"
    checks_targets = True

    def run(
        self, model: keras.Model, dataset: Dataset, settings: TrainingSettings, session: ModeSession
    ) -> str:
        options = read_options(RBMOptions, settings)
        layers = required_layers(model, RBM, "rbm")
        fine_tune = options.fine_tune and bool(self._after_rbms(model, layers))
        session.plan(options.pretrain_epochs * len(layers) + (settings.epochs if fine_tune else 0))
        rng = np.random.default_rng(settings.seed)
        x = training_part(dataset, settings)
        for layer in layers:
            self._pretrain(model, layer, x, settings, options, session, rng)
            if session.stop_requested:
                return "Pretraining stopped; not fine-tuned."
        if fine_tune:
            compile_model(model, settings)
            session.fit(model, dataset, settings)
            return f"{len(layers)} RBM(s) pretrained by CD-{options.cd_k}, then fine-tuned."
        return f"{len(layers)} RBM(s) trained by CD-{options.cd_k}."

    @staticmethod
    def _after_rbms(model: keras.Model, layers: list[RBM]) -> list[keras.layers.Layer]:
        """Trainable layers after the last RBM: the classifier that fine-tuning trains."""
        last = model.layers.index(layers[-1])
        return [lay for lay in model.layers[last + 1 :] if lay.trainable_weights]

    def _pretrain(
        self,
        model: keras.Model,
        layer: RBM,
        x: np.ndarray,
        settings: TrainingSettings,
        options: RBMOptions,
        session: ModeSession,
        rng: np.random.Generator,
    ) -> None:
        v = _visible_data(layer_inputs(model, layer, x), layer)
        state = RBMState(
            *(np.array(keras.ops.convert_to_numpy(w), dtype="float32")
              for w in (layer.kernel, layer.hidden_bias, layer.visible_bias))
        )  # fmt: skip
        mean = np.clip(v.mean(axis=0), 1e-3, 1 - 1e-3)
        if not np.any(state.visible_bias):  # Hinton's start: log odds of each pixel being on
            state.visible_bias = np.log(mean / (1 - mean)).astype("float32")
        velocity = np.zeros_like(state.kernel)
        key = f"{layer.name}_reconstruction_error"
        batch = settings.batch_size
        batches = max(1, math.ceil(len(v) / batch))
        for _ in range(options.pretrain_epochs):
            session.start_epoch(batches)
            order = rng.permutation(len(v)) if settings.shuffle else np.arange(len(v))
            for b in range(batches):
                cd_step(state, velocity, v[order[b * batch : (b + 1) * batch]], options, rng)
                if not session.step(b + 1):
                    break
            layer.kernel.assign(state.kernel)
            layer.hidden_bias.assign(state.hidden_bias)
            layer.visible_bias.assign(state.visible_bias)
            session.end_epoch({key: state.reconstruction_error(v)}, len(v))
            if session.stop_requested:
                return


register_mode(RBMMode())
