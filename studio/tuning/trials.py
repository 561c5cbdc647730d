"""What a search is asked and what it found: options, the trials table, the result.

Plain records, kept apart from the runner (``studio.tuning.search``) so the app and the CLI can
read a stored search — ``trials-<tuner id>.json`` beside the tuner's own files — without
starting a tuner.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from studio.tuning.objective import Objective, Scored, best, pareto_front

log = logging.getLogger(__name__)

TunerKind = Literal["random", "bayesian", "hyperband"]
TUNERS: tuple[str, ...] = ("random", "bayesian", "hyperband")
TrialStatus = Literal["running", "completed", "failed", "over_budget", "stopped"]
SearchStatus = Literal["completed", "stopped", "failed"]
TUNING_SUFFIX = ".tuning"


class SearchError(ValueError):
    """A search that cannot start, with the reason in words."""


def tuning_dir_for(project_path: Path) -> Path:
    """``NAME.tuning`` beside ``NAME.studio.json`` (like ``NAME.runs``)."""
    name = project_path.name
    stem = name[: -len(".studio.json")] if name.endswith(".studio.json") else project_path.stem
    return project_path.with_name(stem + TUNING_SUFFIX)


@dataclass(frozen=True)
class SearchOptions:
    tuner: TunerKind = "random"
    trials: int = 10
    objective: Objective = field(default_factory=Objective)
    max_params: int | None = None
    seed: int | None = None
    factor: int = 3  # Hyperband's reduction factor

    def validate(self) -> None:
        if self.tuner not in TUNERS:
            raise SearchError(f"tuner must be one of {', '.join(TUNERS)}; received {self.tuner!r}")
        if self.trials < 1:
            raise SearchError(f"trials must be at least 1; received trials={self.trials}")
        if self.max_params is not None and self.max_params < 1:
            raise SearchError(f"max_params must be positive; received {self.max_params}")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["objective"] = f"{self.objective.metric}:{self.objective.direction}"
        return out


@dataclass
class TrialRecord:
    """One row of the trials table."""

    trial_id: str
    status: TrialStatus = "running"
    values: dict[str, Any] = field(default_factory=dict)
    metric: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: int | None = None
    seconds: float = 0.0
    run_id: str | None = None
    message: str = ""
    started: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def scored(self) -> Scored | None:
        if self.status != "completed" or self.metric is None or self.params is None:
            return None
        return Scored(self.trial_id, self.metric, self.params)


@dataclass
class SearchResult:
    status: SearchStatus
    message: str
    trials: list[TrialRecord]
    objective: Objective
    max_params: int | None = None
    seconds: float = 0.0

    def _scored(self) -> list[Scored]:
        out = []
        for t in self.trials:
            s = t.scored()
            if s is not None and (self.max_params is None or s.params <= self.max_params):
                out.append(s)
        return out

    @property
    def best(self) -> TrialRecord | None:
        """The best trial within the budget."""
        chosen = best(self._scored(), self.objective)
        return self.trial(chosen.trial_id) if chosen else None

    @property
    def pareto(self) -> list[TrialRecord]:
        return [self.trial(s.trial_id) for s in pareto_front(self._scored(), self.objective)]

    def trial(self, trial_id: str) -> TrialRecord:
        return next(t for t in self.trials if t.trial_id == trial_id)

    def to_dict(self) -> dict[str, Any]:
        """The ``studio tune --log-json`` object (its keys are a contract)."""
        chosen = self.best
        return {
            "status": self.status,
            "message": self.message,
            "objective": self.objective.metric,
            "direction": self.objective.direction,
            "max_params": self.max_params,
            "seconds": self.seconds,
            "trials": [t.to_dict() for t in self.trials],
            "best": chosen.to_dict() if chosen else None,
            "pareto": [t.trial_id for t in self.pareto],
        }


@dataclass
class SearchListener:
    """What a search reports; hooks run on the search thread (see ``widgets.tuning``)."""

    on_trial_start: Callable[[TrialRecord], None] = lambda _t: None
    on_epoch_end: Callable[[str, int, dict[str, float]], None] = lambda _i, _e, _l: None
    on_trial_end: Callable[[TrialRecord], None] = lambda _t: None
    on_message: Callable[[str], None] = lambda _m: None


def read_trials(folder: Path) -> list[TrialRecord]:
    """Every trial recorded under a tuner folder (all tuner ids), in trial order."""
    trials: dict[str, TrialRecord] = {}
    for path in sorted(Path(folder).glob("trials-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for row in data.get("trials", []):
                record = TrialRecord.from_dict(row)
                trials[record.trial_id] = record
        except (OSError, ValueError, TypeError):
            log.debug("unreadable trial log %s", path, exc_info=True)
    return [trials[k] for k in sorted(trials)]


def stored_fingerprint(folder: Path) -> str | None:
    for path in sorted(Path(folder).glob("trials-*.json")):
        try:
            return json.loads(path.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError):
            log.debug("unreadable trial log %s", path, exc_info=True)
    return None
