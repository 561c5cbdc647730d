import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest

from studio.graph import SetParams
from studio.project import Project, ProjectError
from tests.helpers import small_cnn


def test_save_and_load_keep_graph_settings_and_weights(tmp_path):
    graph, ids = small_cnn()
    graph.weights[ids[4]] = [np.ones((1352, 10), "float32"), np.zeros(10, "float32")]
    project = Project(graph, training={"epochs": 3}, dataset={"kind": "bundled", "name": "shapes"})
    path = project.save(tmp_path / "cnn.studio.json")
    loaded = Project.load(path)
    assert loaded.graph.to_dict() == graph.to_dict()
    assert loaded.training == {"epochs": 3} and loaded.dataset["name"] == "shapes"
    assert np.array_equal(loaded.graph.weights[ids[4]][0], graph.weights[ids[4]][0])
    assert [p.name for p in tmp_path.glob("cnn.*.weights.npz")] == [
        json.loads(path.read_text())["weights"]["file"]
    ]


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a Model Studio project"),
        ('{"format": "model-studio-project", "version": 99, "graph": {}}', "newer Model Studio"),
        ('{"format": "model-studio-project", "version": 2}', "'graph' section is missing"),
        (
            '{"format": "model-studio-project", "version": 2, "graph": {"nodes": [{"x": 1}]}}',
            r"graph.nodes\[0\].id must be text",
        ),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path, content, expected):
    path = tmp_path / "bad.studio.json"
    path.write_text(content)
    with pytest.raises(ProjectError, match=expected) as info:
        Project.load(path)
    assert str(path) in str(info.value)


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    graph, _ = small_cnn()
    path = Project(graph).save(tmp_path / "p.studio.json")
    before = path.read_text()
    written: list[str] = []
    real_fsync = os.fsync

    def disk_full(fd):  # the new content is in the temporary file when the disk fills up
        written.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("studio.common.atomic.os.fsync", disk_full)
    graph.apply(SetParams(graph.nodes[1].id, {"filters": 7}))
    with pytest.raises(ProjectError, match="disk is full"):  # one sentence, not an OSError
        Project(graph).save(path)
    assert written and Path(written[0]).parent == tmp_path  # the failure was mid-write
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.studio.json"]


def test_version_1_file_is_migrated(tmp_path):
    v1 = {
        "format": "model-studio-project",
        "version": 1,
        "name": "old",
        "layers": [
            {"id": 1, "class_name": "Input", "config": {"shape": [4]}, "x": 0, "y": 0},
            {"id": 2, "class_name": "Dense", "config": {"units": 2}, "x": 200, "y": 0},
        ],
        "connections": [[1, 2]],
    }
    path = tmp_path / "old.studio.json"
    path.write_text(json.dumps(v1))
    project = Project.load(path)
    assert [n.type for n in project.graph.nodes] == ["Input", "Dense"]
    assert project.graph.in_edges("2")[0].src == "1"
    assert project.metadata["migrated_from"] == 1
