"""Import and analysis speed on NASNetMobile (771 layers), the app's largest stock model.

Targets: import + validate + infer shapes in < 2 s; re-infer after changing one parameter in
< 50 ms. Run: ``python benchmarks/bench_core.py``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from studio.checks import Analyzer  # noqa: E402
from studio.interop.importer import import_model  # noqa: E402


def timed(label: str, fn, target_s: float | None = None):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    goal = f"  (target < {target_s * 1000:.0f} ms)" if target_s else ""
    print(f"{label:<44} {seconds * 1000:8.1f} ms{goal}")
    return result, seconds


def main() -> None:
    model, _ = timed(
        "build NASNetMobile (weights=None, Keras)",
        lambda: keras.applications.NASNetMobile(weights=None),
    )
    result, t_import = timed("import_model", lambda: import_model(model))
    graph = result.graph
    analyzer = Analyzer(graph)
    analysis, t_analyze = timed("validate + infer shapes (first analysis)", analyzer.analysis)
    assert analysis.ok and analysis.total_params == model.count_params()
    print(f"{'import + analysis':<44} {(t_import + t_analyze) * 1000:8.1f} ms  (target < 2000 ms)")

    head = graph.node_by_name("predictions")
    graph.set_params(head.id, units=500)
    _, t_head = timed("re-infer after predictions.units=500", analyzer.analysis, 0.05)
    print(f"{'':<44} nodes recomputed: {analyzer.recomputed}")
    graph.set_params(head.id, activation="linear")
    timed("re-infer after predictions.activation", analyzer.analysis, 0.05)
    stem = graph.node_by_name("stem_conv1")
    graph.set_params(stem.id, kernel_initializer="he_normal")
    timed("re-infer after stem_conv1.kernel_initializer", analyzer.analysis, 0.05)
    print(f"{'':<44} nodes recomputed: {analyzer.recomputed}")
    graph.set_params(stem.id, filters=40)
    timed("re-infer after stem_conv1.filters=40 (reshapes all)", analyzer.analysis)
    print(f"{'':<44} nodes recomputed: {analyzer.recomputed}")


if __name__ == "__main__":
    main()
