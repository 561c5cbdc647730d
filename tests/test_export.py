"""Every export format reads back with the model's own outputs."""

from __future__ import annotations

from pathlib import Path

import keras
import pytest

from studio.interop.export import ExportError, export
from studio.interop.importer import import_model


@pytest.fixture(scope="module")
def graph():
    """A small CNN with two inputs and two outputs, imported with its weights."""
    image = keras.Input((12, 12, 3), name="image")
    extra = keras.Input((5,), name="extra")
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(image)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    both = keras.layers.Concatenate(name="concat")([x, extra])
    label = keras.layers.Dense(3, activation="softmax", name="label")(both)
    value = keras.layers.Dense(1, name="value")(both)
    return import_model(keras.Model([image, extra], [label, value], name="two_heads")).graph


@pytest.mark.parametrize(
    "fmt, name",
    [
        ("keras", "m.keras"),
        ("h5", "m.h5"),
        ("json", "m.json"),
        pytest.param("python", "m.py", marks=pytest.mark.slow),  # runs the script in a child
    ],
)
def test_always_available_formats_read_back_the_same(
    graph, tmp_path: Path, fmt: str, name: str
) -> None:
    report = export(graph, fmt, tmp_path / name)
    assert report.verified, report.message
    assert report.max_abs_diff is not None and report.max_abs_diff < 1e-5
    assert report.path.exists()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp files left behind


def test_export_replaces_an_existing_file(graph, tmp_path: Path) -> None:
    target = tmp_path / "m.keras"
    target.write_text("old")
    assert export(graph, "keras", target).verified
    assert keras.saving.load_model(target).name == "two_heads"


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="needs TensorFlow")
def test_savedmodel_serves_the_same_outputs(graph, tmp_path: Path) -> None:
    report = export(graph, "savedmodel", tmp_path / "saved")
    assert report.verified, report.message
    assert (tmp_path / "saved" / "saved_model.pb").exists()
    again = export(graph, "savedmodel", tmp_path / "saved")
    assert again.verified and sorted(p.name for p in tmp_path.iterdir()) == ["saved"]


def test_onnx_runs_in_onnxruntime(graph, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    if keras.backend.backend() == "tensorflow":
        pytest.importorskip("tf2onnx")
    report = export(graph, "onnx", tmp_path / "m.onnx")
    assert report.verified, report.message
    assert report.max_abs_diff < 1e-3


@pytest.mark.slow
def test_keras_model_exports_as_a_script(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")], name="seq")
    report = export(model, "python", tmp_path / "seq.py")
    assert report.verified, report.message


def test_unknown_format_is_refused_by_name(graph, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="coreml"):
        export(graph, "coreml", tmp_path / "m.mlmodel")


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="needs TensorFlow")
def test_tflite_runs_in_the_interpreter(graph, tmp_path: Path) -> None:
    report = export(graph, "tflite", tmp_path / "m.tflite")
    assert report.path.exists()
    assert report.verified, report.message
