"""The ``studio`` command: its spellings are a contract other tools rely on."""

import json
import subprocess
import sys

import pytest

from studio.cli import main
from studio.project import Project
from tests.helpers import chain, small_cnn


@pytest.fixture
def cnn_project(tmp_path):
    graph, _ = chain(
        ("Input", {"shape": [28, 28, 1]}),
        ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
        ("MaxPooling2D", {}),
        ("Flatten", {}),
        ("Dense", {"units": 4, "activation": "softmax"}),
        name="cnn",
    )
    project = Project(
        graph,
        training={"epochs": 2, "batch_size": 64},
        dataset={"kind": "bundled", "name": "shapes", "options": {"size": 400}},
    )
    return project.save(tmp_path / "cnn.studio.json")


def test_summary_json_has_the_contract_keys(cnn_project, capsys):
    assert main(["summary", str(cnn_project), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"layers", "total_params", "trainable_params", "issues"} <= set(data)
    assert data["total_params"] == 40 + 676 * 4 + 4
    conv = data["layers"][1]
    assert conv == {
        "name": "conv2d",
        "type": "Conv2D",
        "output_shape": [None, 26, 26, 4],
        "params": 40,
        "trainable_params": 40,
        "macs": 26 * 26 * 9 * 4,
        "trainable": True,
    }


def test_summary_text_lists_layers_and_issues(tmp_path, capsys):
    graph, _ = small_cnn()
    graph.set_params(graph.nodes[4].id, units=-3)
    path = Project(graph).save(tmp_path / "bad.studio.json")
    assert main(["summary", str(path)]) == 1
    out = capsys.readouterr().out
    assert "conv2d (Conv2D)" in out and "(None, 26, 26, 8)" in out
    assert "error [dense]: Dense 'dense': units must be at least 1; received units=-3" in out


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["summary", "missing.studio.json"], "missing.studio.json: no such file"),
        (["export", "missing.studio.json", "--format", "json", "-o", "x.json"], "no such file"),
        (["train", "missing.studio.json"], "no such file"),
    ],
)
def test_bad_input_is_one_line_on_stderr(argv, expected, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1 and err.startswith("studio: error:")


def test_malformed_json_and_invalid_graph(tmp_path, capsys):
    bad = tmp_path / "bad.studio.json"
    bad.write_text("{oops")
    assert main(["summary", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 0}))
    path = Project(graph).save(tmp_path / "invalid.studio.json")
    assert main(["export", str(path), "--format", "keras", "-o", str(tmp_path / "m.keras")]) == 2
    err = capsys.readouterr().err
    assert "units must be at least 1" in err and len(err.strip().splitlines()) == 1


def test_train_writes_log_json_and_a_run(cnn_project, tmp_path, capsys):
    log = tmp_path / "log.json"
    assert (
        main(
            [
                "train",
                str(cnn_project),
                "--epochs",
                "2",
                "--batch-size",
                "32",
                "--log-json",
                str(log),
            ]
        )
        == 0
    )
    data = json.loads(log.read_text())
    assert [e["epoch"] for e in data["epochs"]] == [1, 2]
    for row in data["epochs"]:
        assert {"loss", "accuracy", "val_loss", "seconds", "val_seconds", "samples"} <= set(row)
        assert row["samples"] == 320
    assert data["epochs"][1]["loss"] < data["epochs"][0]["loss"]
    runs = list((tmp_path / "cnn.runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "run.json").exists()


def test_train_reports_data_that_does_not_fit(cnn_project, capsys):
    assert main(["train", str(cnn_project), "--dataset", "iris"]) == 2
    err = capsys.readouterr().err
    assert "does not fit the model" in err and "(28, 28, 1)" in err


@pytest.mark.slow
def test_python_dash_m_studio_runs():
    out = subprocess.run(
        [sys.executable, "-m", "studio", "summary", "nope.json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == "studio: error: nope.json: no such file"


def test_import_keeps_weights_and_export_writes_them(tmp_path, capsys):
    import keras
    import numpy as np

    inp = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inp)
    out = keras.layers.Dense(3, activation="softmax", name="species")(hidden)
    model = keras.Model(inp, out)
    model.save(tmp_path / "iris.keras")
    project_path = tmp_path / "iris.studio.json"
    assert main(["import", str(tmp_path / "iris.keras"), "-o", str(project_path)]) == 0
    assert list(tmp_path.glob("iris.*.weights.npz"))
    for fmt, name in [("keras", "out.keras"), ("h5", "out.h5")]:
        assert main(["export", str(project_path), "--format", fmt, "-o", str(tmp_path / name)]) == 0
        assert "verified" in capsys.readouterr().out
        again = keras.saving.load_model(tmp_path / name)
        x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
        assert np.allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_import_of_missing_or_bad_file(tmp_path, capsys):
    assert main(["import", str(tmp_path / "none.keras"), "-o", str(tmp_path / "p.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert main(["import", str(bad), "-o", str(tmp_path / "p.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("studio: error:") for line in err)
