"""Measure the peak memory of training a graph, in a fresh process (Linux only).

``python -m studio.training.memory_measure GRAPH.json BATCH [OPTIMIZER]`` prints one JSON
object. The parent (``measure_peak``) runs it as a child so nothing else the caller has loaded
counts: the child builds random data first, then resets the kernel's peak-RSS counter
(``/proc/self/clear_refs``), builds and compiles the model and trains a few steps; the peak
resident memory above the level just before the model existed is what training took. It is
what ``studio.training.memory`` estimates, and what ``benchmarks/bench_memory.py`` compares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.graph import Graph

STEPS = 4


@dataclass(frozen=True)
class PeakMeasurement:
    batch_size: int
    peak: int  # bytes above the level before the model was built
    baseline: int  # resident bytes before the model was built (runtime + data)
    seconds: float


def _status() -> dict[str, int]:
    values = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def _child(graph_file: str, batch_size: int, optimizer: str) -> dict[str, Any]:
    import gc
    import time

    import numpy as np

    from studio.compile.compiler import compile_graph

    graph = Graph.from_dict(json.loads(Path(graph_file).read_text(encoding="utf-8")))
    rng = np.random.default_rng(0)
    shaper = compile_graph(graph, with_weights=False)  # warms Keras; gives the shapes
    n = batch_size * STEPS
    xs = [rng.random((n, *t.shape[1:]), dtype="float32") for t in shaper.inputs]
    ys = [rng.random((n, *t.shape[1:]), dtype="float32") for t in shaper.outputs]
    del shaper
    gc.collect()
    before = _status()["VmRSS"]
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")  # peak RSS := current RSS
    started = time.perf_counter()
    model = compile_graph(graph, with_weights=False)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(
        xs[0] if len(xs) == 1 else xs,
        ys[0] if len(ys) == 1 else ys,
        batch_size=batch_size,
        epochs=1,
        verbose=0,
        shuffle=False,
    )
    peak = _status()["VmHWM"]
    return {
        "batch_size": batch_size,
        "peak": peak - before,
        "baseline": before,
        "seconds": time.perf_counter() - started,
    }


def measure_peak(
    graph: Graph, batch_size: int, optimizer: str = "adam", timeout: float = 600
) -> PeakMeasurement:
    """Train ``graph`` for a few steps in a child process and return its peak memory."""
    if not Path("/proc/self/clear_refs").exists():
        raise OSError("measuring peak memory needs Linux (/proc/self/clear_refs)")
    data = graph.to_dict()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "studio.training.memory_measure",
                str(path),
                str(batch_size),
                optimizer,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    if out.returncode != 0:
        raise RuntimeError(f"the measuring process failed: {out.stderr.strip()[-500:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return PeakMeasurement(**result)


if __name__ == "__main__":
    print(
        json.dumps(
            _child(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "adam")
        )
    )
