"""Variational autoencoders on the digits, and a dense autoencoder for ECG anomaly detection.

The VAEs follow the course: encoder → ``z_mean`` and ``z_log_var`` → the studio's ``Sampling``
layer (``studio.layers.sampling``) → decoder. Their latent space is 2-D so the latent-grid view
can lay decoded images out over it. They train in the ``vae`` mode, which adds the KL term
to a summed binary cross-entropy reconstruction loss.
"""

from __future__ import annotations

import keras
from keras import layers

from studio.data.synthetic_ecg import BEAT_LENGTH
from studio.layers.sampling import Sampling
from templates.builders import TemplateInfo, bundled, template, training

LATENT_DIM = 2
MNIST = bundled("mnist_like", size=10000)


def _vae_training(epochs: int) -> dict:
    settings = training("BinaryCrossentropy", epochs, 128, metrics=())
    settings.update({"mode": "vae", "mode_options": {"beta": 1.0, "sample_every": 1}})
    return settings


def _latent(x):
    z_mean = layers.Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT_DIM, name="z_log_var")(x)
    return Sampling(seed=None, name="z")([z_mean, z_log_var])


@template(
    TemplateInfo(
        name="vae_dense",
        title="Variational autoencoder (dense)",
        description="784 pixels → Dense(256, relu) → z_mean and z_log_var (2 numbers each) → "
        "Sampling (z = μ + σ·ε) → Dense(256, relu) → Dense(784, sigmoid) → 28×28. Trained "
        "with reconstruction loss plus the KL term, so the 2-D code space is smooth: the "
        "Inspect tab decodes a grid over it, interpolates between two digits there "
        "(next to plain pixel fading) and draws random samples.",
        task="generative",
        dataset=MNIST,
        params=404_244,
        training=_vae_training(20),
        source="catalogue: VAE (course VAE lab)",
        real_dataset="keras:mnist",
        target="inputs",
        trains_by_default=False,
        extra={"mode": "vae", "latent_dim": LATENT_DIM},
    )
)
def vae_dense() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(256, activation="relu", name="encoder_hidden")(x)
    z = _latent(x)
    x = layers.Dense(256, activation="relu", name="decoder_hidden")(z)
    x = layers.Dense(784, activation="sigmoid", name="decoder_pixels")(x)
    outputs = layers.Reshape((28, 28, 1), name="reconstruction")(x)
    return keras.Model(inputs, outputs, name="vae_dense")


@template(
    TemplateInfo(
        name="vae_conv",
        title="Variational autoencoder (convolutional)",
        description="Conv2D(32, stride 2) → Conv2D(64, stride 2) → Dense(16) → z_mean and "
        "z_log_var (2-D) → Sampling → Dense(7·7·64) → reshape → Conv2DTranspose(64, 32, "
        "stride 2) → Conv2DTranspose(1, sigmoid): the Keras VAE example's design, trained "
        "with reconstruction loss plus KL.",
        task="generative",
        dataset=MNIST,
        params=134_165,
        training=_vae_training(20),
        source="catalogue: VAE (course VAE lab; keras.io VAE example)",
        real_dataset="keras:mnist",
        target="inputs",
        trains_by_default=False,
        extra={"mode": "vae", "latent_dim": LATENT_DIM},
    )
)
def vae_conv() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="enc_conv1")(inputs)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="enc_conv2")(x)
    x = layers.Flatten(name="enc_flatten")(x)
    x = layers.Dense(16, activation="relu", name="enc_dense")(x)
    z = _latent(x)
    x = layers.Dense(7 * 7 * 64, activation="relu", name="dec_dense")(z)
    x = layers.Reshape((7, 7, 64), name="dec_reshape")(x)
    x = layers.Conv2DTranspose(
        64, 3, strides=2, padding="same", activation="relu", name="dec_deconv1"
    )(x)
    x = layers.Conv2DTranspose(
        32, 3, strides=2, padding="same", activation="relu", name="dec_deconv2"
    )(x)
    outputs = layers.Conv2DTranspose(
        1, 3, padding="same", activation="sigmoid", name="reconstruction"
    )(x)
    return keras.Model(inputs, outputs, name="vae_conv")


@template(
    TemplateInfo(
        name="ecg_anomaly_autoencoder",
        title="ECG anomaly autoencoder",
        description="A dense autoencoder (140 → 32 → 16 → 8 → 16 → 32 → 140) trained on "
        "normal heartbeats only. It reconstructs normal beats well and abnormal ones badly, "
        "so the reconstruction error flags anomalies: the Inspect tab's reconstruction view "
        "shows the error histogram of normal and abnormal beats, a threshold slider and the "
        "precision and recall it gives.",
        task="generative",
        dataset=bundled("ecg"),
        params=10_484,
        training=training("MeanSquaredError", 20, 64, metrics=("mae",)),
        source="catalogue: AE anomaly detection on ECG5000 (course AE lab)",
        real_dataset="ECG5000",
        target="inputs",
        extra={"anomaly_detection": True},
    )
)
def ecg_anomaly_autoencoder() -> keras.Model:
    inputs = keras.Input((BEAT_LENGTH,), name="beat")
    x = layers.Dense(32, activation="relu", name="enc1")(inputs)
    x = layers.Dense(16, activation="relu", name="enc2")(x)
    x = layers.Dense(8, activation="relu", name="code")(x)
    x = layers.Dense(16, activation="relu", name="dec1")(x)
    x = layers.Dense(32, activation="relu", name="dec2")(x)
    outputs = layers.Dense(BEAT_LENGTH, activation="sigmoid", name="reconstruction")(x)
    return keras.Model(inputs, outputs, name="ecg_anomaly_autoencoder")
