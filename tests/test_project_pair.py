"""A project and its weights are one unit on disk: killed saves, full disks and stale weights.

The kill test runs a child process that saves alternating designs in a loop and kills it with
SIGKILL after a seeded number of completed saves, so the kill lands somewhere inside the
next save; whatever the moment, the document on disk must name weights that are complete and
belong to it, and the next open cleans what the dead process left behind.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from studio.graph import Graph
from studio.project import Project, ProjectError
from tests import hostile

ROOT = Path(__file__).resolve().parent.parent

SAVER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from studio.graph import Graph
    from studio.project import Project
    from tests.hostile import project_doc

    target = sys.argv[1]
    base = Graph.from_dict(project_doc()["graph"])
    k = 0
    while True:
        k += 1
        graph = base.copy()
        graph.name = f"gen{k}"
        graph.weights["n2"] = [np.full((1024, 1024), k, "float32"), np.full(8, k, "float32")]
        Project(graph, metadata={"gen": k}).save(target)
        print(k, flush=True)
    """
)


def _design(k: int) -> Project:
    graph = Graph.from_dict(hostile.project_doc()["graph"])
    graph.name = f"gen{k}"
    graph.weights["n2"] = [np.full((1024, 1024), k, "float32"), np.full(8, k, "float32")]
    return Project(graph, metadata={"gen": k})


def _assert_pair_matches(path: Path) -> Project:
    project = Project.load(path)
    assert not [w for w in getattr(project, "warnings", []) if "weights" in w], project.warnings
    gen = project.metadata["gen"]
    assert project.graph.name == f"gen{gen}"
    assert float(project.graph.weights["n2"][0][0, 0]) == gen  # the weights of this design
    return project


@pytest.mark.slow
def test_killed_saves_always_leave_a_matching_pair(tmp_path):
    path = tmp_path / "p.studio.json"
    _design(0).save(path)
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(12):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert child.stdout is not None
        for _ in range(rng.randrange(1, 4)):
            assert child.stdout.readline(), "the saver stopped on its own"
        try:  # let it run a seeded random moment more, so the kill lands anywhere in a save
            child.wait(timeout=rng.uniform(0.0, 0.12))
        except subprocess.TimeoutExpired:
            pass
        child.send_signal(signal.SIGKILL)
        child.wait()
        _assert_pair_matches(path)
    # The next save cleans up: one document, one weights file, no temporary files.
    project = _assert_pair_matches(path)
    project.save(path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["p.studio.json", json.loads(path.read_text())["weights"]["file"]])


def test_temporary_files_of_a_dead_save_are_removed_on_open(tmp_path):
    path = _design(1).save(tmp_path / "p.studio.json")
    stale = [
        tmp_path / ".p.studio.0badc0de.tmp.studio.json",
        tmp_path / ".p.0123456789abcdef.weights.deadbeef.tmp.0123456789abcdef.weights.npz",
    ]
    for p in stale:
        p.write_bytes(b"half")
    other = tmp_path / ".q.studio.0badc0de.tmp.studio.json"  # another project's: left alone
    other.write_bytes(b"x")
    project = Project.load(path)
    assert not stale[0].exists() and not stale[1].exists() and other.exists()
    assert any("temporary" in w for w in project.warnings)


@pytest.mark.parametrize("failing", ["weights", "document"])
def test_full_disk_mid_save_leaves_the_previous_pair(tmp_path, monkeypatch, failing):
    path = _design(1).save(tmp_path / "p.studio.json")
    before = hostile.tree_snapshot(tmp_path)
    real = __import__("studio.common.atomic", fromlist=["write_synced"]).write_synced

    def full_disk(target: Path, data: bytes) -> None:
        is_weights = target.name.endswith(".weights.npz")
        if is_weights == (failing == "weights"):
            target.write_bytes(data[: len(data) // 3])  # part of it made it to the disk
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, data)

    monkeypatch.setattr("studio.common.atomic.write_synced", full_disk)
    with pytest.raises(ProjectError, match="the disk is full") as info:
        _design(2).save(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert hostile.tree_snapshot(tmp_path) == before
    _assert_pair_matches(path)


def test_weights_of_another_save_are_detected_and_kept(tmp_path):
    path = _design(1).save(tmp_path / "p.studio.json")
    record = json.loads(path.read_text())["weights"]
    weights = tmp_path / record["file"]
    np.savez(weights, **{"n2/0": np.zeros((1024, 1024), "float32")})  # someone replaced them
    project = Project.load(path)
    assert project.graph.weights == {}
    (warning,) = [w for w in project.warnings if "weights" in w]
    assert "belongs to another save" in warning and "opens with fresh weights" in warning
    kept = warning.rsplit("kept as ", 1)[1]
    assert (tmp_path / kept).is_file() and not weights.exists()
    project.save(path)  # a later save does not delete the kept file
    assert (tmp_path / kept).is_file()


def test_missing_weights_are_said_not_silently_dropped(tmp_path):
    path = _design(1).save(tmp_path / "p.studio.json")
    (tmp_path / json.loads(path.read_text())["weights"]["file"]).unlink()
    project = Project.load(path)
    assert project.graph.weights == {}
    assert any("is missing" in w for w in project.warnings)


def test_projects_with_weights_beside_them_under_the_old_name_still_open(tmp_path):
    doc = hostile.project_doc()
    path = hostile.write_doc(tmp_path / "old.studio.json", doc)
    np.savez(tmp_path / "old.weights.npz", **{"n2/0": np.ones((4, 8), "float32")})
    project = Project.load(path)
    assert project.graph.weights["n2"][0].shape == (4, 8)
    project.save(path)  # saved the new way; the old-name file is superseded and removed
    assert not (tmp_path / "old.weights.npz").exists()
    assert Project.load(path).graph.weights["n2"][0].shape == (4, 8)


def test_a_mismatched_file_of_another_project_is_never_renamed(tmp_path):
    other = _design(1).save(tmp_path / "other.studio.json")
    other_file = json.loads(other.read_text())["weights"]["file"]
    doc = hostile.with_weights_record(hostile.project_doc(), other_file, "f" * 64)
    path = hostile.write_doc(tmp_path / "mine.studio.json", doc)
    project = Project.load(path)
    assert project.graph.weights == {} and (tmp_path / other_file).is_file()
    assert any("left as is" in w for w in project.warnings)
    _assert_pair_matches(other)


def test_version_1_files_cannot_smuggle_a_weights_record(tmp_path):
    outside = tmp_path / "outside.weights.npz"
    np.savez(outside, **{"n2/0": np.ones((4, 8), "float32")})
    v1 = {
        "format": "model-studio-project",
        "version": 1,
        "layers": [{"id": 1, "class_name": "Input", "config": {"shape": [4]}}],
        "weights": {"file": "../outside.weights.npz", "sha256": "0" * 64},
    }
    folder = tmp_path / "p"
    folder.mkdir()
    project = Project.load(hostile.write_doc(folder / "old.studio.json", v1))
    assert project.graph.weights == {} and project.warnings == [] and outside.is_file()
