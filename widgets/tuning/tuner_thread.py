"""Runs a ``studio.tuning.search.Search`` on a QThread; its hooks become Qt signals.

Trials train on this thread through the studio's training engine; the UI thread only receives
queued signals (one per trial start and end, one per epoch), so it only draws.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QThread, Signal, Slot

from studio.training.engine import describe_error
from studio.tuning.search import Search, SearchListener, SearchResult

log = logging.getLogger(__name__)


class TunerThread(QThread):
    """One search (start or resume); create a new one each time and connect before start."""

    trialStarted = Signal(object)  # TrialRecord
    trialEnded = Signal(object)  # TrialRecord
    epochEnded = Signal(str, int, dict)  # trial id, epoch, logs
    message = Signal(str)
    searchFinished = Signal(object)  # SearchResult

    def __init__(self, search: Search, resume: bool = False, parent: Any = None) -> None:
        super().__init__(parent)
        self.search = search
        self.resume = resume
        self.result: SearchResult | None = None
        search.listener = SearchListener(
            on_trial_start=self.trialStarted.emit,
            on_epoch_end=lambda trial, epoch, logs: self.epochEnded.emit(trial, epoch, dict(logs)),
            on_trial_end=self.trialEnded.emit,
            on_message=self.message.emit,
        )

    def run(self) -> None:
        try:
            self.result = self.search.run(resume=self.resume)
        except Exception as exc:  # noqa: BLE001 - nothing may escape into Qt
            log.debug("search thread failed", exc_info=True)
            self.result = SearchResult(
                "failed", describe_error(exc), [], self.search.options.objective
            )
        self.searchFinished.emit(self.result)

    @Slot()
    def stop(self) -> None:
        self.search.stop()
