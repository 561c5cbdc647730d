"""Datasets that ship with the studio or are generated on the spot: they never need a network.

Each loader takes ``size`` (number of samples before the split; None means the set's default)
and ``seed``, and returns a :class:`Dataset` already split 80/20 into train and validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from studio.data.dataset import Dataset, Task
from studio.data.errors import DatasetError
from studio.data.split import train_val_split
from studio.data.synthetic_classic import make_cartpole_states, make_sine_curve
from studio.data.synthetic_ecg import BEAT_LENGTH, load_ecg
from studio.data.synthetic_images import (
    make_digits,
    make_imagenet_like,
    make_patterns,
    make_shapes,
)
from studio.data.synthetic_segmentation import make_segmentation_shapes
from studio.data.synthetic_series import (
    make_sine_windows,
    make_token_sentiment,
    make_waveforms,
)
from studio.data.synthetic_text import ALPHABET, make_char_windows

VALIDATION_FRACTION = 0.2
TOKEN_VOCAB_SIZE = 100
TOKEN_LENGTH = 20
CHAR_WINDOW = 10

Loader = Callable[..., Dataset]


@dataclass(frozen=True)
class BundledInfo:
    """What the dataset picker shows before anything is loaded."""

    name: str
    description: str
    task: Task
    input_shape: tuple[int, ...]
    loader: Loader
    default_size: int


def _subsample(x: np.ndarray, y: np.ndarray, size: int | None, seed: int):
    if size is None or size >= len(x):
        return x, y
    if size < 10:
        raise DatasetError(f"size must be at least 10 samples, got size={size}")
    keep = np.sort(np.random.default_rng(seed).permutation(len(x))[:size])
    return x[keep], y[keep]


def _finish(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    task: Task,
    class_names: list[str] | None,
    description: str,
    standardize: bool = False,
    **metadata: object,
) -> Dataset:
    x_train, y_train, x_val, y_val = train_val_split(x, y, VALIDATION_FRACTION, seed)
    if standardize:
        # Statistics come from the training part only, so validation stays unseen.
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        std[std == 0] = 1.0
        x_train = (x_train - mean) / std
        x_val = (x_val - mean) / std
    return Dataset(
        name=name,
        x_train=x_train.astype(x.dtype),
        y_train=y_train,
        x_val=x_val.astype(x.dtype),
        y_val=y_val,
        task=task,
        class_names=class_names,
        description=description,
        metadata={"source": "bundled", **metadata},
    )


def _sklearn_table(name: str, size: int | None, seed: int) -> Dataset:
    from sklearn import datasets as sk

    loaders = {"iris": sk.load_iris, "wine": sk.load_wine, "breast_cancer": sk.load_breast_cancer}
    bunch = loaders[name]()
    x, y = _subsample(bunch.data.astype(np.float32), bunch.target.astype(np.int64), size, seed)
    info = BUNDLED[name]
    return _finish(
        name, x, y, seed, info.task, [str(c) for c in bunch.target_names], info.description,
        standardize=True, feature_names=[str(f) for f in bunch.feature_names],
    )  # fmt: skip


def load_digits(size: int | None = None, seed: int = 0) -> Dataset:
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = (bunch.images / 16.0).astype(np.float32)[..., None]
    x, y = _subsample(x, bunch.target.astype(np.int64), size, seed)
    names = [str(d) for d in range(10)]
    return _finish("digits", x, y, seed, "classification", names, BUNDLED["digits"].description)


def load_iris(size: int | None = None, seed: int = 0) -> Dataset:
    return _sklearn_table("iris", size, seed)


def load_wine(size: int | None = None, seed: int = 0) -> Dataset:
    return _sklearn_table("wine", size, seed)


def load_breast_cancer(size: int | None = None, seed: int = 0) -> Dataset:
    return _sklearn_table("breast_cancer", size, seed)


def _generated(name: str, make: Callable, size: int | None, seed: int, **meta: object) -> Dataset:
    info = BUNDLED[name]
    x, y, names = make(size or info.default_size, seed)
    return _finish(name, x, y, seed, info.task, names, info.description, **meta)


def load_shapes(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("shapes", make_shapes, size, seed)


def load_mnist_like(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("mnist_like", make_digits, size, seed)


def load_cifar_like(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("cifar_like", make_patterns, size, seed)


def load_sequence_classes(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("sequence_classes", make_waveforms, size, seed)


def load_tokens(size: int | None = None, seed: int = 0) -> Dataset:
    def make(n: int, s: int):
        return make_token_sentiment(n, s, length=TOKEN_LENGTH, vocab_size=TOKEN_VOCAB_SIZE)

    return _generated(
        "tokens", make, size, seed, vocab_size=TOKEN_VOCAB_SIZE, sequence_length=TOKEN_LENGTH
    )


def load_chars(size: int | None = None, seed: int = 0) -> Dataset:
    def make(n: int, s: int):
        return make_char_windows(n, s, window=CHAR_WINDOW)

    return _generated(
        "chars", make, size, seed, vocabulary=ALPHABET, vocab_size=len(ALPHABET),
        sequence_length=CHAR_WINDOW,
    )  # fmt: skip


def load_imagenet_like(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("imagenet_like", make_imagenet_like, size, seed, drawn_classes=10)


def load_imagenet_like_227(size: int | None = None, seed: int = 0) -> Dataset:
    def make(n: int, s: int):
        return make_imagenet_like(n, s, size=227)

    return _generated("imagenet_like_227", make, size, seed, drawn_classes=10)


def load_segmentation_shapes(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("segmentation_shapes", make_segmentation_shapes, size, seed)


def load_sine(size: int | None = None, seed: int = 0) -> Dataset:
    info = BUNDLED["sine"]
    x, y = make_sine_windows(size or info.default_size, seed)
    return _finish("sine", x, y, seed, "forecasting", None, info.description, window=32)


def _load_ecg(size: int | None = None, seed: int = 0) -> Dataset:
    return load_ecg(size, seed, BUNDLED["ecg"].description)


def load_sine_curve(size: int | None = None, seed: int = 0) -> Dataset:
    info = BUNDLED["sine_curve"]
    x, y = make_sine_curve(size or info.default_size, seed)
    return _finish("sine_curve", x, y, seed, "regression", None, info.description)


def load_cartpole(size: int | None = None, seed: int = 0) -> Dataset:
    return _generated("cartpole", make_cartpole_states, size, seed, environment="CartPole-v1")


BUNDLED: dict[str, BundledInfo] = {
    info.name: info
    for info in [
        BundledInfo("digits", "8x8 handwritten digits from scikit-learn (1,797 images, 10 "
                    "classes), pixels 0..1", "classification", (8, 8, 1), load_digits, 1797),
        BundledInfo("iris", "Iris flowers: 4 standardized measurements, 3 species",
                    "classification", (4,), load_iris, 150),
        BundledInfo("wine", "Wine cultivars: 13 standardized chemical measurements, 3 classes",
                    "classification", (13,), load_wine, 178),
        BundledInfo("breast_cancer", "Breast tumours: 30 standardized features, malignant or "
                    "benign (0/1, for a 1-unit sigmoid)", "binary", (30,), load_breast_cancer,
                    569),
        BundledInfo("shapes", "Generated 28x28 grayscale circles, squares, triangles and "
                    "crosses with noise", "classification", (28, 28, 1), load_shapes, 2000),
        BundledInfo("mnist_like", "Generated 28x28 pen-stroke digits 0-9, centred like MNIST "
                    "with varied size, slant and thickness: trains MNIST templates offline",
                    "classification", (28, 28, 1), load_mnist_like, 3000),
        BundledInfo("cifar_like", "Generated 32x32 colour shapes and textures, 10 classes: "
                    "trains CIFAR-10 templates offline", "classification", (32, 32, 3),
                    load_cifar_like, 3000),
        BundledInfo("sine", "Noisy sine waves: 32 steps -> the next value", "forecasting",
                    (32, 1), load_sine, 2000),
        BundledInfo("sequence_classes", "Sine, square or sawtooth wave? 64 noisy steps",
                    "classification", (64, 1), load_sequence_classes, 1500),
        BundledInfo("tokens", "Token sequences (length 20, vocab 100) labelled by counts of "
                    "positive and negative words, for Embedding models", "binary", (20,),
                    load_tokens, 2000),
        BundledInfo("chars", "Text from a small Alice-like grammar: 10-character windows -> "
                    "the next character (28-character alphabet, ids for an Embedding)",
                    "classification", (CHAR_WINDOW,), load_chars, 4000),
        BundledInfo("imagenet_like", "Generated 224x224 colour shapes and textures, 10 classes "
                    "labelled within ImageNet's 1000 outputs: trains ImageNet designs offline",
                    "classification", (224, 224, 3), load_imagenet_like, 128),
        BundledInfo("imagenet_like_227", "The imagenet_like set at AlexNet's 227x227",
                    "classification", (227, 227, 3), load_imagenet_like_227, 128),
        BundledInfo("segmentation_shapes", "Generated 128x128 colour images of circles and "
                    "squares with a class per pixel (background, circle, square)",
                    "classification", (128, 128, 3), load_segmentation_shapes, 256),
        BundledInfo("ecg", "Generated ECG-like heartbeats (140 steps, 0..1): normal beats to "
                    "train an autoencoder on, validation mixed with abnormal ones (labels in "
                    "metadata) for anomaly detection", "reconstruction", (BEAT_LENGTH,),
                    _load_ecg, 2500),
        BundledInfo("sine_curve", "x in [-pi, pi] -> sin(x) + noise: 1-D regression for RBF "
                    "networks", "regression", (1,), load_sine_curve, 500),
        BundledInfo("cartpole", "CartPole-v1 states from random play, labelled by a balancing "
                    "rule; the DQN mode plays the environment itself", "classification", (4,),
                    load_cartpole, 2000),
    ]
}  # fmt: skip


def load_bundled(name: str, size: int | None = None, seed: int = 0) -> Dataset:
    """Load one bundled set by name; the error lists the known names for a typo."""
    info = BUNDLED.get(name)
    if info is None:
        raise DatasetError(f"unknown bundled dataset {name!r}; known: {', '.join(sorted(BUNDLED))}")
    return info.loader(size=size, seed=seed)
