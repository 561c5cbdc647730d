"""Workers give way to a UI thread that waits for the interpreter lock, and full garbage
collections wait for a quiet moment."""

from __future__ import annotations

import gc
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from widgets.common import breathing, idle_gc


class _Clock:
    """Stands in for ``time`` inside ``breathing``: sleeping advances it, and may beat."""

    def __init__(self, beat_after_sleeps: int | None) -> None:
        self.now = 1000.0
        self.sleeps = 0
        self.beat_after_sleeps = beat_after_sleeps

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        if self.sleeps == self.beat_after_sleeps:
            breathing._last_beat = self.now


_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-worker")


def give_way_on_a_worker() -> None:
    """``give_way`` as a worker calls it, always on the same thread (it remembers whether
    it has seen the UI thread beat); on the UI thread it never waits."""
    _worker.submit(breathing.give_way).result()


@pytest.fixture
def clock(monkeypatch):
    def make(beat_after_sleeps: int | None) -> _Clock:
        fake = _Clock(beat_after_sleeps)
        monkeypatch.setattr(breathing, "time", fake)
        monkeypatch.setattr(breathing, "_last_beat", fake.now)
        _worker.submit(setattr, breathing._workers, "armed", True).result()
        return fake

    return make


def test_a_worker_waits_for_a_late_heartbeat_and_goes_on_once_it_beats(clock):
    fake = clock(beat_after_sleeps=3)
    fake.now += breathing.LATE_S * 2  # the UI thread has not beaten for 50 ms
    give_way_on_a_worker()
    assert fake.sleeps == 3  # it slept until the beat came, not longer


def test_a_worker_does_not_wait_while_the_heart_beats_on_time(clock):
    fake = clock(beat_after_sleeps=None)
    fake.now += breathing.LATE_S / 2
    give_way_on_a_worker()
    assert fake.sleeps == 0


def test_a_ui_thread_that_stays_away_costs_a_worker_one_wait_until_it_beats_again(clock):
    fake = clock(beat_after_sleeps=None)
    fake.now += 1.0  # the UI thread is busy (or waits for this very job)
    give_way_on_a_worker()
    first = fake.sleeps
    assert first * 0.002 == pytest.approx(breathing.GIVE_WAY_S, abs=0.005)
    give_way_on_a_worker()  # still no beat: no second wait
    assert fake.sleeps == first
    breathing._last_beat = fake.now  # it beats again, then falls behind once more
    give_way_on_a_worker()
    fake.now += 1.0
    give_way_on_a_worker()
    assert fake.sleeps > first


def test_without_a_heartbeat_workers_never_wait(clock):
    fake = clock(beat_after_sleeps=None)
    breathing._last_beat = 0.0
    fake.now += 10.0
    give_way_on_a_worker()
    assert fake.sleeps == 0


def test_the_ui_thread_never_waits_for_its_own_heartbeat(clock):
    fake = clock(beat_after_sleeps=None)
    fake.now += 1.0  # late, as it always is while the UI thread itself is drawing
    breathing.give_way()  # a grid drawn on the UI thread calls it between two labels
    assert fake.sleeps == 0


@pytest.fixture
def collector(qapp):
    saved = gc.get_threshold()
    state = {"busy": False}
    made = idle_gc.IdleCollector(lambda: state["busy"])
    yield made, state
    made._timer.stop()
    gc.set_threshold(*saved)


def _make_pending() -> None:
    for _ in range(idle_gc.WORTH_COLLECTING):
        gc.collect(1)


def test_python_starts_no_full_collection_while_the_collector_owns_them(collector):
    assert gc.get_threshold()[2] == idle_gc.NEVER


def test_a_full_collection_waits_until_the_app_is_quiet(collector):
    made, state = collector
    _make_pending()
    state["busy"] = True
    made._last_activity -= 10
    made.check()
    assert made.collections == 0  # a job is running
    state["busy"] = False
    made.check()
    assert made.collections == 0  # it was busy a moment ago
    made._last_activity = time.monotonic() - idle_gc.QUIET_S - 0.1
    made.check()
    assert made.collections == 1
    assert not made.pending()


def test_a_session_that_is_never_quiet_is_collected_once_it_has_grown(collector, monkeypatch):
    made, state = collector
    # The rule, with a bound small enough to cross here (the real one is a gigabyte).
    monkeypatch.setattr(idle_gc, "GROWTH", 0.0)
    monkeypatch.setattr(idle_gc, "GROWTH_FLOOR", 64 << 20)
    state["busy"] = True
    _make_pending()
    made.check()
    assert made.collections == 0  # busy and the process as it was: no stop for nothing
    kept = bytearray(b"\x01") * (96 << 20)  # written through: resident memory
    _make_pending()
    made.check()
    assert made.collections == 1 and kept
    _make_pending()
    made.check()
    assert made.collections == 1  # measured again from what that collection left


def test_nothing_to_collect_means_no_collection(collector):
    made, _state = collector
    made._young_at_full = made._middle_collections()
    made._last_activity -= 10
    made.check()
    assert made.collections == 0
