"""Tiny GAN, VAE and autoencoder models shared by the generative tests (seconds to train)."""

from __future__ import annotations

import keras
from keras import layers

from studio.layers.sampling import Sampling

LATENT = 4


def tiny_gan() -> keras.Model:
    """Generator (noise → 28×28×1 tanh) and discriminator (image → sigmoid), side by side."""
    noise = keras.Input((LATENT,), name="noise")
    x = layers.Dense(7 * 7 * 4, name="g_dense")(noise)
    x = layers.BatchNormalization(name="g_bn")(x)
    x = layers.ReLU(name="g_relu")(x)
    x = layers.Reshape((7, 7, 4), name="g_reshape")(x)
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu", name="g_up")(x)
    fake = layers.Conv2DTranspose(
        1, 3, strides=2, padding="same", activation="tanh", name="fake_image"
    )(x)
    image = keras.Input((28, 28, 1), name="image")
    y = layers.Conv2D(4, 3, strides=2, name="d_conv")(image)
    y = layers.LeakyReLU(0.2, name="d_lrelu")(y)
    y = layers.Dropout(0.3, name="d_drop")(y)
    y = layers.Flatten(name="d_flat")(y)
    score = layers.Dense(1, activation="sigmoid", name="score")(y)
    return keras.Model([noise, image], [fake, score], name="tiny_gan")


def tiny_vae(latent: int = 2) -> keras.Model:
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten(name="flat")(image)
    x = layers.Dense(16, activation="relu", name="enc")(x)
    z_mean = layers.Dense(latent, name="z_mean")(x)
    z_log_var = layers.Dense(latent, name="z_log_var")(x)
    z = Sampling(name="z")([z_mean, z_log_var])
    x = layers.Dense(16, activation="relu", name="dec")(z)
    x = layers.Dense(784, activation="sigmoid", name="pixels")(x)
    out = layers.Reshape((28, 28, 1), name="reconstruction")(x)
    return keras.Model(image, out, name="tiny_vae")


def tiny_series_autoencoder(length: int = 140) -> keras.Model:
    beat = keras.Input((length,), name="beat")
    x = layers.Dense(8, activation="relu", name="code")(beat)
    out = layers.Dense(length, activation="sigmoid", name="reconstruction")(x)
    return keras.Model(beat, out, name="tiny_ae")


def tiny_denoiser() -> keras.Model:
    image = keras.Input((28, 28, 1), name="image")
    x = layers.GaussianNoise(0.2, name="noise")(image)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dense(16, activation="relu", name="code")(x)
    x = layers.Dense(784, activation="sigmoid", name="pixels")(x)
    return keras.Model(image, layers.Reshape((28, 28, 1), name="out")(x), name="denoiser")
