"""Distributed training: mirrored on logical CPUs, two local workers, the CLI, and refusals.

Real strategies need their own processes (TensorFlow fixes its devices on first use, and each
worker of a cluster is a process), so those tests drive ``tests/scripts/distributed_train.py``
and compare what it reports with a single-device run on the same data and starting weights.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from studio.training.distributed import (
    DistributeError,
    describe_distribution,
    distribution_scope,
    read_tf_config,
    replica_count,
)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "scripts" / "distributed_train.py"
TIMEOUT = 120
# Same batches, same starting weights, plain SGD: only float summation order differs.
LOSS_TOLERANCE = 1e-5
WEIGHT_TOLERANCE = 1e-5


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "STUDIO_LOGICAL_CPUS")}
    env.update(
        {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)},
        **extra,
    )
    return env


def _run_script(mode: str, out: Path, **env: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), mode, str(out)],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return int(sock.getsockname()[1])


def _max_weight_difference(a: list, b: list) -> float:
    return max(float(np.abs(np.asarray(x) - np.asarray(y)).max()) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def mirrored_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One mirrored run on two logical CPUs, with its single-device twin from the same process."""
    return _run_script("mirrored", tmp_path_factory.mktemp("mirrored") / "report.json")


@pytest.mark.slow
def test_mirrored_training_on_two_logical_cpus_matches_one_device(mirrored_report):
    single, mirrored = mirrored_report["single"], mirrored_report["distributed"]
    assert mirrored_report["replicas"] == 2
    assert "MirroredStrategy" in mirrored_report["description"]
    assert "2 replicas" in mirrored_report["description"]
    assert single["status"] == mirrored["status"] == "completed"
    assert np.allclose(mirrored["losses"], single["losses"], atol=LOSS_TOLERANCE)
    assert _max_weight_difference(mirrored["weights"], single["weights"]) < WEIGHT_TOLERANCE


def _run_two_workers(folder: Path, **env: str) -> list[dict[str, Any]]:
    """Two worker processes on localhost, one cluster described by TF_CONFIG, free ports."""
    workers = [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]
    procs = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        procs.append(
            subprocess.Popen(
                [sys.executable, str(SCRIPT), "multiworker", str(folder / f"w{index}.json")],
                env=_env(TF_CONFIG=json.dumps(config), **env),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        errors = [proc.communicate(timeout=TIMEOUT)[1] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert [p.returncode for p in procs] == [0, 0], "\n".join(e[-2000:] for e in errors)
    return [json.loads((folder / f"w{i}.json").read_text()) for i in range(2)]


def _assert_workers_match_one_device(reports: list[dict[str, Any]], single: dict[str, Any]) -> None:
    for report in reports:
        assert report["replicas"] == 2 and "2 workers" in report["description"]
        assert report["distributed"]["status"] == "completed", report["distributed"]["message"]
    first, second = (r["distributed"] for r in reports)
    assert _max_weight_difference(first["weights"], second["weights"]) == 0.0
    assert np.allclose(first["losses"], single["losses"], atol=LOSS_TOLERANCE)
    assert _max_weight_difference(first["weights"], single["weights"]) < WEIGHT_TOLERANCE


@pytest.mark.slow
def test_two_workers_on_localhost_agree_with_each_other_and_one_device(mirrored_report, tmp_path):
    reports = _run_two_workers(tmp_path)
    assert all("MultiWorkerMirroredStrategy" in r["description"] for r in reports)
    _assert_workers_match_one_device(reports, mirrored_report["single"])


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
@pytest.mark.slow
def test_two_jax_processes_each_feeding_their_shard_match_one_device(mirrored_report, tmp_path):
    # The engine feeds each process its own rows of every global batch (process_shard).
    reports = _run_two_workers(tmp_path, KERAS_BACKEND="jax")
    assert all("DataParallel (jax)" in r["description"] for r in reports)
    _assert_workers_match_one_device(reports, mirrored_report["single"])


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
@pytest.mark.slow
def test_jax_data_parallel_on_two_cpu_devices_matches_one_device(tmp_path):
    report = _run_script("mirrored", tmp_path / "jax.json", KERAS_BACKEND="jax")
    assert report["replicas"] == 2 and "DataParallel (jax)" in report["description"]
    assert report["restored"], "the previous keras distribution was not put back"
    single, parallel = report["single"], report["distributed"]
    assert parallel["status"] == "completed"
    assert np.allclose(parallel["losses"], single["losses"], atol=LOSS_TOLERANCE)
    assert _max_weight_difference(parallel["weights"], single["weights"]) < WEIGHT_TOLERANCE


@pytest.mark.slow
def test_studio_train_distribute_mirrored_end_to_end(tmp_path):
    from studio.graph import Graph
    from studio.project import Project

    graph = Graph("iris")
    ids = [
        graph.add_layer("Input", {"shape": [4]}),
        graph.add_layer("Dense", {"units": 8, "activation": "relu"}),
        graph.add_layer("Dense", {"units": 3, "activation": "softmax"}),
    ]
    for src, dst in zip(ids, ids[1:]):
        graph.connect(src, dst)
    project = Project(
        graph, training={"epochs": 2, "batch_size": 16}, dataset={"kind": "bundled", "name": "iris"}
    )
    path = project.save(tmp_path / "iris.studio.json")
    log_json = tmp_path / "log.json"
    # Logging on, so the scope's "where training runs" line shows which strategy was used.
    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO); "
        "from studio.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "train",
            str(path),
            "--distribute",
            "mirrored",
            "--log-json",
            str(log_json),
        ],
        env=_env(STUDIO_LOGICAL_CPUS="2"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "MirroredStrategy (tensorflow): 2 replicas" in proc.stderr
    summary = json.loads(log_json.read_text())
    assert summary["status"] == "completed" and len(summary["epochs"]) == 2
    assert proc.stdout.startswith("run ")


@pytest.mark.parametrize(
    ("tf_config", "expected"),
    [
        (None, "needs TF_CONFIG"),
        ("{'cluster': 1}", "TF_CONFIG is not valid JSON"),
        ('{"task": {"type": "worker", "index": 0}}', 'no "cluster" object'),
        (
            '{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}',
            '"host:port" strings',
        ),
        ('{"cluster": {"worker": ["a:1", "b:2"]}}', 'needs a "task"'),
        (
            '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "ps", "index": 0}}',
            "task type 'ps' is not a job",
        ),
        (
            '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
            "from 0 to 1",
        ),
    ],
)
def test_bad_tf_config_is_one_clear_line(tf_config, expected):
    environ = {} if tf_config is None else {"TF_CONFIG": tf_config}
    with pytest.raises(DistributeError, match=expected) as info:
        read_tf_config(environ)
    assert "\n" not in str(info.value)


def test_process_shard_leaves_data_alone_without_a_jax_cluster():
    from studio.training.distributed import process_shard

    x = np.arange(8)
    shard, batch = process_shard((x, x), 4)
    assert shard[0] is x and batch == 4


def test_cli_reports_bad_tf_config_in_short_message(tmp_path, monkeypatch, capsys):
    from studio.cli import main
    from studio.graph import Graph
    from studio.project import Project

    graph = Graph("iris")
    first, second = (
        graph.add_layer("Input", {"shape": [4]}),
        graph.add_layer("Dense", {"units": 3, "activation": "softmax"}),
    )
    graph.connect(first, second)
    path = Project(graph, dataset={"kind": "bundled", "name": "iris"}).save(
        tmp_path / "p.studio.json"
    )
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}, "task": {"index": 0}}')
    assert main(["train", str(path), "--distribute", "multiworker"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'needs a "task"' in err


def test_torch_backend_is_refused_with_the_alternatives(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(DistributeError, match="not supported on the torch backend") as info:
        distribution_scope("mirrored")
    assert "--backend tensorflow" in str(info.value) and "--backend jax" in str(info.value)


def test_unknown_kind_names_the_choices():
    with pytest.raises(DistributeError, match=r"received kind='ring'"):
        distribution_scope("ring")


def test_without_a_scope_training_is_described_as_one_device():
    assert replica_count() == 1
    assert describe_distribution().startswith("single device")


@pytest.mark.parametrize("kind", ["mirrored", "multiworker"])
def test_script_snippet_is_valid_python_defining_distribution_scope(kind):
    from studio.compile.distribute_snippet import script_snippet

    source = script_snippet(kind)
    compile(source, f"<{kind} snippet>", "exec")
    assert source.startswith("def distribution_scope():")
    assert ("MultiWorkerMirroredStrategy" in source) == (kind == "multiworker")


def test_mirrored_script_snippet_trains_a_model_in_its_scope():
    from studio.compile.distribute_snippet import script_snippet

    namespace: dict[str, Any] = {"keras": keras}
    exec(compile(script_snippet("mirrored"), "<snippet>", "exec"), namespace)  # noqa: S102
    with namespace["distribution_scope"]():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        history = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=4, verbose=0)
        assert replica_count() >= 1 and "MirroredStrategy" in describe_distribution()
    assert len(history.history["loss"]) == 1


def test_generated_scripts_offer_the_same_kinds_as_the_engine():
    from studio.compile.distribute_snippet import KINDS as SCRIPT_KINDS
    from studio.training.distributed import KINDS

    assert SCRIPT_KINDS == KINDS
