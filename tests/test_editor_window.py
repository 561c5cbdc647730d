"""The main window as a document editor: save and reopen, unsaved-changes prompt, crash
recovery, settings kept out of the user's real configuration, and a screenshot."""

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget, QLabel

from studio.project import Project
from tests.conftest import open_window
from widgets.app.autosave import recovery_path


def test_starts_on_the_example_as_an_untitled_copy(window):
    assert window.project.path is None
    assert window.project.dataset == {"kind": "bundled", "name": "shapes"}
    assert window.graph.node_by_name("classifier") is not None
    assert window.windowTitle().startswith("Untitled")
    assert not window.isWindowModified()
    assert window.scene.refresh_analysis().ok


def test_save_and_reopen_round_trips_the_design(window, qtbot, tmp_path):
    seen = []
    window.projectChanged.connect(seen.append)
    window.editor.set_param([window.graph.node_by_name("dense").id], "units", 32)
    assert window.isWindowModified()
    target = tmp_path / "mine.studio.json"
    assert window.save_to(target)
    assert not window.isWindowModified() and "mine.studio.json" in window.windowTitle()
    assert str(target.resolve()) in window.recent_files()
    window.new_project()
    assert len(window.graph) == 0
    assert window.open_project(target)
    assert window.graph.node_by_name("dense").params["units"] == 32
    assert Project.load(target).graph.to_dict() == window.graph.to_dict()
    assert seen and seen[-1] is window.project


def test_closing_with_unsaved_changes_asks_and_can_cancel(window, qtbot):
    asked = []
    window.ask_save_changes = lambda: asked.append(1) or "cancel"
    window.editor.add_layer("Dense", (0, 400))
    assert not window.close()
    assert asked and window.isVisible()
    window.ask_save_changes = lambda: "discard"


def test_restores_autosaved_work_after_a_crash(qtbot, tmp_path):
    first = open_window(qtbot, tmp_path, start=False)
    first.start()
    first.editor.add_layer("Dense", (0, 420))
    recovery = recovery_path(tmp_path / "recovery", None)
    qtbot.waitUntil(recovery.exists, timeout=3000)
    count = len(first.graph)
    # A crash: the process dies, so nothing deletes the recovery file; a new window starts.
    second = open_window(qtbot, tmp_path, restore=True, start=False)
    second.start()
    assert len(second.graph) == count
    assert second.isWindowModified()
    second.ask_save_changes = lambda: "discard"
    second.close()
    assert not recovery.exists()


def test_declining_restore_discards_the_copy(qtbot, tmp_path):
    first = open_window(qtbot, tmp_path, start=False)
    first.start()
    first.editor.add_layer("Dense", (0, 420))
    recovery = recovery_path(tmp_path / "recovery", None)
    qtbot.waitUntil(recovery.exists, timeout=3000)
    second = open_window(qtbot, tmp_path, restore=False, start=False)
    second.start()
    assert not recovery.exists() and not second.isWindowModified()


def test_theme_and_geometry_persist_in_the_given_settings(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path, start=False)
    win.start()
    win.actions_by_name["theme_dark"].trigger()
    win.resize(700, 500)  # inside the 800×600 offscreen screen
    win.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert settings.value("theme") == "dark"
    again = open_window(qtbot, tmp_path, start=False)
    assert again.theme_name == "dark" and again.size().width() == 700
    again.set_theme("light")


def test_other_panels_dock_in(window):
    dock = window.add_panel("Training", QLabel("training"))
    assert isinstance(dock, QDockWidget) and window.docks["Training"] is dock
    assert dock.toggleViewAction() in window.panels_menu.actions()


def test_selection_signal_carries_node_ids(window, qtbot):
    dense = window.graph.node_by_name("dense").id
    with qtbot.waitSignal(window.selectionChanged) as blocker:
        window.scene.select_nodes([dense])
    assert blocker.args == [[dense]]


def test_screenshot_of_the_example_is_not_blank(window, qtbot, artifacts_dir):
    window.resize(1440, 900)
    window.view.fit_all()
    qtbot.waitUntil(lambda: window.scene.analysis is not None)
    image = window.grab().toImage()
    path = artifacts_dir / "main_window.png"
    assert image.save(str(path))
    rgb = image.convertToFormat(image.Format.Format_RGB888)
    data = np.frombuffer(rgb.constBits(), np.uint8)[: rgb.sizeInBytes()]
    assert path.exists() and data.std() > 10
