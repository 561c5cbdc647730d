"""Editor speed on a big model: NASNetMobile (771 layers).

Measures: import (or a fallback conversion), auto-layout, building the scene, the first full
analysis, one incremental edit, and paint time of a frame while panning and while dragging a
node (the view rendered into an image offscreen). Targets: show < 3 s, frame < 16 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_editor.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.graph import Edge, Graph, Node  # noqa: E402
from studio.graph.layout import layout_op  # noqa: E402


def graph_from_config(model) -> Graph:
    """Fallback when ``studio.interop.importer`` is missing: every layer opaque, wired from config."""
    import keras

    graph = Graph(model.name)
    ids: dict[str, str] = {}
    for layer in model.layers:
        nid = graph.new_id()
        ids[layer.name] = nid
        if type(layer).__name__ == "InputLayer":
            node = Node(nid, "Input", layer.name, {"shape": list(layer.batch_shape[1:])})
        else:
            node = Node(
                nid,
                type(layer).__name__,
                layer.name,
                keras.saving.serialize_keras_object(layer),
                opaque=True,
            )
        graph._insert_node(node)
    for entry in model.get_config()["layers"]:
        slot = 0
        for inbound in entry.get("inbound_nodes", []):
            args = inbound.get("args", [])
            flat = args[0] if args and isinstance(args[0], list) else args
            for arg in flat:
                if isinstance(arg, dict) and "config" in arg:
                    src = arg["config"]["keras_history"][0]
                    graph._insert_edge(Edge(ids[src], ids[entry["name"]], 0, slot))
                    slot += 1
    return graph


def frame_times(view, count: int, step) -> list[float]:
    """Paint time of ``count`` frames: each step changes the view, then the whole viewport
    repaints synchronously, as a frame on screen is drawn (item caches included; a real pan
    repaints only the strip scrolled into view, so this is the upper bound)."""
    QApplication.processEvents()
    times = []
    for i in range(count):
        step(i)
        start = time.perf_counter()
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
        QApplication.processEvents()
    return times


def main() -> None:
    app = QApplication.instance() or QApplication([])
    import keras

    t = time.perf_counter()
    model = keras.applications.NASNetMobile(weights=None)
    print(f"NASNetMobile built: {len(model.layers)} layers in {time.perf_counter() - t:.2f}s")
    t = time.perf_counter()
    try:
        from studio.interop.importer import import_model

        result = import_model(model)
        graph = getattr(result, "graph", result)
        how = "studio.interop.importer"
    except ImportError:
        graph = graph_from_config(model)
        how = "config fallback"
    print(
        f"import ({how}): {len(graph)} nodes, {len(graph.edges)} edges "
        f"in {time.perf_counter() - t:.2f}s"
    )

    from widgets.app.main_window import MainWindow

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    t0 = time.perf_counter()
    graph.apply(layout_op(graph))
    t1 = time.perf_counter()
    from studio.project import Project

    window.scene._timer.setInterval(10**9)  # analyse explicitly below, timed on its own
    project = Project(graph=graph)
    window.project = project
    window.editor.set_graph(graph)
    window.scene.attach(graph)
    window.inspector.attach(graph)
    window.view.fit_all()
    QApplication.processEvents()
    t2 = time.perf_counter()
    print(
        f"auto-layout: {(t1 - t0) * 1000:.0f} ms; scene built and shown: "
        f"{(t2 - t1) * 1000:.0f} ms; total {(t2 - t0):.2f}s (target < 3 s)"
    )

    t = time.perf_counter()
    analysis = window.scene.refresh_analysis()
    print(
        f"first full analysis (Keras shapes for every layer): "
        f"{time.perf_counter() - t:.2f}s, {len(analysis.issues)} issues, "
        f"{analysis.total_params:,} params (model.count_params() = {model.count_params():,})"
    )
    node = next(n for n in graph.nodes if n.type == "Dense" or n.type == "Conv2D")
    t = time.perf_counter()
    window.editor.set_trainable([node.id], False)
    window.scene.refresh_analysis()
    print(
        f"one edit + incremental analysis + scene update: "
        f"{(time.perf_counter() - t) * 1000:.1f} ms "
        f"({window.scene.analyzer.recomputed} layer(s) recomputed)"
    )

    view = window.view
    view.resetTransform()
    view.scale(0.6, 0.6)
    view.center_on_node(graph.nodes[len(graph) // 2].id)
    for label, scale in (("overview (fit)", None), ("working zoom 0.6", 0.6)):
        if scale is None:
            view.fit_all()
        else:
            view.resetTransform()
            view.scale(scale, scale)
            view.center_on_node(graph.nodes[len(graph) // 2].id)
        bar = view.horizontalScrollBar()
        item = window.scene.nodes[graph.nodes[len(graph) // 2].id]

        def pan_step(i: int, bar=bar) -> None:
            bar.setValue(bar.value() + (15 if i % 2 else -9))

        def drag_step(i: int, item=item) -> None:
            item.setPos(item.pos() + QPointF(3, 2))

        frame_times(view, 2, pan_step)  # the first frame at a new zoom fills the item caches
        pan = frame_times(view, 40, pan_step)
        drag = frame_times(view, 40, drag_step)
        print(
            f"{label}: pan frame median {statistics.median(pan):.1f} ms "
            f"(p90 {sorted(pan)[int(len(pan) * 0.9)]:.1f}); drag frame median "
            f"{statistics.median(drag):.1f} ms (p90 {sorted(drag)[int(len(drag) * 0.9)]:.1f})"
            " (target < 16 ms)"
        )

    t = time.perf_counter()
    ids = [n.id for n in graph.nodes]
    window.scene.select_nodes(ids)
    pasted = window.duplicate()
    t_paste = time.perf_counter() - t
    t = time.perf_counter()
    window.stack.undo()
    t_undo = time.perf_counter() - t
    t = time.perf_counter()
    window.stack.redo()
    t_redo = time.perf_counter() - t
    print(
        f"duplicate {len(pasted)} nodes: {t_paste * 1000:.0f} ms; undo {t_undo * 1000:.0f} ms;"
        f" redo {t_redo * 1000:.0f} ms (scene only; analysis is debounced)"
    )
    window.stack.setClean()
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
