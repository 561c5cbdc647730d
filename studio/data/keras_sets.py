"""Keras's standard datasets, with a clear message instead of a stack trace when offline.

``keras.datasets.*.load_data()`` downloads on first use into ``~/.keras/datasets`` and offers
no progress hook, so progress is reported at the steps we can see: checking the cache,
downloading or reading, converting. Conversion to a :class:`Dataset` lives in plain functions so
that it can be checked on small arrays without any download.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.data.dataset import Dataset, Task
from studio.data.errors import DatasetError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]

DEFAULT_NUM_WORDS = 10_000
DEFAULT_MAXLEN = 200

FASHION_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
CIFAR10_NAMES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip


@dataclass(frozen=True)
class KerasSetInfo:
    """One ``keras.datasets`` module and what the studio needs to know before loading it."""

    name: str
    title: str
    description: str
    task: Task
    input_shape: tuple[int, ...]
    cache_names: tuple[str, ...]
    offline_alternative: str
    class_names: tuple[str, ...] | None = None
    num_classes: int | None = None


KERAS_SETS: dict[str, KerasSetInfo] = {
    info.name: info
    for info in [
        KerasSetInfo("mnist", "MNIST", "70,000 28x28 handwritten digits, 10 classes",
                     "classification", (28, 28, 1), ("mnist.npz",), "mnist_like",
                     tuple(str(d) for d in range(10))),
        KerasSetInfo("fashion_mnist", "Fashion-MNIST", "70,000 28x28 clothing images, 10 classes",
                     "classification", (28, 28, 1), ("fashion-mnist",), "mnist_like",
                     tuple(FASHION_NAMES)),
        KerasSetInfo("cifar10", "CIFAR-10", "60,000 32x32 colour photos, 10 classes",
                     "classification", (32, 32, 3),
                     ("cifar-10-batches-py-target", "cifar-10-batches-py"), "cifar_like",
                     tuple(CIFAR10_NAMES)),
        KerasSetInfo("cifar100", "CIFAR-100", "60,000 32x32 colour photos, 100 fine classes",
                     "classification", (32, 32, 3),
                     ("cifar-100-python-target", "cifar-100-python"), "cifar_like",
                     num_classes=100),
        KerasSetInfo("imdb", "IMDB", "50,000 movie reviews as word ids, positive or negative",
                     "binary", (DEFAULT_MAXLEN,), ("imdb.npz",), "tokens",
                     ("negative", "positive")),
        KerasSetInfo("reuters", "Reuters", "11,228 newswires as word ids, 46 topics",
                     "classification", (DEFAULT_MAXLEN,), ("reuters.npz",), "tokens",
                     num_classes=46),
        KerasSetInfo("boston_housing", "Boston Housing", "506 houses, 13 features -> price",
                     "regression", (13,), ("boston_housing.npz",), "wine"),
    ]
}  # fmt: skip


def cache_dirs() -> list[Path]:
    """Where Keras keeps downloads: ``$KERAS_HOME`` or ``~/.keras``, else ``/tmp/.keras``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [Path(home) / "datasets", Path("/tmp/.keras/datasets")]


def is_cached(name: str) -> bool:
    info = _info(name)
    return any((d / c).exists() for d in cache_dirs() for c in info.cache_names)


def _info(name: str) -> KerasSetInfo:
    info = KERAS_SETS.get(name)
    if info is None:
        raise DatasetError(f"unknown Keras dataset {name!r}; known: {', '.join(KERAS_SETS)}")
    return info


def _fetch(name: str, **kwargs: object):
    """Call ``keras.datasets.<name>.load_data``; the one place that may touch the network."""
    module = importlib.import_module(f"keras.datasets.{name}")
    return module.load_data(**kwargs)


def pad_sequences(sequences: Sequence[Sequence[int]], maxlen: int) -> np.ndarray:
    """Left-pad with 0 and keep the last ``maxlen`` ids, as ``keras.utils.pad_sequences`` does.

    Keeping the end matters for reviews, whose verdict tends to come last.
    """
    out = np.zeros((len(sequences), maxlen), dtype=np.int32)
    for i, seq in enumerate(sequences):
        tail = list(seq)[-maxlen:]
        if tail:
            out[i, maxlen - len(tail) :] = tail
    return out


def images_to_dataset(
    info: KerasSetInfo, train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> Dataset:
    """uint8 images -> float32 in 0..1 with a channel axis; labels flattened to int64."""

    def images(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float32) / 255.0
        return x[..., None] if x.ndim == 3 else x

    return Dataset(
        name=info.name,
        x_train=images(train[0]),
        y_train=np.asarray(train[1]).reshape(-1).astype(np.int64),
        x_val=images(test[0]),
        y_val=np.asarray(test[1]).reshape(-1).astype(np.int64),
        task=info.task,
        class_names=_class_names(info),
        description=info.description,
        metadata={"source": "keras"},
    )


def sequences_to_dataset(
    info: KerasSetInfo,
    train: tuple[Sequence, np.ndarray],
    test: tuple[Sequence, np.ndarray],
    num_words: int,
    maxlen: int,
) -> Dataset:
    """Word-id lists -> a padded int32 matrix ready for an ``Embedding(num_words, ...)``."""
    return Dataset(
        name=info.name,
        x_train=pad_sequences(train[0], maxlen),
        y_train=np.asarray(train[1]).astype(np.int64),
        x_val=pad_sequences(test[0], maxlen),
        y_val=np.asarray(test[1]).astype(np.int64),
        task=info.task,
        class_names=_class_names(info),
        description=info.description,
        metadata={"source": "keras", "vocab_size": num_words, "sequence_length": maxlen},
    )


def table_to_dataset(
    info: KerasSetInfo, train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> Dataset:
    """Raw features and float targets; scaling is left to :mod:`studio.data.preprocess`."""
    return Dataset(
        name=info.name,
        x_train=np.asarray(train[0], dtype=np.float32),
        y_train=np.asarray(train[1], dtype=np.float32),
        x_val=np.asarray(test[0], dtype=np.float32),
        y_val=np.asarray(test[1], dtype=np.float32),
        task=info.task,
        description=info.description,
        metadata={"source": "keras"},
    )


def _class_names(info: KerasSetInfo) -> list[str] | None:
    if info.class_names:
        return list(info.class_names)
    if info.num_classes:
        return [str(i) for i in range(info.num_classes)]
    return None


def offline_message(info: KerasSetInfo) -> str:
    return (
        f"{info.title} is not cached and the network is unreachable; use the bundled "
        f"'{info.offline_alternative}' set or connect once to download it"
    )


def load_keras_set(
    name: str,
    on_progress: ProgressCallback | None = None,
    num_words: int = DEFAULT_NUM_WORDS,
    maxlen: int = DEFAULT_MAXLEN,
) -> Dataset:
    """Load a ``keras.datasets`` set, downloading it once if it is not cached.

    ``num_words`` and ``maxlen`` apply to the text sets (imdb, reuters) only.
    """
    info = _info(name)
    report = on_progress or (lambda fraction, message: None)
    cached = is_cached(name)
    report(0.0, f"{info.title}: cached, reading" if cached else f"{info.title}: downloading")
    is_text = name in ("imdb", "reuters")
    kwargs: dict[str, object] = {"num_words": num_words} if is_text else {}
    try:
        train, test = _fetch(name, **kwargs)
    except Exception as exc:  # keras raises a bare Exception for URL failures
        log.debug("load_keras_set: handled exception", exc_info=True)
        if cached:
            raise DatasetError(f"{info.title}: could not read the cached copy ({exc})") from exc
        raise DatasetError(offline_message(info)) from exc
    report(0.8, f"{info.title}: converting")
    if is_text:
        dataset = sequences_to_dataset(info, train, test, num_words, maxlen)
    elif info.task == "regression":
        dataset = table_to_dataset(info, train, test)
    else:
        dataset = images_to_dataset(info, train, test)
    report(1.0, f"{info.title}: {dataset.num_train} training samples")
    return dataset
