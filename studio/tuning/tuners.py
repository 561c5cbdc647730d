"""The glue between a ``Search`` and KerasTuner's own tuner classes.

``reporting(kt.RandomSearch)`` is that tuner reporting each trial's start and end through
KerasTuner's documented ``on_trial_begin`` / ``on_trial_end`` hooks; the search algorithms are
KerasTuner's, untouched. ``role`` reads KerasTuner's distributed-mode variables.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.tuning.search import Search

log = logging.getLogger(__name__)


def role() -> str:
    """``chief`` or ``worker`` in KerasTuner's distributed mode (``KERASTUNER_*`` variables),
    else ``local``."""
    if not os.environ.get("KERASTUNER_ORACLE_IP"):
        return "local"
    return "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"


def reporting(base: type) -> type:
    """``base`` (a KerasTuner tuner class) reporting trial begin and end to a ``Search``
    through the tuner's documented ``on_trial_begin`` / ``on_trial_end`` hooks."""

    class Reporting(base):  # type: ignore[misc, valid-type]
        def __init__(self, search: Search, **kwargs: Any) -> None:
            self._studio_search = search
            super().__init__(**kwargs)

        def on_trial_begin(self, trial: Any) -> None:
            search = self._studio_search
            if search._stop.is_set():
                from studio.tuning.hypermodel import SearchStopped

                raise SearchStopped("the search was stopped")
            search._trial_begin(trial)
            super().on_trial_begin(trial)

        def _configure_tensorboard_dir(self, callbacks: list[Any], trial: Any, execution=0):
            # KerasTuner imports TensorBoard for every trial on TensorFlow, even without a
            # TensorBoard callback; the studio passes none, so it is not needed.
            if any(type(c).__name__ == "TensorBoard" for c in callbacks):
                super()._configure_tensorboard_dir(callbacks, trial, execution)

        def on_trial_end(self, trial: Any) -> None:
            super().on_trial_end(trial)
            self._studio_search._trial_end(trial)

    Reporting.__name__ = f"Studio{base.__name__}"
    return Reporting


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """KerasTuner clears the session and runs a full ``gc.collect()`` before every trial; with
    TensorFlow loaded that walks millions of long-lived objects (0.7 s a trial measured on a
    2-core CPU). Freezing what exists before the search leaves the collections to the trials' own
    garbage, which is what they are for."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def quiet_failures() -> Iterator[None]:
    """KerasTuner prints the traceback of every failed trial (an over-budget design is one);
    the trials table shows the reason instead, and the traceback goes to the debug log."""
    try:
        from keras_tuner.src import config as kt_config
    except ImportError:  # pragma: no cover - another KerasTuner layout
        yield
        return
    old = kt_config.DEBUG
    kt_config.DEBUG = log.isEnabledFor(logging.DEBUG)
    try:
        yield
    finally:
        kt_config.DEBUG = old
