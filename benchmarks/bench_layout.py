"""Auto-layout quality and speed on the stock models users compare us with Netron on.

For each model: layout time (best of three), edge crossings and edges through node boxes,
both measured on the curves the canvas draws (``studio.graph.routing``), and the drawing's
width:height. The baseline in the same run is the same drawing with the edges drawn straight
from port to port, without the layout's bend points: what skip connections looked like
before. Then the overview: the model folded by "Group repeated blocks".

Targets: no edge through a box; NASNetMobile laid out in < 1 s.
Run: ``python benchmarks/bench_layout.py`` (builds the Keras models with ``weights=None``, no
download).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from studio.graph import Graph  # noqa: E402
from studio.graph.layout import apply_layout, box_of  # noqa: E402
from studio.graph.repeats import group_repeats_op  # noqa: E402
from studio.graph.routing import bounds, crossings, edges_through_boxes, polylines  # noqa: E402
from studio.project import Project  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def models() -> list[tuple[str, callable]]:
    def template(name: str):
        return lambda: Project.load(TEMPLATES / f"{name}.studio.json").graph

    def application(name: str):
        def build() -> Graph:
            import keras

            from studio.interop.importer import import_model

            return import_model(getattr(keras.applications, name)(weights=None)).graph

        return build

    return [
        ("LeNet-5 (template)", template("lenet5")),
        ("ResNet-50 (template)", template("resnet50")),
        ("MobileNetV2", application("MobileNetV2")),
        ("InceptionV3", application("InceptionV3")),
        ("DenseNet121", application("DenseNet121")),
        ("NASNetMobile", application("NASNetMobile")),
    ]


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def ratio(graph: Graph) -> str:
    """Width:height of what is drawn: a collapsed block sits at the mean of its layers."""
    members: dict[str, list[tuple[float, float]]] = {}
    for nid, box in box_of(graph).items():
        members.setdefault(box, []).append(graph.node(nid).position)
    shown = [
        (sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps))
        for ps in members.values()
    ]
    w, h = bounds(shown)
    return f"{w / h:.2f}:1" if w >= h else f"1:{h / w:.2f}"


def main() -> None:
    header = (
        f"{'model':<22}{'layers':>7}{'edges':>7}{'layout':>10}{'crossings':>11}"
        f"{'through boxes':>15}{'  (straight)':>13}{'w:h':>10}"
    )
    print(header)
    print("-" * len(header))
    folded_rows = []
    for label, build in models():
        graph = build()
        seconds = best_of(lambda g=graph: apply_layout(g))
        lines = polylines(graph)
        through = len(edges_through_boxes(graph, lines=lines))
        cross = crossings(graph, lines=lines)
        routes = graph.routes
        graph.routes = {}
        straight = len(edges_through_boxes(graph))
        graph.routes = routes
        print(
            f"{label:<22}{len(graph):>7}{len(graph.edges):>7}{seconds * 1000:>8.0f}ms"
            f"{cross:>11}{through:>15}{straight:>13}{ratio(graph):>10}"
        )
        start = time.perf_counter()
        graph.apply(group_repeats_op(graph))
        fold_s = time.perf_counter() - start
        boxes = len(set(box_of(graph).values()))
        folded_rows.append((label, len(graph.groups), boxes, fold_s, ratio(graph)))
    print()
    print("Group repeated blocks (one undoable edit, includes laying out the folded model)")
    print(f"{'model':<22}{'blocks':>8}{'boxes shown':>13}{'time':>10}{'w:h':>10}")
    for label, blocks, boxes, seconds, shape in folded_rows:
        print(f"{label:<22}{blocks:>8}{boxes:>13}{seconds * 1000:>8.0f}ms{shape:>10}")
    print()
    print("targets: 'through boxes' 0 for every model; NASNetMobile layout < 1000 ms")


if __name__ == "__main__":
    main()
