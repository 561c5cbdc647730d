"""Small graph builders shared by the core tests."""

from __future__ import annotations

from studio.graph import Graph


def chain(*layers: tuple[str, dict], name: str = "model") -> tuple[Graph, list[str]]:
    """A straight chain of layers, each connected to the next."""
    graph = Graph(name)
    ids: list[str] = []
    for type_name, params in layers:
        nid = graph.add_layer(type_name, params)
        if ids:
            graph.connect(ids[-1], nid)
        ids.append(nid)
    return graph, ids


def small_cnn() -> tuple[Graph, list[str]]:
    return chain(
        ("Input", {"shape": [28, 28, 1]}),
        ("Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relu"}),
        ("MaxPooling2D", {}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
        name="cnn",
    )
