"""Variational training (VAE): reconstruction loss plus the KL term, from one graph.

The project is an ordinary graph — encoder → ``z_mean`` and ``z_log_var`` → the studio's
``Sampling`` layer → decoder → reconstruction — so it compiles, checks and exports like any
model. This mode finds the ``Sampling`` node, reads its two inputs, and trains a
:class:`VAETrainer` whose ``compute_loss`` is, per sample,

    reconstruction = Σ_pixels loss(x, x̂)        (BinaryCrossentropy or MeanSquaredError)
    kl             = -½ Σ_latent (1 + log σ² - μ² - σ²)
    loss           = mean over the batch of reconstruction + β · kl

Because only ``compute_loss`` changes, Keras's own train steps run it on TensorFlow, JAX and
PyTorch alike. Logged: ``loss``, ``reconstruction_loss``, ``kl_loss`` (and ``val_`` ones).

After every N epochs the decoder turns the same random latent vectors into a sample grid. The
parts kept beside the run are the ``encoder`` (image → z_mean), the ``decoder`` (z → image)
and the whole ``vae``.

Options (``mode_options``): ``beta`` (1.0), ``sample_every`` (1), ``samples`` (16),
``sample_seed`` (0).
"""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.training.modes import register_mode
from studio.training.modes.base import ModeRun, SampleGridCallback, fixed_latent, option
from studio.training.samples import SampleLog
from studio.training.settings import TrainingError, TrainingSettings, build_optimizer

log = logging.getLogger(__name__)

RECONSTRUCTION_LOSSES = ("BinaryCrossentropy", "MeanSquaredError")
_EPSILON = 1e-7


def sampling_layer(model: keras.Model):
    """The model's one ``Sampling`` layer; TrainingError when there is none or several."""
    from studio.layers.sampling import Sampling

    found = [layer for layer in model._flatten_layers() if isinstance(layer, Sampling)]
    if len(found) != 1:
        raise TrainingError(
            "VAE training needs exactly one Sampling layer fed by the encoder's z_mean and "
            f"z_log_var; this model has {len(found)}."
        )
    return found[0]


def vae_parts(model: keras.Model) -> dict[str, keras.Model]:
    """``encoder`` (input → z_mean), ``decoder`` (z → output) and ``vae``, sharing layers."""
    sampling = sampling_layer(model)
    z_mean, _ = sampling.input
    encoder = keras.Model(model.inputs, z_mean, name="encoder")
    decoder = keras.Model(sampling.output, model.outputs[0], name="decoder")
    return {"encoder": encoder, "decoder": decoder, "vae": model}


class VAETrainer(keras.Model):
    """``net`` maps x to (reconstruction, z_mean, z_log_var); the loss is the VAE's."""

    def __init__(self, net: keras.Model, reconstruction: str, beta: float = 1.0, **kwargs):
        super().__init__(name="vae_trainer", **kwargs)
        self.net = net
        self.reconstruction = reconstruction
        self.beta = float(beta)
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.built = True

    def call(self, inputs, training: bool = False):
        return self.net(inputs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        ops = keras.ops
        reconstruction, z_mean, z_log_var = y_pred
        target = ops.cast(x if y is None else y, reconstruction.dtype)
        if self.reconstruction == "BinaryCrossentropy":
            p = ops.clip(reconstruction, _EPSILON, 1.0 - _EPSILON)
            per_value = -(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))
        else:
            per_value = ops.square(target - reconstruction)
        batch = ops.shape(per_value)[0]
        rec = ops.sum(ops.reshape(per_value, (batch, -1)), axis=1)
        kl_terms = 1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)
        kl = -0.5 * ops.sum(ops.reshape(kl_terms, (batch, -1)), axis=1)
        rec_loss, kl_loss = ops.mean(rec), ops.mean(kl)
        # Weighted by batch size, as Keras weights its ``loss`` tracker, so the epoch's
        # loss equals its reconstruction_loss + beta * kl_loss even with a short last batch.
        weight = ops.cast(batch, rec_loss.dtype)
        self.reconstruction_tracker.update_state(rec_loss, sample_weight=weight)
        self.kl_tracker.update_state(kl_loss, sample_weight=weight)
        return rec_loss + self.beta * kl_loss


def _single(x: Any, what: str) -> np.ndarray:
    if isinstance(x, list):
        raise TrainingError(f"VAE training reads one array of {what}; the data has several")
    return np.asarray(x)


class VaeMode:
    """``mode: "vae"`` — see the module docstring."""

    name = "vae"
    title = "Variational autoencoder (VAE)"
    metrics = ("loss", "reconstruction_loss", "kl_loss")

    def check(self, model: keras.Model, dataset: Dataset) -> list[str]:
        try:
            sampling_layer(model)
        except TrainingError as exc:
            return [str(exc)]
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            return ["VAE training needs one input and one reconstruction output"]
        want_in = tuple(model.inputs[0].shape[1:])
        want_out = tuple(model.outputs[0].shape[1:])
        x = dataset.x_train
        got = "several arrays" if isinstance(x, list) else tuple(np.shape(x)[1:])
        if got != want_in:
            return [f"the encoder reads inputs of shape {want_in}; the data has {got}"]
        if want_out != want_in:
            return [f"the decoder makes {want_out} but reconstructs inputs of shape {want_in}"]
        return []

    def prepare(self, model: keras.Model, dataset: Dataset, settings: TrainingSettings) -> ModeRun:
        problems = self.check(model, dataset)
        if problems:
            raise TrainingError(problems[0])
        if settings.loss.name not in RECONSTRUCTION_LOSSES:
            raise TrainingError(
                f"VAE reconstruction loss must be one of {list(RECONSTRUCTION_LOSSES)}; "
                f"received loss={settings.loss.name!r}"
            )
        options = settings.mode_options
        beta = option(options, "beta", 1.0, float)
        if beta < 0:
            raise TrainingError(f"mode option `beta` must be at least 0; received beta={beta}")
        sampling = sampling_layer(model)
        z_mean, z_log_var = sampling.input
        net = keras.Model(model.inputs, [model.outputs[0], z_mean, z_log_var], name="vae_net")
        trainer = VAETrainer(net, settings.loss.name, beta)
        trainer.compile(optimizer=build_optimizer(settings))
        x = _single(dataset.x_train, "inputs").astype("float32")
        validation = None
        if dataset.x_val is not None:
            validation = (_single(dataset.x_val, "inputs").astype("float32"),)
        elif settings.validation_split > 0:
            cut = int(len(x) * (1.0 - settings.validation_split))
            x, validation = x[:cut], (x[cut:],)
        parts = vae_parts(model)
        decoder = parts["decoder"]
        samples = SampleLog("Random samples (fixed latent vectors)")
        latent = fixed_latent(
            tuple(int(d) for d in decoder.inputs[0].shape[1:]),
            option(options, "samples", 16, int),
            option(options, "sample_seed", 0, int),
        )
        callbacks = []
        if len(decoder.outputs[0].shape) in (3, 4):  # images: (h, w) or (h, w, c)
            callbacks.append(
                SampleGridCallback(
                    lambda z: decoder(z, training=False),
                    latent,
                    samples,
                    every=option(options, "sample_every", 1, int),
                )
            )
        return ModeRun(
            trainer=trainer,
            x=x,
            validation_data=validation,
            saved_model=model,
            callbacks=callbacks,
            monitor="loss",
            samples=samples if callbacks else None,
            parts=parts,
        )


register_mode(VaeMode())
