"""Pathological graphs: how long the checks take and how much they print, against the old way.

Baselines are measured in the same run: the old cycle report listed every simple cycle
(``networkx.simple_cycles``) before keeping ten, and put the whole cycle's names on every
node of it; the old chain analysis built a Keras layer for every node.

    PYTHONPATH=. python benchmarks/bench_graph_limits.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.checks import Analyzer  # noqa: E402
from tests.graphs import complete, dense_chain, ring  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def old_cycles(graph, cap_seconds: float = 20.0) -> tuple[int, float, bool]:
    """All simple cycles, as before, stopped after ``cap_seconds``."""
    g = nx.DiGraph()
    g.add_edges_from((e.src, e.dst) for e in graph.edges)
    start = time.perf_counter()
    count = 0
    for _ in nx.simple_cycles(g):
        count += 1
        if count % 10_000 == 0 and time.perf_counter() - start > cap_seconds:
            return count, time.perf_counter() - start, True
    return count, time.perf_counter() - start, False


def main() -> None:
    for n in (8, 12):
        graph = complete(n)
        analysis, ours = timed(lambda g=graph: Analyzer(g).analysis())
        count, old, capped = old_cycles(graph)
        more = "+ (stopped)" if capped else ""
        print(
            f"complete graph of {n}: checks {ours:.3f} s, {len(analysis.issues)} issues; "
            f"old enumeration {old:.2f} s for {count:,}{more} cycles -> "
            f"{old / max(ours, 1e-9):,.0f}x"
        )
    for n in (5_000, 30_000):
        graph, build = timed(lambda n=n: dense_chain(n))
        analysis, ours = timed(lambda g=graph: Analyzer(g).analysis())
        print(
            f"chain of {n:,}: built {build:.2f} s, checks {ours:.3f} s "
            f"({analysis.errors[0].message[:60]}...)"
        )
    graph = dense_chain(300)
    _, per_node = timed(lambda: Analyzer(graph).analysis())
    print(
        f"baseline: full Keras checks of a 300-layer chain {per_node:.2f} s, "
        f"i.e. ~{per_node / 300 * 30_000:.0f} s for 30,000 layers"
    )
    graph = ring(2_000)
    analysis, ours = timed(lambda: Analyzer(graph).analysis())
    text = sum(len(i.message) for i in analysis.issues)
    names = " → ".join(n.name for n in graph.nodes if n.type != "Input")
    old_text = 2_000 * len(names)
    print(
        f"cycle of 2,000: checks {ours:.3f} s, {len(analysis.issues)} issues, {text:,} characters; "
        f"old report {old_text:,} characters -> {old_text / text:,.0f}x less text"
    )


if __name__ == "__main__":
    main()
