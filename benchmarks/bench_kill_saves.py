"""Kill -9 during project saves: how often the kill lands mid-save, and how often the pair on
disk no longer matches (the design's own weights). Prints one line.

    PYTHONPATH=. python benchmarks/bench_kill_saves.py [KILLS]
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.project import Project  # noqa: E402
from tests.test_project_pair import SAVER, _design  # noqa: E402


def main(kills: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kill-saves-"))
    path = folder / "p.studio.json"
    _design(0).save(path)
    rng = random.Random(3)
    mid_save = mismatched = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(kills):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True, env=env
        )
        assert child.stdout is not None
        for _ in range(rng.randrange(1, 4)):
            child.stdout.readline()
        try:
            child.wait(timeout=rng.uniform(0, 0.12))
        except subprocess.TimeoutExpired:
            pass
        child.send_signal(signal.SIGKILL)
        child.wait()
        names = [p.name for p in folder.iterdir()]
        weights_files = [n for n in names if n.endswith(".weights.npz")]
        if any(".tmp." in n for n in names) or len(weights_files) > 1:
            mid_save += 1
        project = Project.load(path)
        gen = project.metadata["gen"]
        loaded = project.graph.weights.get("n2")
        if (
            any("weights" in w for w in project.warnings)
            or loaded is None
            or loaded[0][0, 0] != gen
        ):
            mismatched += 1
    shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{kills} kills: {mid_save} landed mid-save (temporaries or an unreferenced new weights "
        f"file left), {mismatched} left a mismatched pair"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
