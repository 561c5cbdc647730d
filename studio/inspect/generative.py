"""What the generative views show, computed without Qt: latent grids, interpolation, samples,
reconstructions and anomaly detection by reconstruction error.

Every function takes a built Keras model (the project's, as compiled) and numpy arrays and
returns numpy arrays, so the views only draw and tests check the numbers directly. Which parts
a model has is found here too: a VAE's encoder and decoder around its ``Sampling`` layer, a
GAN's generator, or an autoencoder (one input, an output of the input's shape).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keras
import numpy as np

log = logging.getLogger(__name__)

BATCH = 256


class GenerativeError(ValueError):
    """The model has no part this view needs (no decoder, not an autoencoder, ...)."""


@dataclass(frozen=True)
class LatentModel:
    """A model that turns latent vectors into images, with the encoder when there is one."""

    kind: str  # "vae" or "gan"
    decoder: keras.Model
    encoder: keras.Model | None
    latent_dim: int
    value_range: tuple[float, float]


def latent_model(model: keras.Model) -> LatentModel:
    """The decoder (VAE) or generator (GAN) inside ``model``; GenerativeError otherwise."""
    from studio.training.modes.base import last_activation
    from studio.training.modes.gan import split_gan
    from studio.training.modes.vae import vae_parts
    from studio.training.settings import TrainingError

    try:
        parts = vae_parts(model)
        decoder = parts["decoder"]
        return LatentModel("vae", decoder, parts["encoder"], _latent_dim(decoder), (0.0, 1.0))
    except TrainingError:
        pass
    try:
        generator, _ = split_gan(model)
    except TrainingError:
        raise GenerativeError(
            "This view needs a VAE (a Sampling layer between encoder and decoder) or a GAN "
            "(a generator and a discriminator); this model is neither."
        ) from None
    tanh = last_activation(generator) == "tanh"
    return LatentModel(
        "gan", generator, None, _latent_dim(generator), (-1.0, 1.0) if tanh else (0.0, 1.0)
    )


def _latent_dim(decoder: keras.Model) -> int:
    shape = tuple(decoder.inputs[0].shape[1:])
    if len(shape) != 1:
        raise GenerativeError(f"the latent input should be a vector; it has shape {shape}")
    return int(shape[0])


def _unit(images: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    lo, hi = value_range
    return np.clip((np.asarray(images, dtype="float32") - lo) / (hi - lo), 0.0, 1.0)


def decode(lm: LatentModel, z: np.ndarray) -> np.ndarray:
    """Images in [0, 1] for latent vectors ``z``."""
    out = lm.decoder.predict(np.asarray(z, dtype="float32"), batch_size=BATCH, verbose=0)
    return _unit(out, lm.value_range)


def latent_grid(
    lm: LatentModel, size: int = 15, span: float = 2.0, dims: tuple[int, int] = (0, 1)
) -> tuple[np.ndarray, np.ndarray]:
    """Decode a ``size``×``size`` grid over two latent dimensions (others at 0).

    Rows run from +span (top) to -span along ``dims[1]``; columns from -span to +span along
    ``dims[0]``, so the picture reads like a plot. Returns ``(images, coordinates)``.
    """
    if size < 2:
        raise GenerativeError(f"the grid needs at least 2 steps a side; received size={size}")
    a, b = dims
    if a == b or not (0 <= a < lm.latent_dim and 0 <= b < lm.latent_dim):
        raise GenerativeError(
            f"pick two different latent dimensions below {lm.latent_dim}; received {dims}"
        )
    xs = np.linspace(-span, span, size, dtype="float32")
    ys = xs[::-1]
    z = np.zeros((size * size, lm.latent_dim), dtype="float32")
    coords = np.array([(x, y) for y in ys for x in xs], dtype="float32")
    z[:, a], z[:, b] = coords[:, 0], coords[:, 1]
    return decode(lm, z), coords


def random_samples(lm: LatentModel, count: int = 16, seed: int = 0) -> np.ndarray:
    """Images decoded from ``count`` latent vectors drawn from N(0, I)."""
    z = np.random.default_rng(seed).standard_normal((count, lm.latent_dim)).astype("float32")
    return decode(lm, z)


def encode(lm: LatentModel, x: np.ndarray) -> np.ndarray:
    if lm.encoder is None:
        raise GenerativeError("a GAN has no encoder: its generator only maps noise to images")
    return lm.encoder.predict(np.asarray(x, dtype="float32"), batch_size=BATCH, verbose=0)


def interpolation(
    lm: LatentModel, a: np.ndarray, b: np.ndarray, steps: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """``(through latent space, pixel fading)`` from image ``a`` to image ``b``.

    The latent row decodes points on the straight line between the two codes: every step is a
    plausible digit morphing into the other. The pixel row blends the two images, which just
    shows one digit fading out over the other.
    """
    if steps < 2:
        raise GenerativeError(f"interpolation needs at least 2 steps; received steps={steps}")
    t = np.linspace(0.0, 1.0, steps, dtype="float32")
    codes = encode(lm, np.stack([a, b]))
    z = codes[0][None, :] * (1 - t[:, None]) + codes[1][None, :] * t[:, None]
    shape = (-1,) + (1,) * (np.ndim(a))
    fade = (1 - t).reshape(shape) * a[None] + t.reshape(shape) * b[None]
    return decode(lm, z), np.clip(fade.astype("float32"), 0.0, 1.0)


# -- autoencoders ----------------------------------------------------------------------------
def check_autoencoder(model: keras.Model) -> None:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise GenerativeError("an autoencoder has one input and one output")
    shape_in = tuple(model.inputs[0].shape[1:])
    shape_out = tuple(model.outputs[0].shape[1:])
    if shape_in != shape_out:
        raise GenerativeError(
            f"this model's output {shape_out} is not its input's shape {shape_in}: "
            "it does not reconstruct its input"
        )


def training_noise(model: keras.Model) -> float:
    """The stddev of a GaussianNoise layer the model trains with (0 when it has none)."""
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.GaussianNoise):
            return float(layer.stddev)
    return 0.0


def reconstruct(
    model: keras.Model, x: np.ndarray, noise: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs given, reconstructions)``; with ``noise`` the inputs get Gaussian noise first,
    clipped to [0, 1], the way a denoising autoencoder is shown corrupted images."""
    check_autoencoder(model)
    x = np.asarray(x, dtype="float32")
    if noise > 0:
        rng = np.random.default_rng(seed)
        x = np.clip(x + rng.normal(0.0, noise, x.shape).astype("float32"), 0.0, 1.0)
    return x, model.predict(x, batch_size=BATCH, verbose=0)


def reconstruction_errors(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Mean absolute reconstruction error per sample (the course's anomaly score)."""
    given, out = reconstruct(model, x)
    diff = np.abs(np.asarray(out, dtype="float32") - given)
    return diff.reshape(len(diff), -1).mean(axis=1)


@dataclass(frozen=True)
class Detection:
    """What a threshold on reconstruction error gives against the true labels (1 = anomaly)."""

    threshold: float
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0

    @property
    def accuracy(self) -> float:
        total = self.true_positives + self.false_positives + self.false_negatives
        total += self.true_negatives
        return (self.true_positives + self.true_negatives) / total if total else 0.0


def detect(errors: np.ndarray, labels: np.ndarray, threshold: float) -> Detection:
    """Flag samples whose error is above ``threshold`` as anomalies and count the outcomes."""
    errors, labels = np.asarray(errors), np.asarray(labels).astype(bool)
    if errors.shape != labels.shape:
        raise GenerativeError(f"{len(errors)} errors but {len(labels)} labels")
    flagged = errors > threshold
    return Detection(
        float(threshold),
        int(np.sum(flagged & labels)),
        int(np.sum(flagged & ~labels)),
        int(np.sum(~flagged & labels)),
        int(np.sum(~flagged & ~labels)),
    )


def suggested_threshold(normal_errors: np.ndarray) -> float:
    """Mean plus one standard deviation of the errors on normal data (the course's rule)."""
    errors = np.asarray(normal_errors, dtype="float64")
    return float(errors.mean() + errors.std()) if errors.size else 0.0


__all__ = [
    "Detection",
    "GenerativeError",
    "LatentModel",
    "check_autoencoder",
    "decode",
    "detect",
    "interpolation",
    "latent_grid",
    "latent_model",
    "random_samples",
    "reconstruct",
    "reconstruction_errors",
    "suggested_threshold",
    "training_noise",
]
