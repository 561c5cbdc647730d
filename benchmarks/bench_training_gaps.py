"""Where in a training run the UI thread stalls: every event-loop gap over 25 ms, timed from
the Train click, for several 1-epoch runs in a row in the real main window.

``bench_app_session.py`` gives one figure per action (the longest gap); this script says
*when* the gaps of a run happen (at the start, while the Keras process trains, or when the
trained weights come back), which is what a fix has to aim at. The first run compiles the
model; later runs reuse it and continue from the trained weights.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_training_gaps.py [resnet50|nasnet] [RUNS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_app_session as session  # noqa: E402 - sets the Qt and Keras environment first

REPORTED_S = 0.025


class GapLog(session.Ticker):
    """The 5 ms ticker, also keeping each long gap with the time it began."""

    def __init__(self) -> None:
        super().__init__()
        self.gaps: list[tuple[float, float]] = []

    def _tick(self) -> None:
        now = time.perf_counter()
        if now - self.last > REPORTED_S:
            self.gaps.append((self.last, now - self.last))
        super()._tick()


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "resnet50"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    from studio.gallery.templates import new_from_template

    app, window, bench, folder = session.app_window("bench-gaps-")
    ticker = GapLog()
    ticker.timer.start()
    session.run_action(ticker, lambda: None, window.analysis_current)
    if model == "nasnet":
        path = session.nasnet_project(folder)
        session.run_action(ticker, lambda: window.open_project(path), window.analysis_current)
    else:
        project = new_from_template("resnet50")
        session.run_action(
            ticker, lambda: bench.open_template_project(project), window.analysis_current
        )
    session.use_synthetic_dataset(ticker, window, bench)
    window.docks["Inspect"].raise_()
    bench.inspect_panel.setCurrentWidget(bench.inspect_panel.filters)
    panel = bench.training_panel
    panel.epochs_spin.setValue(1)
    panel.batch_spin.setValue(8)
    bench.ask_weights = lambda: "continue"
    bench.ask_fix = lambda text: True
    finished: list[float] = []
    panel.trainingFinished.connect(lambda *args: finished.append(time.perf_counter()))

    def current() -> bool:
        return bool(finished) and all(session.views(window, bench).values())

    for run in range(runs):
        finished.clear()
        ticker.gaps.clear()
        clicked = time.perf_counter()
        gap, took = session.run_action(ticker, panel.train, current)
        ended = time.perf_counter()
        session.run_action(
            ticker, lambda: None, lambda ended=ended: time.perf_counter() - ended > 3
        )
        done = (
            f"finished at {finished[0] - clicked:.1f} s"
            if finished
            else f"not finished (running: {panel.is_running()}, panel says "
            f"{panel.message_label.text()!r} / {panel.eta_label.text()!r})"
        )
        print(f"run {run}: longest gap {gap * 1000:.0f} ms; {done}; views current {took:.1f} s")
        for began, length in ticker.gaps:
            if began >= clicked:
                print(f"    gap {length * 1000:4.0f} ms at {began - clicked:6.2f} s")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
