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
