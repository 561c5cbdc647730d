"""Dataset/model mismatches in words, with fixes, and the data-side fixes themselves."""

import numpy as np
import pytest

from studio.data import Dataset, DatasetError, check_compatibility, load_bundled
from studio.data.compat import Fix, apply_fix


def _images(n=20, shape=(28, 28), classes=10) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset(
        "imgs",
        rng.random((n, *shape)).astype(np.float32),
        np.arange(n) % classes,
        class_names=[str(i) for i in range(classes)],
    )


def _messages(found):
    return [m.message for m in found]


def test_matching_model_has_no_mismatches():
    data = load_bundled("shapes", size=100)
    assert check_compatibility(data, [(28, 28, 1)], [(4,)], "sparse_categorical_crossentropy") == []
    assert check_compatibility(data, [(None, None, 1)], [(None,)], None) == []


def test_missing_channel_axis_is_fixed_on_the_data():
    data = _images()
    found = check_compatibility(data, [(28, 28, 1)], [(10,)], "sparse_categorical_crossentropy")
    assert _messages(found) == ["model input expects (28, 28, 1), data is (28, 28)"]
    assert found[0].fix.id == "add_channel_axis" and found[0].fix.on_data
    fixed = apply_fix(data, found[0].fix)
    assert fixed.input_shape == (28, 28, 1)
    assert (
        check_compatibility(fixed, [(28, 28, 1)], [(10,)], "sparse_categorical_crossentropy") == []
    )


def test_too_few_units_asks_for_the_class_count():
    found = check_compatibility(_images(), [(28, 28)], [(5,)], "sparse_categorical_crossentropy")
    assert _messages(found) == ["10 classes in data, last Dense has 5 units"]
    assert found[0].fix == Fix("set_units", "set the last Dense layer to 10 units", {"units": 10})
    assert not found[0].fix.on_data
    with pytest.raises(DatasetError, match="changes the model"):
        apply_fix(_images(), found[0].fix)


def test_categorical_crossentropy_needs_one_hot_labels():
    data = _images()
    found = check_compatibility(data, [(28, 28)], [(10,)], "CategoricalCrossentropy")
    assert _messages(found) == [
        "categorical_crossentropy expects one-hot labels, data has integer labels"
    ]
    fixed = apply_fix(data, found[0].fix.id)
    assert fixed.one_hot and fixed.y_train.shape == (20, 10)
    assert fixed.y_train[3].argmax() == 3
    assert check_compatibility(fixed, [(28, 28)], [(10,)], "categorical_crossentropy") == []


def test_sparse_crossentropy_with_one_hot_labels_converts_back():
    data = apply_fix(_images(), "one_hot_labels")
    found = check_compatibility(data, [(28, 28)], [(10,)], "sparse_categorical_crossentropy")
    assert (
        found[0].message
        == "sparse_categorical_crossentropy expects integer labels, data is one-hot"
    )
    assert apply_fix(data, found[0].fix).y_train[:4].tolist() == [0, 1, 2, 3]


def test_binary_crossentropy_with_many_classes():
    found = check_compatibility(_images(), [(28, 28)], [(1,)], "binary_crossentropy", ["sigmoid"])
    assert _messages(found) == [
        "binary_crossentropy needs 2 classes, data has 10",
        "10 classes in data, last Dense has 1 unit",
    ]
    assert found[0].fix.params == {"loss": "sparse_categorical_crossentropy"}


def test_binary_set_fits_one_sigmoid_unit():
    data = load_bundled("breast_cancer")
    assert check_compatibility(data, [(30,)], [(1,)], "binary_crossentropy", ["sigmoid"]) == []
    assert check_compatibility(data, [(30,)], [(2,)], "sparse_categorical_crossentropy") == []


def test_regression_targets_with_softmax_output():
    data = load_bundled("sine", size=100)
    found = check_compatibility(data, [(32, 1)], [(1,)], "mse", ["softmax"])
    assert len(found) == 1
    assert found[0].message.startswith("forecasting targets with a softmax output")
    assert found[0].fix.params == {"activation": "linear"}


def test_regression_output_width_and_crossentropy_loss():
    data = load_bundled("sine", size=100)
    found = check_compatibility(data, [(32, 1)], [(3,)], "categorical_crossentropy")
    assert _messages(found) == [
        "model output is (3,), targets are (1,)",
        "categorical_crossentropy on continuous forecasting targets",
    ]
    assert [m.fix.id for m in found] == ["set_units", "set_loss"]


def test_flat_model_input_offers_flatten():
    data = load_bundled("digits")
    found = check_compatibility(data, [(64,)], [(10,)], None)
    assert _messages(found) == ["model input expects (64,), data is (8, 8, 1)"]
    assert apply_fix(data, found[0].fix).input_shape == (64,)


def test_rgb_model_on_gray_images():
    data = load_bundled("shapes", size=50)
    found = check_compatibility(data, [(28, 28, 3)], [(4,)], None)
    assert found[0].fix.id == "grayscale_to_rgb"
    assert apply_fix(data, found[0].fix).input_shape == (28, 28, 3)


def test_input_count_mismatch_has_no_fix():
    found = check_compatibility(_images(), [(28, 28), (4,)], [(10,)], None)
    assert _messages(found) == ["model has 2 inputs, data has 1 input arrays"]
    assert found[0].fix is None


def test_unknown_fix_is_refused():
    with pytest.raises(DatasetError, match="unknown fix 'rotate'"):
        apply_fix(_images(), "rotate")
