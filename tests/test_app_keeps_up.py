"""Issue 11, opening big models: the window keeps painting and ticking while a big project
opens, background jobs wait for (or stop for) the UI thread's long passes, and the overview
is painted on a worker. Each test failed on the code before the change."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings, QTimer

from studio.compile.codegen import generate
from studio.project import Project
from tests.test_canvas_layout import make_window, residual
from widgets.common.breathing import Breather, off_ui_thread, ui_busy, workers_held
from widgets.common.jobs import JobRunner


class Ticks:
    """A 1 ms timer on the UI thread: how often did the event loop run during a call?"""

    def __init__(self) -> None:
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.count += 1


@pytest.mark.slow
def test_the_event_loop_keeps_running_while_a_big_project_opens(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    path = tmp_path / "big.studio.json"
    Project(graph=residual(60)).save(path)  # 181 layers, 240 edges
    ticks = Ticks()
    ticks.timer.start()
    assert win.open_project(path)
    during = ticks.count
    ticks.timer.stop()
    assert len(win.scene.nodes) == 181
    assert len(win.scene.edges) == 240
    # Read on a worker and built in slices: the timer fired while open_project ran.
    assert during >= 1, during


def test_an_analysis_that_arrives_while_the_canvas_is_built_waits_for_the_last_slice(
    qtbot, tmp_path
):
    win = make_window(qtbot, tmp_path)
    scene = win.scene
    graph = residual(3)
    win.set_project(Project(graph=graph))
    analysis = win.scene.service.analysis_now(graph)
    with scene._changing_items(breathe=False):  # as during a slice of the build
        scene.analysis = None
        scene._analysis_arrived(graph, analysis)
        assert scene.analysis is None  # not drawn on half the items
    assert scene.analysis is analysis


def test_a_queued_job_waits_until_the_ui_pass_is_over(qtbot):
    runner = JobRunner()
    started = threading.Event()
    results = []
    with Breather():
        assert ui_busy()
        runner.run(started.set, on_done=results.append)
        assert not started.wait(0.3)  # held while the pass goes on
    assert not ui_busy()
    qtbot.waitUntil(lambda: results == [None], timeout=5000)
    runner.shutdown()


def test_code_generation_pauses_while_the_ui_thread_draws(qtbot):
    graph = residual(10)
    layers_done = []
    held = threading.Event()

    def between() -> None:
        layers_done.append(1)
        if len(layers_done) == 3:
            held.set()
        from widgets.common.breathing import wait_for_ui

        wait_for_ui()

    outcome = []
    with workers_held():
        worker = threading.Thread(
            target=lambda: outcome.append(generate(graph, between=between).text)
        )
        worker.start()
        qtbot.waitUntil(lambda: len(layers_done) >= 1, timeout=20000)
        assert not held.wait(0.3)  # paused at its first layer
        assert len(layers_done) == 1
    worker.join(60)
    assert len(layers_done) == len(graph.nodes)
    assert "def build_model()" in outcome[0]


def test_opening_another_project_stops_the_old_documents_code_generation(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    service = win.scene.service
    old = residual(8)
    win.set_project(Project(graph=old))
    service._wanted = object()  # another document was asked for
    try:
        service._yield_to_ui(old)
    except Exception as exc:  # noqa: BLE001 - the type is the point
        assert type(exc).__name__ == "Superseded"
    else:
        raise AssertionError("the old document's job went on")


def test_a_file_read_off_the_ui_thread_raises_its_own_error(qtbot):
    def broken():
        raise ValueError("bad file")

    try:
        off_ui_thread(broken)
    except ValueError as exc:
        assert str(exc) == "bad file"
    else:
        raise AssertionError("the error was lost")
    assert off_ui_thread(lambda a, b: a + b, 2, 3) == 5
    assert not ui_busy()


def test_the_overview_is_painted_on_a_worker_and_shown_when_it_arrives(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    win.set_project(Project(graph=residual(40)))
    # The canvas is built in slices; under load an overview asked for earlier shows a part.
    qtbot.waitUntil(lambda: len(win.scene.nodes) == len(win.graph.nodes), timeout=20000)
    win.view.fit_all()
    minimap = win.view.minimap
    qtbot.waitUntil(minimap.isVisible)
    painted_on = []
    original = minimap._arrived

    def arrived(asked, image):
        painted_on.append(image)
        original(asked, image)

    minimap._delivery.ready.disconnect()
    minimap._delivery.ready.connect(arrived)
    minimap.redraw()
    qtbot.waitUntil(lambda: bool(painted_on) and not minimap._picture.isNull(), timeout=20000)
    image = minimap._picture
    # Something was drawn: not every pixel is the transparent fill. Every pixel is read:
    # 181 layers fitted into the overview are boxes a pixel or two high.
    colours = {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}
    assert len(colours) > 2


def test_a_node_whose_look_did_not_change_is_not_redrawn(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    win.set_project(Project(graph=residual(2)))
    win.scene.refresh_analysis()
    item = next(iter(win.scene.nodes.values()))
    assert item.set_look(item.look) is False


def test_the_window_fits_a_laptop_screen_with_every_panel_docked(qtbot, tmp_path):
    from widgets.app.workbench import build_app_window

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win, _bench = build_app_window(settings=settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    # The tall panels (training, search, inspect) scroll inside their docks.
    assert win.minimumSizeHint().height() <= 700, win.minimumSizeHint()
    assert win.height() <= 900
    training = win.docks["Training"].widget()
    assert training.objectName() == "scroll_dock_training"


def test_the_panels_that_follow_an_opened_project_do_not_paint_the_canvas_meanwhile(
    qtbot, tmp_path
):
    """Resetting the training panel's progress bar repaints it at once, and Qt then paints
    every waiting region of the window with it: the canvas of the project just opened was
    painted inside the panels' follow-up, one longer freeze where two turns would do."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from tests.conftest import open_window

    win, bench = open_window(qtbot, tmp_path, workbench=True)
    win.resize(1440, 900)
    win.docks["Training"].raise_()
    qtbot.waitUntil(bench.training_panel.progress.isVisible, timeout=5000)
    bench.training_panel.progress.setValue(1000)  # as after a run, and shown so
    bench.training_panel.progress.repaint()
    painted = []
    canvas = (win.view, win.view.viewport())

    class Paints(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and obj in canvas:
                painted.append(obj)
            return False

    watcher = Paints()
    QApplication.instance().installEventFilter(watcher)
    panel = bench.training_panel
    reset = panel.reset
    counts = []

    def counted_reset() -> None:  # called by the workbench as it follows the project
        counts.append(len(painted))
        reset()
        counts.append(len(painted))

    panel.reset = counted_reset
    try:
        win.set_project(Project(graph=residual(30)))
    finally:
        QApplication.instance().removeEventFilter(watcher)
    assert panel.progress.value() == 0
    before, after = counts
    assert after == before, "the canvas was painted while the panels followed the project"


def test_the_panels_follow_an_opened_project_in_turns_of_the_event_loop(
    qtbot, tmp_path, monkeypatch
):
    """Filling the training form, resetting its plots and loading the dataset for a new
    project were one 40-90 ms turn of a NASNet open; the timer ticks between them now, and
    what forgets the old project is done before the first turn."""
    import widgets.app.workbench as workbench_module
    from tests.conftest import open_window

    win, bench = open_window(qtbot, tmp_path, workbench=True)
    monkeypatch.setattr(workbench_module, "FOLLOW_SLICE_S", 0.0)
    ticks = Ticks()
    seen: dict[str, object] = {}
    panel = bench.training_panel
    set_settings, show_dataset = panel.set_settings, bench._show_dataset

    def counted_settings(settings) -> None:
        seen["settings"] = ticks.count
        seen["trained"] = bench._trained  # the old project's: already forgotten by then
        set_settings(settings)

    def counted_dataset(project) -> None:
        seen["dataset"] = ticks.count
        show_dataset(project)

    monkeypatch.setattr(panel, "set_settings", counted_settings)
    monkeypatch.setattr(bench, "_show_dataset", counted_dataset)
    bench._trained = object()  # as after a run of the previous project
    ticks.timer.start()
    win.set_project(Project(graph=residual(3)))
    ticks.timer.stop()
    assert seen["trained"] is None
    assert seen["dataset"] > seen["settings"], seen
