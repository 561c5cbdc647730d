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


def train_from_panel(qtbot, panel, timeout_ms: int = 120_000):
    """Click the panel's Train button and wait until the run is over, however it ended; a
    run that never reports a result fails naming what the panel showed, so a CI log says
    whether it was slow (progress), refused (message) or lost (neither)."""
    from PySide6.QtCore import Qt

    before = panel.last_result
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)

    def over() -> bool:
        return not panel.is_busy()

    try:
        qtbot.waitUntil(over, timeout=timeout_ms)
    except qtbot.TimeoutError:
        raise AssertionError(
            f"no end of the run after {timeout_ms} ms; the panel shows: "
            f"{panel.eta_label.text()!r}, message {panel.message_label.text()!r}, "
            f"progress {panel.progress.value()}/1000"
        ) from None
    result = panel.last_result
    assert result is not None and result is not before, (
        f"the run ended without a result: {panel.message_label.text()!r}"
    )
    return result
