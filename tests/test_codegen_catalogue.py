"""Python export for every layer and op family the catalogue offers: the generated script runs
and rebuilds the same parameter count as the compiled graph.

Each entry is dropped with its starting values after an Input of the first shape it accepts
(images, sequences, vectors, volumes); merge-style layers get two inputs. An entry that no
shape can feed from its starting values is named in ``NEEDS_SETUP`` with the reason, and the
test fails if that list and reality drift apart.
"""

from __future__ import annotations

import pytest

from studio.catalog import categories, get_spec
from studio.checks import Analyzer
from studio.compile.codegen import generate_script
from studio.compile.compiler import compile_graph
from studio.graph import Graph

SHAPES = ([8, 8, 3], [6, 3], [4], [4, 4, 4, 2], [2, 4, 4, 4, 2], [256, 1], [4, 32])
# Entries whose starting values need more than an Input (and why).
NEEDS_SETUP = {
    "Equalization": "Keras returns the input tensor itself symbolically, so Input → "
    "Equalization alone is a cycle to keras.Model",
}
ENTRIES = sorted(
    spec.type_name for specs in categories().values() for spec in specs if spec.type_name != "Input"
)


def _graph_for(type_name: str) -> Graph | None:
    spec = get_spec(type_name)
    assert spec is not None
    n_inputs = max(spec.min_inputs, 1)
    for shape in SHAPES:
        graph = Graph(f"export_{type_name}")
        inputs = [graph.add_layer("Input", {"shape": list(shape)}) for _ in range(n_inputs)]
        node = graph.add_layer(type_name, spec.default_params())
        for k, nid in enumerate(inputs):
            graph.connect(nid, node, 0, k)
        if Analyzer(graph).analysis().ok:
            try:
                compile_graph(graph)
            except Exception:  # noqa: BLE001 - Keras refuses the model: try the next shape
                continue
            return graph
    return None


@pytest.mark.parametrize("type_name", ENTRIES)
def test_python_export_rebuilds_the_same_parameters(type_name: str) -> None:
    graph = _graph_for(type_name)
    if graph is None:
        assert type_name in NEEDS_SETUP, f"{type_name} builds from no Input shape in {SHAPES}"
        return
    expected = compile_graph(graph).count_params()
    text = generate_script(graph)
    namespace: dict = {}
    exec(compile(text, f"{type_name}.py", "exec"), namespace)
    built = namespace["build_model"]()
    assert built.count_params() == expected, text


def test_needs_setup_lists_only_entries_that_need_it() -> None:
    assert [name for name in NEEDS_SETUP if _graph_for(name) is not None] == []


def test_embedding_exports_with_an_integer_input() -> None:
    graph = Graph("tokens")
    ids = graph.add_layer("Input", {"shape": [6], "dtype": "int32"})
    embed = graph.add_layer("Embedding", {"input_dim": 20, "output_dim": 4})
    graph.connect(ids, embed)
    namespace: dict = {}
    exec(compile(generate_script(graph), "embedding.py", "exec"), namespace)
    assert namespace["build_model"]().count_params() == compile_graph(graph).count_params() == 80
