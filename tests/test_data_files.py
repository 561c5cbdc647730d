"""User files (CSV, .npy, .npz, image folders) and preprocessing."""

import numpy as np
import pytest
from PIL import Image

from studio.data import DatasetError, DatasetRef, Preprocessing, load, resolve
from studio.data.files import (
    csv_columns,
    load_csv,
    load_folder,
    load_npy,
    load_npz,
    preview_arrays,
    preview_csv,
    preview_folder,
)
from studio.data.preprocess import apply


@pytest.fixture
def flowers_csv(tmp_path):
    path = tmp_path / "flowers.csv"
    rows = ["petal,sepal,colour,species"]
    for i in range(20):
        species = ["rose", "lily", "tulip"][i % 3]
        rows.append(f"{i * 0.5},{i},red,{species}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_string_labels_become_sorted_classes(flowers_csv):
    data = load_csv(flowers_csv, target="species", features=["petal", "sepal"])
    assert data.class_names == ["lily", "rose", "tulip"]
    assert data.y_train[:3].tolist() == [1, 0, 2]
    assert data.x_train.shape == (20, 2) and data.x_train[3].tolist() == [1.5, 3.0]
    assert data.task == "classification"


def test_csv_missing_column_names_file_and_column(flowers_csv):
    with pytest.raises(DatasetError) as err:
        load_csv(flowers_csv, target="kind")
    assert "flowers.csv has no column 'kind'" in str(err.value)
    assert "species" in str(err.value)


def test_csv_text_feature_is_refused_with_advice(flowers_csv):
    with pytest.raises(DatasetError, match="feature column 'colour' is not numeric"):
        load_csv(flowers_csv, target="species")


def test_csv_numeric_target_is_regression(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("size,price\n" + "".join(f"{i},{i * 1.37 + 0.1}\n" for i in range(30)))
    data = load_csv(path)
    assert data.task == "regression" and data.class_names is None
    assert data.y_train.dtype == np.float32 and data.y_train[1] == pytest.approx(1.47)


def test_csv_preview_and_columns(flowers_csv):
    preview = preview_csv(flowers_csv, rows=2)
    assert preview.columns == ["petal", "sepal", "colour", "species"]
    assert preview.rows == [["0.0", "0", "red", "rose"], ["0.5", "1", "red", "lily"]]
    assert csv_columns(flowers_csv)[-1] == "species"


def test_csv_blank_cell_reports_line(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n1,2,0\n3,,1\n")
    with pytest.raises(DatasetError, match="gaps.csv: column 'b' is empty on line 3"):
        load_csv(path)


def test_npz_with_train_and_test_keeps_test_as_validation(tmp_path):
    path = tmp_path / "set.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.random((10, 4, 4)), y_train=np.arange(10) % 3,
             x_test=rng.random((5, 4, 4)), y_test=np.arange(5) % 3)  # fmt: skip
    data = load_npz(path)
    assert data.x_train.shape == (10, 4, 4) and data.x_val.shape == (5, 4, 4)
    assert data.num_classes == 3 and data.x_train.dtype == np.float32


def test_npz_ragged_shapes_are_named(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, x_train=np.zeros((4, 3)), y_train=np.zeros(4), x_test=np.zeros((2, 5)),
             y_test=np.zeros(2))  # fmt: skip
    with pytest.raises(DatasetError, match=r"bad.npz: ragged shapes.*\(3,\).*\(5,\)"):
        load_npz(path)


def test_npz_wrong_keys_are_listed(tmp_path):
    path = tmp_path / "odd.npz"
    np.savez(path, features=np.zeros((3, 2)))
    with pytest.raises(DatasetError, match=r"odd.npz has keys \['features'\]"):
        load_npz(path)


def test_npy_pair_and_length_mismatch(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((6, 2)))
    np.save(tmp_path / "y.npy", np.array([0, 1, 0, 1, 0, 1]))
    data = load_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    assert data.task == "binary" and data.y_train.tolist() == [0, 1, 0, 1, 0, 1]
    # resolve finds the targets file next to x.npy
    assert load(resolve(str(tmp_path / "x.npy"))).num_train == 4  # one per class held out
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    with pytest.raises(DatasetError, match="x has 6 samples but y has 2"):
        load_npy(tmp_path / "x.npy", tmp_path / "y.npy")


def test_one_hot_npy_targets_are_recognised(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 2)))
    np.save(tmp_path / "y.npy", np.eye(3)[[0, 2, 1, 2]])
    data = load_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    assert data.one_hot and data.num_classes == 3


def test_preview_arrays_lists_npz_contents(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, x=np.arange(12).reshape(6, 2), y=np.arange(6))
    previews = {p.name: p for p in preview_arrays(path, rows=2)}
    assert previews["x"].shape == (6, 2) and previews["x"].head.tolist() == [[0, 1], [2, 3]]


@pytest.fixture
def pets_folder(tmp_path):
    root = tmp_path / "pets"
    for cls, colour in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (20 + i, 10), colour).save(root / cls / f"{i}.png")
    (root / "dog" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_resizes_and_labels_by_subfolder(pets_folder):
    data = load_folder(pets_folder, image_size=(8, 12), color="rgb")
    assert data.x_train.shape == (6, 8, 12, 3)
    assert data.class_names == ["cat", "dog"] and data.y_train.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.x_train[0, 0, 0].tolist() == [1.0, 0.0, 0.0]
    gray = load_folder(pets_folder, image_size=(8, 8), color="grayscale")
    assert gray.x_train.shape == (6, 8, 8, 1)


def test_image_folder_preview_gives_a_few_per_class(pets_folder):
    samples = preview_folder(pets_folder, per_class=2, image_size=(16, 16))
    assert [name for name, _ in samples] == ["cat", "cat", "dog", "dog"]
    assert samples[0][1].shape == (16, 16, 3) and samples[0][1].dtype == np.uint8


def test_folder_without_images_is_explained(tmp_path):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(DatasetError, match="no images found in the class folders of"):
        load_folder(tmp_path / "empty")
    (tmp_path / "flat").mkdir()
    with pytest.raises(DatasetError, match="has no class sub-folders"):
        load_folder(tmp_path / "flat")


def test_folder_ref_loads_through_source(pets_folder):
    ref = DatasetRef("folder", path=str(pets_folder), options={"image_size": (4, 4)},
                     preprocessing=Preprocessing(validation_fraction=0.34))  # fmt: skip
    data = load(ref)
    assert data.num_train == 4 and len(data.x_val) == 2
    assert sorted(data.y_val.tolist()) == [0, 1]  # stratified


# --- preprocessing ----------------------------------------------------------------------------


def test_standard_scaling_uses_training_statistics_only(flowers_csv):
    data = load_csv(flowers_csv, target="species", features=["petal", "sepal"])
    out = apply(data, Preprocessing(scaling="standard", shuffle=False))
    np.testing.assert_allclose(out.x_train.mean(axis=0), 0.0, atol=1e-5)
    assert abs(out.x_val.mean()) > 1e-3 or len(out.x_val) == 0
    assert data.x_train.shape == (20, 2)  # input untouched


def test_minmax_and_divide255():
    from studio.data import Dataset

    x = np.array([[0.0, 10.0], [255.0, 20.0], [51.0, 30.0], [102.0, 40.0], [0.0, 50.0]])
    data = Dataset("t", x.astype(np.float32), np.array([0.0, 1, 2, 3, 4]), task="regression")
    mm = apply(data, Preprocessing(scaling="minmax", validation="split", shuffle=False))
    assert mm.x_train.min() == 0.0 and mm.x_train.max() == 1.0
    d255 = apply(data, Preprocessing(scaling="divide255", shuffle=False))
    assert d255.x_train.max() == pytest.approx(1.0)


def test_split_validation_pools_and_resplits():
    from studio.data import load_bundled

    data = load_bundled("iris")
    out = apply(data, Preprocessing(validation="split", validation_fraction=0.5))
    assert out.num_train == 75 and len(out.x_val) == 75
    kept = apply(data, Preprocessing(validation="separate"))
    assert len(kept.x_val) == 30


def test_token_ids_are_never_scaled():
    from studio.data import load_bundled

    data = load_bundled("tokens", size=100)
    out = apply(data, Preprocessing(scaling="standard"))
    assert out.x_train.dtype == np.int32 and out.x_train.max() > 20


def test_preprocessing_refuses_bad_values():
    with pytest.raises(DatasetError, match="scaling must be one of .*received scaling='log'"):
        Preprocessing(scaling="log")
    with pytest.raises(DatasetError, match="validation_fraction=1.5"):
        Preprocessing(validation_fraction=1.5)
