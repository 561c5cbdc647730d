"""Shared test setup: no display, TensorFlow backend unless told otherwise, no downloads."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the user's real settings and recovery files out of reach of the tests: Qt's test
    mode sends QSettings and QStandardPaths to throw-away locations."""
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)


@pytest.fixture
def artifacts_dir() -> Path:
    """Folder for screenshots and other files a test leaves for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _closed_windows_are_deleted():
    """pytest-qt closes a test's windows and asks Qt to delete them later, but nothing runs
    the deferred deletions between tests, and pyqtgraph's plot menus are parentless windows
    that outlive their plots. Left alone, every window of the session stays alive and each new
    window's style sheet re-polishes all of them: window setup grew from 0.5 s to 3 s over a
    run. After each test, hidden parentless windows are deleted."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        if widget.parent() is None and not widget.isVisible():
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _temporary_files_stay_in_the_test_folder(tmp_path_factory, monkeypatch) -> None:
    """Scratch folders the app makes (runs of an untitled project, ...) go into pytest's own
    temporary tree, so a test run leaves nothing behind in the system's temporary directory."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("scratch")))


def open_window(
    qtbot,
    tmp_path: Path,
    *,
    restore: bool = False,
    autosave_ms: int | None = 30,
    start: bool = True,
    workbench: bool = False,
    settings_file: str = "settings.ini",
):
    """A main window as a user gets it, with settings and recovery files in ``tmp_path``.

    Unsaved-changes prompts answer "discard" and the recovery prompt answers ``restore``;
    with ``workbench`` the window has every panel (dataset, training, inspect, code) and
    ``(window, bench)`` is returned.
    """
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / settings_file), QSettings.Format.IniFormat)
    kwargs = {"recovery_dir": tmp_path / "recovery"}
    if autosave_ms is not None:
        kwargs["autosave_ms"] = autosave_ms
    bench = None
    if workbench:
        from widgets.app.workbench import build_app_window

        win, bench = build_app_window(settings=settings, **kwargs)
    else:
        from widgets.app.main_window import MainWindow

        win = MainWindow(settings, **kwargs)
    win.ask_save_changes = lambda: "discard"
    win.ask_restore = lambda path: restore
    qtbot.addWidget(win)
    win.show()
    if start:
        win.start()
        qtbot.waitExposed(win)
    return (win, bench) if workbench else win


@pytest.fixture
def window(qtbot, tmp_path: Path):
    """The bare editor window, started on the bundled example."""
    return open_window(qtbot, tmp_path)
