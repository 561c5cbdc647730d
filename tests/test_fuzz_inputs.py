"""Seeded fuzzing of project and model files: a clear message every time, sources unchanged.

A few hundred mutations of a small project (values replaced by hostile ones, keys dropped,
nodes duplicated, text cut short or nested deep) and of a model's architecture JSON and
``.keras`` file. The contract: loading ends in a ``ProjectError`` / ``ModelImportError`` of one
line, or in a document whose checks run without raising; a graph the checks accept compiles;
the CLI never prints "internal error"; the file read is byte-for-byte unchanged.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from studio.checks import Analyzer
from studio.cli import main
from studio.compile.compiler import compile_graph
from studio.interop.export import export
from studio.interop.importer import ModelImportError, import_model
from studio.project import Project, ProjectError
from tests import hostile

SEED = 1718
HOSTILE_VALUES: list[Any] = [
    None,
    "abc",
    -1,
    0,
    10**12,
    10**40,
    1e308,
    float("inf"),
    float("nan"),
    True,
    [],
    {},
    [None],
    "\ud800",
    "x" * 5000,
    [[[[[[[[1]]]]]]]],
    hostile.os_system_ref(),
    {"class_name": "Lambda", "config": {}},
    "../../../etc/passwd",
    "line\nbreak",
]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def mutate(doc: dict[str, Any], rng: random.Random) -> str:
    """One mutated document as text."""
    doc = copy.deepcopy(doc)
    kind = rng.randrange(7)
    paths = [p for p in _paths(doc) if p]
    path = rng.choice(paths)
    parent, key = _get(doc, path[:-1]), path[-1]
    if kind <= 2:
        parent[key] = rng.choice(HOSTILE_VALUES)
    elif kind == 3 and isinstance(parent, dict):
        del parent[key]
    elif kind == 4:
        lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
        if lists:  # duplicate an entry: the same node id and name twice, an edge twice
            items = _get(doc, rng.choice(lists))
            items.append(copy.deepcopy(rng.choice(items)))
    elif kind == 5:
        depth = rng.choice([70, 900, 3000])
        parent[key] = json.loads("[" * depth + "]" * depth) if depth < 900 else "DEEP"
    text = json.dumps(doc, allow_nan=True)
    if kind == 5 and '"DEEP"' in text:
        text = text.replace('"DEEP"', "[" * 3000 + "]" * 3000)
    if kind == 6:
        text = text[: rng.randrange(len(text))]
    return text


def _check_project_file(path: Path, compile_it: bool = True, export_it: bool = False) -> None:
    before = path.read_bytes()
    try:
        project = Project.load(path)
    except ProjectError as exc:
        message = str(exc)
        assert "\n" not in message and str(path) in message and len(message) < 600
        return
    finally:
        assert path.read_bytes() == before
    analysis = Analyzer(project.graph).analysis()
    assert all("\n" not in i.message and len(i.message) < 1200 for i in analysis.issues)
    if analysis.ok and compile_it:
        compile_graph(project.graph)  # every graph the checks accept compiles
    if analysis.ok and export_it:  # ... and exports
        report = export(project.graph, "keras", path.with_suffix(".keras"))
        assert report.verified


def test_mutated_projects_end_in_a_message_or_a_sound_graph(tmp_path):
    rng = random.Random(SEED)
    base = hostile.project_doc()
    outcomes = {"refused": 0, "opened": 0}
    for i in range(300):
        path = tmp_path / f"f{i}.studio.json"
        path.write_text(mutate(base, rng), encoding="utf-8", errors="surrogatepass")
        try:
            Project.load(path)
            outcomes["opened"] += 1
        except ProjectError:
            outcomes["refused"] += 1
        _check_project_file(path, compile_it=i % 6 == 0, export_it=i % 50 == 0)
    assert outcomes["refused"] > 50 and outcomes["opened"] > 50  # the mutations reach both


def test_cli_never_reports_an_internal_error_on_mutated_projects(tmp_path, capsys):
    rng = random.Random(SEED + 1)
    base = hostile.project_doc()
    for i in range(40):
        path = tmp_path / f"c{i}.studio.json"
        path.write_text(mutate(base, rng), encoding="utf-8", errors="surrogatepass")
        before = path.read_bytes()
        code = main(["summary", str(path), "--json"])
        captured = capsys.readouterr()
        assert code in (0, 1, 2), captured.err
        assert "internal error" not in captured.err and "Traceback" not in captured.err
        if code == 2:
            assert len([ln for ln in captured.err.splitlines() if ln.startswith("studio:")]) == 1
        assert path.read_bytes() == before


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    import keras

    folder = tmp_path_factory.mktemp("models")
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(8, activation="relu", name="h")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="y")(hidden)
    model = keras.Model(inputs, outputs, name="tiny")
    model.save(folder / "tiny.keras")
    return json.loads(model.to_json()), (folder / "tiny.keras").read_bytes()


def _check_import(path: Path) -> None:
    before = path.read_bytes()
    try:
        result = import_model(path)
    except ModelImportError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 600
    else:
        Analyzer(result.graph).analysis()
    assert path.read_bytes() == before


def test_mutated_architecture_json_imports_or_says_why(tmp_path, model_files):
    config, _ = model_files
    rng = random.Random(SEED + 2)
    for i in range(200):
        path = tmp_path / f"m{i}.json"
        path.write_text(mutate(config, rng), encoding="utf-8", errors="surrogatepass")
        _check_import(path)


def test_damaged_keras_files_import_or_say_why(tmp_path, model_files):
    _, data = model_files
    rng = random.Random(SEED + 3)
    for i in range(25):
        damaged = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if i % 5 == 0:
            damaged = damaged[: rng.randrange(len(damaged))]
        path = tmp_path / f"k{i}.keras"
        path.write_bytes(bytes(damaged))
        _check_import(path)
