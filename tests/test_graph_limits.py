"""Graph-level checks: what would fail at compile or export is an issue on the node first,
and pathological graphs (complete graphs, very long chains, long cycles) are reported in
bounded time and text."""

from __future__ import annotations

import time

import pytest

from studio.checks import Analyzer
from studio.checks.structure import MAX_DEPTH, find_cycles
from studio.cli import main
from studio.compile.compiler import compile_graph
from studio.graph import Graph
from studio.project import Project
from tests import hostile
from tests.graphs import complete, dense_chain, ring


def _timed_analysis(graph: Graph):
    start = time.perf_counter()
    analysis = Analyzer(graph).analysis()
    return analysis, time.perf_counter() - start


def test_complete_graph_reports_a_few_cycles_quickly():
    analysis, seconds = _timed_analysis(complete(12))
    assert seconds < 5.0  # was 146 s and a MemoryError (every cycle listed first)
    cycles = [i for i in analysis.issues if i.message.startswith("cycle:")]
    assert 1 <= len(cycles) <= 60
    assert all(len(i.message) < 400 for i in cycles)


@pytest.mark.slow
@pytest.mark.parametrize("n", [5_000, 30_000])
def test_very_long_chains_are_refused_on_the_node_quickly(n):
    analysis, seconds = _timed_analysis(dense_chain(n))
    assert seconds < 10.0
    (issue,) = analysis.errors
    assert issue.node == f"d{MAX_DEPTH - 1}" and "layers deep" in issue.message


def test_a_chain_within_the_depth_limit_has_no_depth_issue():
    analysis = Analyzer(dense_chain(50)).analysis()
    assert analysis.ok


def test_a_long_cycle_is_one_short_message_per_marked_node(tmp_path, capsys):
    graph = ring(2_000)
    analysis, seconds = _timed_analysis(graph)
    assert seconds < 5.0
    assert sum(len(i.message) for i in analysis.issues) < 20_000  # was 38 MB of text
    (cycle,) = find_cycles(graph)
    assert len(cycle) == 2_000
    path = Project(graph).save(tmp_path / "ring.studio.json")
    assert main(["summary", str(path)]) == 1
    assert len(capsys.readouterr().out) < 400_000


def test_duplicate_layer_names_are_an_issue_on_the_second_node(tmp_path, capsys):
    doc = hostile.project_doc()
    doc["graph"]["nodes"][2]["name"] = "hidden"
    path = hostile.write_doc(tmp_path / "p.studio.json", doc)
    analysis = Analyzer(Project.load(path).graph).analysis()
    assert [i.node for i in analysis.errors] == ["n3"]
    assert "already named 'hidden'" in analysis.errors[0].message
    assert main(["export", str(path), "--format", "keras", "-o", str(tmp_path / "m.keras")]) == 2


def test_an_output_naming_a_missing_port_is_an_issue(tmp_path):
    doc = hostile.project_doc()
    doc["graph"]["outputs"] = [["n3", 5]]
    graph = Project.from_dict(doc).graph
    analysis = Analyzer(graph).analysis()
    assert any("names output 5 of 'out'" in i.message and i.node == "n3" for i in analysis.errors)


def test_an_invalid_input_dtype_is_an_issue_not_a_crash():
    doc = hostile.with_param(0, "dtype", "float99")
    analysis = Analyzer(Project.from_dict(doc).graph).analysis()
    assert any("dtype must be a data type" in i.message for i in analysis.errors)


def test_graphs_the_checks_accept_compile():
    for doc in (hostile.project_doc(), hostile.with_param(1, "units", 4096)):
        graph = Project.from_dict(doc).graph
        assert Analyzer(graph).analysis().ok
        compile_graph(graph)


def test_an_unknown_layer_type_is_an_issue_naming_it():
    doc = hostile.project_doc()
    doc["graph"]["nodes"][1]["type"] = "Dense9"
    analysis = Analyzer(Project.from_dict(doc).graph).analysis()
    assert any("'Dense9' is not a layer Model Studio knows" in i.message for i in analysis.errors)
