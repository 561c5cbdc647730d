"""Training that cannot keep its results says so and exits non-zero; nothing half-done stays.

Covers: a run whose files cannot be written (full disk, a runs folder that is not a folder),
the free-space guard in front of the HDF5 writer, an empty dataset, a NaN loss reported once,
out-of-memory as a sentence, and a quiet stderr unless ``--verbose``.
"""

from __future__ import annotations

import errno
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from tests import hostile

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path):
    return hostile.write_doc(tmp_path / "p.studio.json", hostile.project_doc())


def _runs(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "p.runs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_run_that_cannot_be_saved_fails_without_an_empty_run_folder(
    project, tmp_path, capsys, monkeypatch
):
    def full_disk(model, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("studio.training.runs._atomic_save_weights", full_disk)
    assert main(["train", str(project), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert "could not be saved" in err and "the disk is full" in err
    assert "completed" not in err.splitlines()[-1]
    assert _runs(tmp_path) == []


def test_hdf5_is_never_asked_to_write_to_a_disk_without_room(
    project, tmp_path, capsys, monkeypatch
):
    import keras

    writes = []
    monkeypatch.setattr(keras.Model, "save_weights", lambda self, *a, **k: writes.append(a))
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("studio.training.runs.shutil.disk_usage", lambda p: usage(10, 10, 1024))
    assert main(["train", str(project), "--epochs", "1"]) == 1
    assert "the disk is full" in capsys.readouterr().err
    assert writes == [] and _runs(tmp_path) == []


def test_runs_folder_that_cannot_be_created_fails_before_training(project, tmp_path, capsys):
    (tmp_path / "p.runs").write_text("a file where the runs folder belongs")
    assert main(["train", str(project), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "could not write the run to" in err and "Epoch" not in err


def test_empty_dataset_is_refused_before_training(project, tmp_path, capsys):
    empty = tmp_path / "empty.npz"
    np.savez(empty, x=np.zeros((0, 4), "float32"), y=np.zeros((0,), "int64"))
    code = main(["train", str(project), "--dataset", str(empty), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "Epoch" not in err
    assert "no samples" in err or "no training samples" in err
    assert _runs(tmp_path) == [] and not list(tmp_path.glob("p.*.weights.npz"))


def test_engine_refuses_an_empty_dataset_without_fitting():
    import keras

    from studio.data.dataset import Dataset
    from studio.training.engine import TrainingEngine
    from studio.training.settings import TrainingSettings

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    data = Dataset(
        name="empty",
        task="classification",
        x_train=np.zeros((0, 4), "float32"),
        y_train=np.zeros((0,), "int64"),
    )
    result = TrainingEngine().run(model, data, TrainingSettings(epochs=1))
    assert result.status == "failed" and "no training samples" in result.message
    assert result.record.epochs == []


def test_nan_loss_is_reported_once(tmp_path, capsys):
    doc = hostile.project_doc()
    doc["training"]["optimizer"] = {"name": "SGD", "params": {"learning_rate": 1e9}}
    path = hostile.write_doc(tmp_path / "p.studio.json", doc)
    assert main(["train", str(path), "--epochs", "2"]) == 1
    err = capsys.readouterr().err
    assert err.lower().count("became nan") == 1, err


@pytest.mark.parametrize("error", ["MemoryError", "ResourceExhaustedError"])
def test_out_of_memory_is_a_sentence(project, capsys, monkeypatch, error):
    exc_type = MemoryError if error == "MemoryError" else type(error, (Exception,), {})

    def explode(*_a, **_k):
        raise exc_type("OOM when allocating tensor with shape[1000000,1000000]")

    monkeypatch.setattr("studio.compile.compiler.compile_graph", explode)
    assert main(["export", str(project), "--format", "keras", "-o", "m.keras"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("studio: error: out of memory") and len(err.splitlines()) == 1


@pytest.mark.slow
def test_cli_stderr_is_quiet_unless_verbose(project):
    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "studio", *extra, "summary", str(project)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )

    quiet = run()
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert "Total params" in quiet.stdout


def test_a_disk_error_outside_the_core_is_one_sentence(project, tmp_path, capsys, monkeypatch):
    def read_only(*_a, **_k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "log.json"))

    monkeypatch.setattr("studio.training.headless._write_json", read_only)
    code = main(["train", str(project), "--epochs", "1", "--log-json", str(tmp_path / "log.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("studio: error: could not write")
    assert "read-only disk" in err[-1]


def test_checkpoints_that_cannot_fit_stop_the_run_before_it_starts(tmp_path, capsys, monkeypatch):
    doc = hostile.project_doc()
    params = {"filepath": "ckpt/best.weights.h5", "monitor": "loss", "save_weights_only": True}
    doc["training"]["callbacks"] = [{"kind": "ModelCheckpoint", "enabled": True, "params": params}]
    path = hostile.write_doc(tmp_path / "p.studio.json", doc)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("studio.training.runs.shutil.disk_usage", lambda p: usage(10, 10, 1024))
    assert main(["train", str(path), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert "could not write checkpoints to" in err and "the disk is full" in err
    assert "Epoch 1:" not in err
