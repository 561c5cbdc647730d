"""Autoencoders and a word-embedding model: models trained to reproduce or to represent their
input, whose inner layers are what the user looks at afterwards."""

from __future__ import annotations

import keras
from keras import layers

from templates.builders import TemplateInfo, bundled, template, training

MNIST = bundled("mnist_like")
_RECONSTRUCT = training("MeanSquaredError", 10, 64, metrics=("mae",))


@template(
    TemplateInfo(
        name="dense_autoencoder",
        title="Dense autoencoder",
        description="The seed's autoencoder as a functional model: 784 pixels → Dense(128, relu) "
        "code → Dense(784) reconstruction, trained with MSE to reproduce its input "
        "(fit(x, x) instead of the seed's GradientTape loop). The seed leaves the code "
        "size open; 128 is used, and the output is sigmoid rather than relu so pixels "
        "stay in 0..1.",
        task="generative",
        dataset=MNIST,
        params=201_616,
        training=_RECONSTRUCT,
        source="catalogue §3.8 / §9 #8 (seed 000)",
        real_dataset="keras:mnist",
        target="inputs",
    )
)
def dense_autoencoder() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    code = layers.Dense(128, activation="relu", name="encoder")(x)
    x = layers.Dense(784, activation="sigmoid", name="decoder")(code)
    outputs = layers.Reshape((28, 28, 1), name="reconstruction")(x)
    return keras.Model(inputs, outputs, name="dense_autoencoder")


def _conv_encoder(x):
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="enc_conv1")(x)
    x = layers.MaxPooling2D(2, padding="same", name="enc_pool1")(x)
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="enc_conv2")(x)
    x = layers.MaxPooling2D(2, padding="same", name="enc_pool2")(x)
    return layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="code")(x)


def _conv_decoder(x):
    """Not in the seed: mirrors the encoder, (4,4,8) back up to (28,28,1)."""
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="dec_conv1")(x)
    x = layers.UpSampling2D(2, name="dec_up1")(x)
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="dec_conv2")(x)
    x = layers.UpSampling2D(2, name="dec_up2")(x)
    x = layers.Conv2D(16, 3, activation="relu", name="dec_conv3")(x)
    x = layers.UpSampling2D(2, name="dec_up3")(x)
    return layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="reconstruction")(x)


_DECODER_NOTE = (
    "The seed gives only the encoder (1,904 parameters, code (4,4,8)); the decoder "
    "is designed here, not from the seed: Conv2D + UpSampling2D steps 4→8→16→14→28 "
    "mirroring the encoder (2,481 parameters)."
)


@template(
    TemplateInfo(
        name="conv_autoencoder",
        title="Convolutional autoencoder",
        description="The seed's encoder, Conv2D(16) → pool → Conv2D(8) → pool → Conv2D(8, stride 2)"
        ", squeezes 28×28 digits into a 4×4×8 code. " + _DECODER_NOTE,
        task="generative",
        dataset=MNIST,
        params=4_385,
        training=_RECONSTRUCT,
        source="catalogue §3.7 / §9 #7 (seed 004; decoder designed here)",
        real_dataset="keras:mnist",
        target="inputs",
        extra={"encoder_params": 1_904},
    )
)
def conv_autoencoder() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    return keras.Model(inputs, _conv_decoder(_conv_encoder(inputs)), name="conv_autoencoder")


@template(
    TemplateInfo(
        name="denoising_autoencoder",
        title="Denoising autoencoder",
        description="The convolutional autoencoder with GaussianNoise(0.2) on its input: noise is "
        "added only while training, so the network learns to restore clean digits "
        "from corrupted ones. " + _DECODER_NOTE,
        task="generative",
        dataset=MNIST,
        params=4_385,
        training=_RECONSTRUCT,
        source="catalogue §3.15 (AE family: denoising, seed 000)",
        real_dataset="keras:mnist",
        target="inputs",
    )
)
def denoising_autoencoder() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    noisy = layers.GaussianNoise(0.2, name="noise")(inputs)
    return keras.Model(inputs, _conv_decoder(_conv_encoder(noisy)), name="denoising_autoencoder")


@template(
    TemplateInfo(
        name="word_embedding",
        title="Word embedding (projectable)",
        description="Learns an 8-dimensional vector per token by classifying sentences: "
        "Embedding → average → sigmoid. After training, the 'embedding' layer's "
        "weights are the word vectors; project them to 2-D to see positive and "
        "negative tokens fall apart, as in the word2vec lab.",
        task="text",
        dataset=bundled("tokens"),
        params=809,
        training=training("BinaryCrossentropy", 15, 32),
        source="catalogue §3.14 (word2vec lab, seed 001)",
        real_dataset="keras:imdb",
        extra={"projection_layer": "embedding"},
    )
)
def word_embedding() -> keras.Model:
    inputs = keras.Input((20,), dtype="int32", name="tokens")
    x = layers.Embedding(100, 8, name="embedding")(inputs)
    x = layers.GlobalAveragePooling1D(name="average")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="sentiment")(x)
    return keras.Model(inputs, outputs, name="word_embedding")
