"""Memory estimate against the measured peak of training, for three templates, on this machine.

``python benchmarks/bench_memory.py [--batch-size 256] [TEMPLATE ...]``

Each template is trained for a few steps in a fresh process (``studio.training.memory_measure``:
the peak resident memory above the level just before the model was built); the estimate is
``studio.training.memory.estimate_memory`` for the same batch and optimizer (Adam). The
constants of the estimate were fitted on six other templates, so these three are a check, not
the fit. Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.project import Project  # noqa: E402
from studio.training.memory import MiB, estimate_memory  # noqa: E402
from studio.training.memory_measure import measure_peak  # noqa: E402

DEFAULT = ("mnist_cnn", "cifar_cnn", "lenet5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("templates", nargs="*", default=list(DEFAULT))
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    print(f"batch_size={args.batch_size} optimizer=Adam backend={os.environ['KERAS_BACKEND']}")
    print(f"{'template':<24}{'estimate MiB':>14}{'measured MiB':>14}{'est/meas':>10}")
    worst = 0.0
    for name in args.templates:
        graph = Project.load(ROOT / "templates" / f"{name}.studio.json").graph
        estimate = estimate_memory(graph, args.batch_size)
        measured = measure_peak(graph, args.batch_size)
        ratio = estimate.total / measured.peak
        worst = max(worst, abs(ratio - 1))
        print(
            f"{name:<24}{estimate.total / MiB:>14.1f}{measured.peak / MiB:>14.1f}{ratio:>10.2f}"
            f"   (params {estimate.parameters / MiB:.1f}, optimizer "
            f"{estimate.optimizer_state / MiB:.1f}, activations "
            f"{(estimate.activations + estimate.data) / MiB:.1f}, overhead "
            f"{estimate.overhead / MiB:.0f})"
        )
    print(f"largest deviation: {worst:.0%}")


if __name__ == "__main__":
    main()
