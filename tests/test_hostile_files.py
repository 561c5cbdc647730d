"""Opening, summarising, training or exporting someone else's project file never runs code
from it and never writes outside its folder; every hostile file ends in a clear message.

Each case runs through the ``studio`` command (in-process, as ``main``) and, where it matters,
through the app's File → Open path. The working folder is the test's own temporary folder, a
"marker" file there proves whether anything ran, and a snapshot of the parent folder proves
nothing was written outside the project's folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from studio.common.confine import allow_user_path, forget_user_paths
from studio.project import Project, ProjectError
from tests import hostile


@pytest.fixture
def box(tmp_path, monkeypatch):
    """``tmp/outside`` (must stay untouched) and ``tmp/project`` (the project's folder)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "unrelated.txt").write_text("keep me")
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    forget_user_paths()
    yield folder
    forget_user_paths()


def _err(capsys) -> str:
    return capsys.readouterr().err


def _one_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.startswith("studio:")]
    assert len(lines) == 1, text
    assert "internal error" not in lines[0] and "Traceback" not in text
    return lines[0]


# ----- parameter values: serialized references outside Keras -----------------------------
@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("activation", hostile.os_system_ref(), "activation refers to 'os.system', which is not"),
        (
            "activation",
            {"module": "builtins", "class_name": "function", "config": "print"},
            "activation refers to 'builtins.print', which is not a Keras function",
        ),
        (
            "kernel_initializer",
            {"module": "subprocess", "class_name": "Popen", "config": {"args": "touch MARK"}},
            "refers to 'subprocess.Popen', which is not a Keras class",
        ),
        (
            "kernel_regularizer",
            {"module": None, "class_name": "X", "registered_name": "evil>X", "config": {}},
            "custom object 'evil>X', which is not part of Keras",
        ),
    ],
)
def test_function_references_outside_keras_are_issues_never_imports(
    box, capsys, key, value, expected
):
    path = hostile.write_doc(box / "p.studio.json", hostile.with_param(1, key, value))
    assert main(["summary", str(path)]) == 1
    out = capsys.readouterr().out
    assert expected in out and "[hidden]" in out
    code = main(["export", str(path), "--format", "keras", "-o", str(box / "m.keras")])
    assert code == 2 and expected in _one_line(_err(capsys))
    assert not (box / "m.keras").exists() and not (box / "MARK").exists()


def test_gate_refuses_before_keras_even_without_the_checks(monkeypatch):
    """build_layer (used by the compiler) refuses on its own: nothing reaches Keras."""
    from studio.catalog.build import LayerBuildError, build_layer
    from studio.graph.model import Node

    calls = []
    monkeypatch.setattr("importlib.import_module", lambda *a, **k: calls.append(a))
    node = Node("n", "Dense", "d", {"units": 2, "activation": hostile.os_system_ref()})
    with pytest.raises(LayerBuildError, match="os.system"):
        build_layer(node)
    assert calls == []


def test_keras_objects_and_studio_layers_pass_the_gate():
    import keras

    from studio.catalog.gate import value_problem

    for obj in (
        keras.activations.relu,
        keras.initializers.GlorotUniform(seed=1),
        keras.regularizers.L2(0.1),
        keras.constraints.MaxNorm(2),
        keras.layers.LSTM(3),
    ):
        assert value_problem(keras.saving.serialize_keras_object(obj)) is None


def test_opaque_layer_from_another_module_and_lambda_are_refused(box, capsys):
    doc = hostile.project_doc()
    doc["graph"]["nodes"][2] = {
        "id": "n3",
        "type": "Evil",
        "name": "out",
        "opaque": True,
        "params": {"module": "os", "class_name": "system", "config": {}, "registered_name": None},
    }
    path = hostile.write_doc(box / "p.studio.json", doc)
    assert main(["summary", str(path)]) == 1
    assert "'os.system', which is not a Keras class" in capsys.readouterr().out
    doc["graph"]["nodes"][2]["type"] = "Lambda"
    doc["graph"]["nodes"][2]["params"] = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {"function": {"class_name": "__lambda__", "config": {"code": "x"}}},
    }
    hostile.write_doc(path, doc)
    assert main(["summary", str(path)]) == 1
    assert "Python code" in capsys.readouterr().out


# ----- paths: TensorBoard, checkpoints, runs, weights -------------------------------------
@pytest.mark.parametrize(
    "kind, key, value",
    [
        ("TensorBoard", "log_dir", "../outside/tb"),
        ("TensorBoard", "log_dir", "ABSOLUTE"),
        ("ModelCheckpoint", "filepath", "../outside/w.weights.h5"),
        ("ModelCheckpoint", "filepath", "ABSOLUTE/w.weights.h5"),
    ],
)
def test_training_paths_outside_the_project_are_refused(box, capsys, kind, key, value):
    outside = box.parent / "outside"
    value = value.replace("ABSOLUTE", str(outside / "abs"))
    params = {key: value}
    if kind == "ModelCheckpoint":
        params.update(save_weights_only=True, monitor="loss")
    doc = hostile.project_doc()
    doc["training"]["callbacks"] = [{"kind": kind, "enabled": True, "params": params}]
    path = hostile.write_doc(box / "p.studio.json", doc)
    before = hostile.tree_snapshot(outside)
    assert main(["train", str(path), "--epochs", "1"]) == 2
    assert "outside the project's folder" in _one_line(_err(capsys))
    assert hostile.tree_snapshot(outside) == before
    assert not (box / "p.runs").exists() or not any((box / "p.runs").iterdir())


def test_relative_checkpoint_lands_inside_the_project(box, capsys, tmp_path):
    doc = hostile.project_doc()
    params = {"filepath": "ckpt/best.weights.h5", "monitor": "loss", "save_weights_only": True}
    doc["training"]["callbacks"] = [{"kind": "ModelCheckpoint", "enabled": True, "params": params}]
    path = hostile.write_doc(box / "p.studio.json", doc)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    os.chdir(elsewhere)  # the folder is the project's, not the working directory
    assert main(["train", str(path), "--epochs", "1"]) == 0
    assert (box / "ckpt" / "best.weights.h5").is_file()
    assert not (elsewhere / "ckpt").exists()


def test_a_place_picked_by_the_user_is_allowed(box, tmp_path):
    from studio.common.confine import PathRefused, resolve_write_path

    picked = tmp_path / "outside" / "tb"
    with pytest.raises(PathRefused):
        resolve_write_path(str(picked), box, "the TensorBoard log folder")
    allow_user_path(picked)
    assert resolve_write_path(str(picked), box, "the TensorBoard log folder") == picked


def test_runs_folder_linked_outside_is_refused(box, capsys, tmp_path):
    outside = tmp_path / "outside"
    path = hostile.write_doc(box / "p.studio.json", hostile.project_doc())
    (box / "p.runs").symlink_to(outside, target_is_directory=True)
    before = hostile.tree_snapshot(outside)
    assert main(["train", str(path), "--epochs", "1"]) == 2
    assert "runs folder" in _one_line(_err(capsys))
    assert hostile.tree_snapshot(outside) == before


@pytest.mark.parametrize("name", ["../outside/x.weights.npz", "/etc/x.weights.npz", "a/b.npz"])
def test_weights_record_naming_another_place_is_refused(box, capsys, name):
    doc = hostile.with_weights_record(hostile.project_doc(), name, "0" * 64)
    path = hostile.write_doc(box / "p.studio.json", doc)
    assert main(["summary", str(path)]) == 2
    assert "weights.file must be a file name beside the project" in _one_line(_err(capsys))


# ----- weights files: pickles, zip tricks, links, huge headers -----------------------------
def _project_with_weights(box: Path, members: dict[str, bytes]) -> Path:
    weights = hostile.write_zip(box / "p.0123456789abcdef.weights.npz", members)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    doc = hostile.with_weights_record(hostile.project_doc(), weights.name, digest)
    return hostile.write_doc(box / "p.studio.json", doc)


@pytest.mark.parametrize(
    "members, expected",
    [
        ("PICKLE", "holds Python objects (a pickle), which are never loaded"),
        ({"../../evil/0.npy": b"x"}, "not a layer's weights"),
        ({"/abs/0.npy": b"x"}, "not a layer's weights"),
        ({"n2/0.npy": "HUGE"}, "claims"),
        ({"n2/0.npy": b"\x93NUMPY garbage"}, "unknown array format"),
    ],
)
def test_hostile_weights_are_refused_and_the_design_opens(box, capsys, members, expected):
    marker = box / "MARK"
    if members == "PICKLE":
        members = {"n2/0.npy": hostile.pickled_npy(marker)}
    members = {k: hostile.huge_header_npy() if v == "HUGE" else v for k, v in members.items()}
    path = _project_with_weights(box, members)
    assert main(["summary", str(path)]) == 0
    err = capsys.readouterr().err
    assert expected in err and "opens with fresh weights" in err
    assert not marker.exists()
    assert not (box.parent / "evil").exists()
    kept = list(box.glob("p.*.kept-*.npz"))
    assert len(kept) == 1  # set aside, not deleted


def test_weights_file_that_is_a_symlink_is_not_followed(box, tmp_path):
    outside = tmp_path / "outside" / "secret.npz"
    np.savez(outside, **{"n2/0": np.ones((4, 8), "float32")})
    link = box / "p.0123456789abcdef.weights.npz"
    link.symlink_to(outside)
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    doc = hostile.with_weights_record(hostile.project_doc(), link.name, digest)
    project = Project.load(hostile.write_doc(box / "p.studio.json", doc))
    assert project.graph.weights == {}
    assert any("symbolic link" in w for w in project.warnings)
    assert outside.exists()


def test_damaged_zip_is_a_warning_not_a_crash(box):
    path = _project_with_weights(box, {"n2/0.npy": hostile.npy_bytes(np.ones(3, "f4"))})
    weights = next(box.glob("p.*.weights.npz"))
    data = bytearray(weights.read_bytes())
    weights.write_bytes(bytes(data[: len(data) // 2]))
    project = Project.load(path)
    assert project.graph.weights == {}
    assert any("another save" in w or "damaged" in w for w in project.warnings)


# ----- the project path itself: devices, pipes, folders, links ----------------------------
@pytest.mark.parametrize("kind", ["devzero", "fifo", "folder", "link-to-devzero"])
def test_project_path_that_is_not_a_regular_file(box, capsys, kind):
    path = box / "p.studio.json"
    if kind == "devzero":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    assert main(["summary", str(path)]) == 2  # returns at once: never reads a pipe or device
    line = _one_line(_err(capsys))
    assert any(w in line for w in ("a device", "a pipe", "a folder"))


def test_oversized_project_file_is_refused_without_reading_it(box, monkeypatch):
    monkeypatch.setattr("studio.project.files.MAX_PROJECT_BYTES", 1000)
    path = hostile.write_doc(box / "p.studio.json", hostile.project_doc(metadata={"x": "y" * 2000}))
    with pytest.raises(ProjectError, match="may be at most"):
        Project.load(path)


# ----- huge dimensions --------------------------------------------------------------------
@pytest.mark.parametrize(
    "index, key, value, expected",
    [
        (1, "units", 10**12, "parameters"),
        (0, "shape", [10**9], "values per sample"),
        (0, "shape", [10**6, 10**6, 10**6], "values per sample"),
        (1, "units", 10**30, "too large for any size"),
    ],
)
def test_huge_dimensions_are_issues_before_anything_is_allocated(
    box, capsys, index, key, value, expected
):
    path = hostile.write_doc(box / "p.studio.json", hostile.with_param(index, key, value))
    assert main(["summary", str(path)]) == 1
    assert expected in capsys.readouterr().out
    assert main(["export", str(path), "--format", "json", "-o", str(box / "m.json")]) == 2
    _one_line(_err(capsys))


# ----- the app's File → Open path ----------------------------------------------------------
@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from widgets.app.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery", autosave_ms=60_000)
    win.ask_save_changes = lambda: "discard"
    qtbot.addWidget(win)  # not shown: a refused file goes to the status bar, not a modal box
    return win


def test_app_open_path_refuses_or_flags_every_hostile_file(window, box):
    marker = box / "MARK"
    refused = {
        "device": Path("/dev/zero"),
        "record": hostile.write_doc(
            box / "r.studio.json",
            hostile.with_weights_record(hostile.project_doc(), "../x.weights.npz", "0" * 64),
        ),
        "deep": box / "deep.studio.json",
        "surrogate": box / "s.studio.json",
    }
    refused["deep"].write_text("[" * 5000 + "]" * 5000)
    refused["surrogate"].write_text(
        hostile.write_doc(box / "tmp.json", hostile.project_doc())
        .read_text()
        .replace('"hidden"', '"\\ud800"')
    )
    for path in refused.values():
        assert window.open_project(path) is False
        assert window.statusBar().currentMessage()
    flagged = hostile.write_doc(
        box / "f.studio.json", hostile.with_param(1, "activation", hostile.os_system_ref())
    )
    assert window.open_project(flagged) is True
    issues = window.scene.refresh_analysis().issues
    assert any("os.system" in i.message for i in issues)
    pickled = _project_with_weights(box, {"n2/0.npy": hostile.pickled_npy(marker)})
    assert window.open_project(pickled) is True
    assert window.graph.weights == {}
    assert not marker.exists()


# ----- the clipboard goes through the same checks ------------------------------------------
def test_clipboard_payloads_are_checked_like_project_files():
    import json

    from studio.checks import Analyzer
    from studio.graph import Graph
    from studio.project.clipboard import FORMAT, from_text, paste_op

    doc = hostile.with_param(1, "activation", hostile.os_system_ref())["graph"]
    payload = {"format": FORMAT, "nodes": doc["nodes"], "edges": doc["edges"], "groups": []}
    graph = Graph()
    op, _ = paste_op(graph, from_text(json.dumps(payload)))
    graph.apply(op)
    assert any("os.system" in i.message for i in Analyzer(graph).analysis().issues)
    for broken in (
        {**payload, "nodes": [{"id": "x", "type": "Dense\nimport os", "params": {}}]},
        {**payload, "edges": [["n1", float("inf"), "n2", 0]]},
        {**payload, "nodes": "abc"},
    ):
        assert from_text(json.dumps(broken)) is None
    deep = "[" * 5000 + "]" * 5000
    assert from_text(f'{{"format": "{FORMAT}", "nodes": {deep}}}') is None


# ----- model files: zip tricks and devices through `studio import` -------------------------
def test_keras_file_with_escaping_zip_members_writes_nothing_outside(box, capsys, tmp_path):
    import zipfile

    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    good = box / "good.keras"
    model.save(good)
    evil = box / "evil.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("../outside/escaped.txt", b"x")
        dst.writestr("/tmp/absolute-escape-i17.txt", b"x")
    before = hostile.tree_snapshot(tmp_path / "outside")
    code = main(["import", str(evil), "-o", str(box / "m.studio.json")])
    assert code in (0, 2)
    if code == 2:
        _one_line(_err(capsys))
    assert hostile.tree_snapshot(tmp_path / "outside") == before
    assert not Path("/tmp/absolute-escape-i17.txt").exists()


@pytest.mark.parametrize("suffix", [".json", ".keras"])
def test_import_of_a_device_or_pipe_is_refused_at_once(box, capsys, suffix):
    fifo = box / f"model{suffix}"
    os.mkfifo(fifo)
    assert main(["import", str(fifo), "-o", str(box / "m.studio.json")]) == 2
    assert "not a regular file" in _one_line(_err(capsys))


def test_a_dataset_that_is_a_device_is_not_read(box, capsys):
    doc = hostile.project_doc(dataset={"kind": "csv", "name": "zero", "path": "/dev/zero"})
    path = hostile.write_doc(box / "p.studio.json", doc)
    assert main(["train", str(path), "--epochs", "1"]) == 2
    assert "not a regular file or folder" in _one_line(_err(capsys))
