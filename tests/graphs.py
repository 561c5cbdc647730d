"""Large and pathological graphs for the limit tests and benchmarks, built from documents
(no per-edit checks), as a file would deliver them."""

from __future__ import annotations

from studio.graph import Graph


def dense_chain(n: int) -> Graph:
    nodes = [{"id": "in", "type": "Input", "name": "input", "params": {"shape": [4]}}]
    nodes += [
        {"id": f"d{i}", "type": "Dense", "name": f"dense_{i}", "params": {"units": 4}}
        for i in range(n)
    ]
    ids = [nd["id"] for nd in nodes]
    edges = [[a, 0, b, 0] for a, b in zip(ids, ids[1:])]
    return Graph.from_dict({"name": f"chain{n}", "nodes": nodes, "edges": edges})


def ring(n: int) -> Graph:
    """An Input feeding a cycle of ``n`` Dense layers."""
    graph = dense_chain(n)
    graph._insert_edge(__import__("studio.graph", fromlist=["Edge"]).Edge(f"d{n - 1}", "d0", 0, 1))
    return graph


def complete(n: int) -> Graph:
    """``n`` Add layers, each wired to every other one in both directions."""
    nodes = [{"id": f"a{i}", "type": "Add", "name": f"add_{i}", "params": {}} for i in range(n)]
    edges = []
    for j in range(n):
        port = 0
        for i in range(n):
            if i != j:
                edges.append([f"a{i}", 0, f"a{j}", port])
                port += 1
    return Graph.from_dict({"name": "complete", "nodes": nodes, "edges": edges})
