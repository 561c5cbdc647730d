"""Bundled and generated datasets, Keras-set conversion and the offline message, refs."""

import json
import time

import numpy as np
import pytest

from studio.data import (
    BUNDLED,
    DatasetError,
    DatasetRef,
    Preprocessing,
    keras_sets,
    load,
    load_bundled,
    resolve,
)
from studio.data.keras_sets import KERAS_SETS, pad_sequences


def _test_size(info) -> int | None:
    """Few samples where a set is big: 200 small images, 20 of 128x128 pixels or more."""
    if int(np.prod(info.input_shape)) >= 128 * 128 * 3:
        return 20
    return 200 if info.default_size > 200 else None


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_set_matches_its_registry_entry(name):
    info = BUNDLED[name]
    size = _test_size(info)
    data = load_bundled(name, size=size)
    assert data.input_shape == info.input_shape
    assert data.task == info.task
    assert data.x_val is not None and len(data.x_val) > 0
    assert len(data.x_train) == len(data.y_train)
    assert len(data.x_val) == len(data.y_val)
    assert data.num_train + len(data.x_val) == (size or info.default_size)
    if name in ("tokens", "chars"):
        assert data.x_train.dtype == np.int32
    else:
        assert data.x_train.dtype == np.float32
    if data.class_names:
        assert data.y_train.dtype == np.int64
        assert set(np.unique(data.y_train)) <= set(range(data.num_classes))


def test_unknown_bundled_name_lists_the_known_ones():
    with pytest.raises(DatasetError) as err:
        load_bundled("mnistt")
    assert (
        "'mnistt'" in str(err.value) and "mnist_like" in str(err.value) and "iris" in str(err.value)
    )


def test_generated_sets_are_seeded():
    a, b, c = (
        load_bundled("shapes", seed=3),
        load_bundled("shapes", seed=3),
        load_bundled("shapes", seed=4),
    )
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


def test_shapes_generates_two_thousand_images_under_a_second():
    start = time.perf_counter()
    data = load_bundled("shapes", size=2000)
    assert time.perf_counter() - start < 1.0
    assert data.num_train + len(data.x_val) == 2000
    assert data.class_names == ["circle", "square", "triangle", "cross"]
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    # every class is drawn with a different amount of ink on average
    ink = [data.x_train[data.y_train == k].mean() for k in range(4)]
    assert len({round(v, 3) for v in ink}) == 4


def test_digits_are_scaled_images_and_flatten_to_64_features():
    data = load_bundled("digits")
    assert data.x_train.shape[1:] == (8, 8, 1)
    assert data.x_train.max() == pytest.approx(1.0)
    assert data.x_train.reshape(len(data.x_train), -1).shape[1] == 64
    assert data.num_train + len(data.x_val) == 1797


def test_tabular_sets_are_standardized_on_training_data():
    data = load_bundled("wine")
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1.0, atol=1e-3)
    assert data.metadata["feature_names"][0] == "alcohol"


def test_breast_cancer_is_binary_with_zero_one_labels():
    data = load_bundled("breast_cancer")
    assert data.task == "binary"
    assert set(np.unique(data.y_train)) == {0, 1}
    assert data.class_names == ["malignant", "benign"]


def test_iris_split_is_stratified():
    data = load_bundled("iris")
    assert np.bincount(data.y_val).tolist() == [10, 10, 10]


def test_tokens_label_follows_sentiment_word_counts():
    data = load_bundled("tokens")
    assert data.metadata["vocab_size"] == 100
    assert data.class_names == ["negative", "positive"]
    x = data.x_train
    positive = np.isin(x, np.arange(1, 11)).sum(axis=1)
    negative = np.isin(x, np.arange(11, 21)).sum(axis=1)
    np.testing.assert_array_equal((positive > negative).astype(int), data.y_train)
    assert x.max() < 100


def test_sine_target_continues_the_window():
    data = load_bundled("sine")
    assert data.task == "forecasting" and data.y_train.shape[1:] == (1,)
    # the next value is close to the last one: waves are slow compared to one step
    step = np.abs(data.y_train[:, 0] - data.x_train[:, -1, 0])
    assert np.median(step) < 0.6


def test_chars_windows_are_generated_text_and_the_next_character():
    data = load_bundled("chars", size=500)
    alphabet = data.metadata["vocabulary"]
    assert data.class_names[0] == "space" and data.class_names[2:] == list(alphabet[2:])
    assert data.num_classes == data.metadata["vocab_size"] == len(alphabet) == 28
    assert data.x_train.shape[1:] == (10,) and data.x_train.max() < 28
    text = ["".join(alphabet[i] for i in row) for row in data.x_train[:50]]
    assert any("the " in t for t in text) and all(set(t) <= set(alphabet) for t in text)
    # sentences end in '. ' and are lower case: a full stop is always followed by a space
    after_stop = data.y_train[data.x_train[:, -1] == alphabet.index(".")]
    assert len(after_stop) and np.all(after_stop == alphabet.index(" "))
    # chance is the commonest character (the space); the text is far from uniform
    assert np.bincount(data.y_train).max() / data.num_train < 0.3


def test_chars_is_seeded_and_windows_overlap_like_a_sliding_text():
    a, b = load_bundled("chars", size=300, seed=1), load_bundled("chars", size=300, seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    from studio.data.synthetic_text import make_char_windows

    x, y, _ = make_char_windows(20, seed=1, window=10, stride=3)
    np.testing.assert_array_equal(x[1, :7], x[0, 3:])  # the next window starts 3 chars on
    assert y[0] == x[1, 7]  # ...so the first target is inside it


def test_imagenet_like_fits_a_1000_way_classifier():
    data = load_bundled("imagenet_like", size=20)
    assert data.input_shape == (224, 224, 3) and data.num_classes == 1000
    assert data.class_names[:3] == ["circle", "square", "triangle"]
    assert set(np.unique(data.y_train)) <= set(range(10))
    assert data.metadata["drawn_classes"] == 10
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    assert load_bundled("imagenet_like_227", size=20).input_shape == (227, 227, 3)


def test_segmentation_masks_label_every_pixel_with_the_shape_drawn_there():
    data = load_bundled("segmentation_shapes", size=30)
    assert data.class_names == ["background", "circle", "square"]
    assert data.x_train.shape[1:] == (128, 128, 3)
    assert data.y_train.shape == data.x_train.shape[:3] and data.y_train.dtype == np.int64
    share = np.bincount(data.y_train.ravel(), minlength=3) / data.y_train.size
    assert share[0] > 0.5 and share[1] > 0.03 and share[2] > 0.03
    # the mask follows what is visible: shape pixels stand out from the backdrop's colour
    from studio.data.synthetic_segmentation import make_segmentation_shapes

    x, y, _ = make_segmentation_shapes(8, seed=2)
    for img, mask in zip(x, y, strict=True):
        backdrop = np.median(img[mask == 0], axis=0)
        apart = np.abs(img - backdrop).sum(axis=-1) > 0.3
        assert apart[mask > 0].mean() > 0.95 and apart[mask == 0].mean() < 0.05


def test_mnist_like_digits_are_centred_with_small_jitter():
    data = load_bundled("mnist_like", size=600)
    ink = np.clip(data.x_train[..., 0] - 0.25, 0.0, None)  # strokes, not background noise
    ys, xs = np.mgrid[0:28, 0:28] + 0.5
    mass = ink.sum(axis=(1, 2))
    cy = (ink * ys).sum(axis=(1, 2)) / mass
    cx = (ink * xs).sum(axis=(1, 2)) / mass
    # MNIST centres digits by mass; the glyph box here is centred and moved by at most 2 px
    assert np.abs(cx - 14).max() < 5 and np.abs(cy - 14).max() < 5
    assert np.abs(cx - 14).mean() < 2.0 and np.abs(cy - 14).mean() < 2.0
    # the border is background: no digit reaches the outer 2 pixels
    border = np.concatenate([ink[:, :2].ravel(), ink[:, -2:].ravel()])
    assert border.max() < 0.1
    # stroke thickness varies: the amount of ink per digit spreads widely
    ones = mass[data.y_train == 1]
    assert ones.max() > 1.6 * ones.min()


def test_mnist_like_is_linearly_separable_like_mnist():
    data = load_bundled("mnist_like", size=1500)

    def features(x: np.ndarray) -> np.ndarray:
        return np.hstack([x.reshape(len(x), -1), np.ones((len(x), 1), np.float32)])

    # A ridge least-squares classifier: linear like softmax regression, but closed form.
    a = features(data.x_train)
    targets = np.eye(10, dtype=np.float32)[data.y_train]
    weights = np.linalg.solve(a.T @ a + np.eye(a.shape[1]), a.T @ targets)
    score = (np.argmax(features(data.x_val) @ weights, axis=1) == data.y_val).mean()
    assert score > 0.8  # real MNIST: about 0.85 for this model, 0.92 for softmax


def test_mnist_like_and_cifar_like_have_ten_balanced_classes():
    for name, shape in (("mnist_like", (28, 28, 1)), ("cifar_like", (32, 32, 3))):
        data = load_bundled(name, size=1000)
        assert data.input_shape == shape
        counts = np.bincount(data.y_train, minlength=10)
        assert len(counts) == 10 and counts.min() > 40


# --- Keras sets: conversion on fake arrays, offline message by monkeypatching -----------------


def test_keras_images_gain_channel_axis_and_unit_range():
    info = KERAS_SETS["mnist"]
    fake = np.full((4, 28, 28), 255, dtype=np.uint8)
    data = keras_sets.images_to_dataset(info, (fake, np.arange(4)), (fake[:2], np.arange(2)))
    assert data.x_train.shape == (4, 28, 28, 1) and data.x_train.dtype == np.float32
    assert data.x_train.max() == 1.0
    assert data.num_classes == 10


def test_cifar_labels_are_flattened():
    info = KERAS_SETS["cifar10"]
    x = np.zeros((3, 32, 32, 3), dtype=np.uint8)
    y = np.array([[1], [2], [9]], dtype=np.uint8)
    data = keras_sets.images_to_dataset(info, (x, y), (x, y))
    assert data.y_train.tolist() == [1, 2, 9]
    assert data.class_names[9] == "truck"


def test_text_sets_are_left_padded_and_truncated_from_the_start():
    padded = pad_sequences([[1, 2, 3], [4, 5, 6, 7, 8]], maxlen=4)
    assert padded.tolist() == [[0, 1, 2, 3], [5, 6, 7, 8]]
    info = KERAS_SETS["imdb"]
    data = keras_sets.sequences_to_dataset(
        info, ([[1, 2], [3]], np.array([0, 1])), ([[4]], np.array([1])), num_words=50, maxlen=5
    )
    assert data.x_train.shape == (2, 5) and data.metadata["vocab_size"] == 50
    assert data.class_names == ["negative", "positive"]


def test_offline_keras_set_says_what_to_do(monkeypatch):
    def no_network(name, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com: None -- unreachable")

    monkeypatch.setattr(keras_sets, "_fetch", no_network)
    monkeypatch.setattr(keras_sets, "is_cached", lambda name: False)
    messages = []
    with pytest.raises(DatasetError) as err:
        keras_sets.load_keras_set("mnist", on_progress=lambda f, m: messages.append(m))
    assert str(err.value) == (
        "MNIST is not cached and the network is unreachable; use the bundled 'mnist_like' set "
        "or connect once to download it"
    )
    assert messages == ["MNIST: downloading"]


def test_cached_keras_set_reports_cached_and_converts(monkeypatch):
    x = np.zeros((5, 13), dtype=np.float64)
    monkeypatch.setattr(
        keras_sets, "_fetch", lambda name, **kw: ((x, np.arange(5.0)), (x, x[:, 0]))
    )
    monkeypatch.setattr(keras_sets, "is_cached", lambda name: True)
    progress = []
    data = keras_sets.load_keras_set("boston_housing", lambda f, m: progress.append((f, m)))
    assert progress[0] == (0.0, "Boston Housing: cached, reading")
    assert progress[-1][0] == 1.0
    assert data.task == "regression" and data.x_train.dtype == np.float32


def test_cache_detection_looks_in_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert (
        not keras_sets.is_cached("reuters") or (keras_sets.cache_dirs()[1] / "reuters.npz").exists()
    )
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "reuters.npz").write_bytes(b"")
    assert keras_sets.is_cached("reuters")


# --- refs -------------------------------------------------------------------------------------


def test_ref_survives_json_round_trip():
    ref = DatasetRef(
        "folder",
        path="/data/pets",
        options={"image_size": (64, 64), "color": "rgb"},
        preprocessing=Preprocessing(scaling="standard", labels="one_hot", seed=7),
    )
    again = DatasetRef.from_dict(json.loads(json.dumps(ref.to_dict())))
    assert again == ref


def test_resolve_understands_cli_strings(tmp_path):
    assert resolve("digits") == DatasetRef("bundled", name="digits")
    assert resolve("keras:mnist").kind == "keras"
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    assert resolve(str(tmp_path / "t.csv")).kind == "csv"
    assert resolve(str(tmp_path)).kind == "folder"
    with pytest.raises(DatasetError, match="keras:<name>"):
        resolve("no-such-thing")
    with pytest.raises(DatasetError, match="unknown Keras dataset 'mnst'"):
        resolve("keras:mnst")


def test_load_applies_preprocessing_from_the_ref():
    ref = DatasetRef("bundled", name="iris", preprocessing=Preprocessing(labels="one_hot"))
    data = load(ref)
    assert data.one_hot and data.y_train.shape[1:] == (3,)
    np.testing.assert_allclose(data.y_train.sum(axis=1), 1.0)


def test_shapes_are_drawn_a_chunk_of_samples_at_a_time(monkeypatch):
    """One numpy pass over every sample held the interpreter lock for tens of milliseconds
    while the app loaded the dataset on a worker; chunks give the UI thread its turns and
    draw the same pixels."""
    from studio.data import synthetic_images

    whole = synthetic_images.make_shapes(1200, seed=5)[0]
    batches = []
    real = synthetic_images._shape_masks_pass

    def counted(kinds, *args):
        batches.append(len(kinds))
        return real(kinds, *args)

    monkeypatch.setattr(synthetic_images, "_shape_masks_pass", counted)
    chunked = synthetic_images.make_shapes(1200, seed=5)[0]
    assert max(batches) <= synthetic_images.CHUNK and sum(batches) == 1200
    np.testing.assert_array_equal(chunked, whole)
