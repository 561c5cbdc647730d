"""The course's DCGAN: a generator and a discriminator in one project, trained adversarially.

The two models are built as Keras models of their own and placed side by side in one outer
model (two inputs, two outputs) so the importer turns them into two blocks on one canvas,
``generator`` and ``discriminator``; the GAN training mode (``studio.training.modes.gan``)
tells them apart by their outputs and trains them in turn.
"""

from __future__ import annotations

import keras
from keras import layers

from templates.builders import TemplateInfo, bundled, template, training

LATENT_DIM = 64


def _generator() -> keras.Model:
    """Dense → reshape → transposed convolutions with BatchNorm and ReLU, tanh out, no pooling."""
    noise = keras.Input((LATENT_DIM,), name="noise")
    x = layers.Dense(7 * 7 * 64, use_bias=False, name="g_dense")(noise)
    x = layers.BatchNormalization(name="g_bn1")(x)
    x = layers.ReLU(name="g_relu1")(x)
    x = layers.Reshape((7, 7, 64), name="g_reshape")(x)
    x = layers.Conv2DTranspose(64, 5, padding="same", use_bias=False, name="g_deconv1")(x)
    x = layers.BatchNormalization(name="g_bn2")(x)
    x = layers.ReLU(name="g_relu2")(x)
    x = layers.Conv2DTranspose(32, 5, strides=2, padding="same", use_bias=False, name="g_deconv2")(
        x
    )
    x = layers.BatchNormalization(name="g_bn3")(x)
    x = layers.ReLU(name="g_relu3")(x)
    image = layers.Conv2DTranspose(
        1, 5, strides=2, padding="same", activation="tanh", name="generated_image"
    )(x)
    return keras.Model(noise, image, name="generator")


def _discriminator() -> keras.Model:
    """Strided convolutions with LeakyReLU (and dropout), one sigmoid score: real or fake."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(32, 5, strides=2, padding="same", name="d_conv1")(image)
    x = layers.LeakyReLU(0.2, name="d_lrelu1")(x)
    x = layers.Dropout(0.3, name="d_drop1")(x)
    x = layers.Conv2D(64, 5, strides=2, padding="same", name="d_conv2")(x)
    x = layers.LeakyReLU(0.2, name="d_lrelu2")(x)
    x = layers.Dropout(0.3, name="d_drop2")(x)
    x = layers.Flatten(name="d_flatten")(x)
    score = layers.Dense(1, activation="sigmoid", name="real_or_fake")(x)
    return keras.Model(image, score, name="discriminator")


def _gan_training() -> dict:
    settings = training("BinaryCrossentropy", 20, 64, learning_rate=2e-4, metrics=())
    settings["optimizer"]["params"]["beta_1"] = 0.5
    settings.update(
        {
            "validation_split": 0.0,
            "mode": "gan",
            "mode_options": {"sample_every": 1, "samples": 16, "sample_seed": 0},
        }
    )
    return settings


@template(
    TemplateInfo(
        name="dcgan_digits",
        title="DCGAN (digits)",
        description="A generator (64-number noise → Dense → reshape 7×7 → transposed "
        "convolutions with BatchNorm and ReLU → 28×28 tanh image, no pooling) and a "
        "discriminator (strided Conv2D + LeakyReLU + dropout → sigmoid real/fake) on one "
        "canvas, trained adversarially: each step the discriminator learns real from fake, "
        "then the generator learns to fool it, each with its own Adam and binary "
        "cross-entropy. The Train tab shows both losses, D(x) and D(G(z)), and a grid "
        "from fixed noise after every epoch. Sized to turn into digits on a CPU in minutes "
        "(the course's larger model with Adam(1e-4) and batch 256 needs a GPU and all of "
        "MNIST; here Adam(2e-4, β₁=0.5) and batch 64, the DCGAN paper's settings).",
        task="generative",
        dataset=bundled("mnist_like", size=6000),
        params=423_266,
        training=_gan_training(),
        source="catalogue: DCGAN on MNIST (course GAN lab)",
        real_dataset="keras:mnist",
        target="inputs",
        expand_nested=True,
        trains_by_default=False,
        extra={"mode": "gan", "latent_dim": LATENT_DIM, "compact_blocks": True},
    )
)
def dcgan_digits() -> keras.Model:
    generator, discriminator = _generator(), _discriminator()
    noise = keras.Input((LATENT_DIM,), name="noise")
    image = keras.Input((28, 28, 1), name="image")
    # Named outputs after each block: what the GAN mode and the canvas call each chain's end.
    fake = layers.Identity(name="fake_image")(generator(noise))
    score = layers.Identity(name="score")(discriminator(image))
    return keras.Model([noise, image], [fake, score], name="dcgan_digits")
