"""Shared test setup: no display, TensorFlow backend unless told otherwise, no downloads."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def artifacts_dir() -> Path:
    """Folder for screenshots and other files a test leaves for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
