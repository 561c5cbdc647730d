"""What a search optimises, and how its finished trials are ranked.

The objective is any metric Keras logs (``val_accuracy``, ``val_loss``, ...). The course's
criterion "fewer parameters" enters two ways: as a budget (``max_params``: a design over it is
not trained and never counts as best) and as a second objective, shown as the Pareto front of
metric against parameter count (the designs no other trial beats on both at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Direction = Literal["min", "max"]
_MAXIMISED = ("acc", "auc", "precision", "recall", "f1", "iou", "r2", "score")


@dataclass(frozen=True)
class Objective:
    metric: str = "val_accuracy"
    direction: Direction = "max"

    @classmethod
    def parse(cls, text: str) -> Objective:
        """``val_accuracy`` (direction guessed from the name) or ``val_loss:min``."""
        name, _, direction = text.strip().partition(":")
        if not name:
            raise ValueError("the objective needs a metric name, e.g. val_accuracy")
        if direction and direction not in ("min", "max"):
            raise ValueError(
                f"objective direction must be min or max; received {text!r} "
                "(write e.g. val_loss:min)"
            )
        return cls(name, direction or guess_direction(name))  # type: ignore[arg-type]

    def better(self, a: float, b: float) -> bool:
        return a > b if self.direction == "max" else a < b

    def __str__(self) -> str:
        return f"{self.metric} ({'higher' if self.direction == 'max' else 'lower'} is better)"


def guess_direction(metric: str) -> Direction:
    lowered = metric.lower()
    return "max" if any(word in lowered for word in _MAXIMISED) else "min"


@dataclass(frozen=True)
class Scored:
    """A finished trial as ranking sees it."""

    trial_id: str
    metric: float
    params: int


def best(trials: Iterable[Scored], objective: Objective) -> Scored | None:
    """The best metric; between equal metrics the smaller model wins."""
    chosen: Scored | None = None
    for t in trials:
        if (
            chosen is None
            or objective.better(t.metric, chosen.metric)
            or (t.metric == chosen.metric and t.params < chosen.params)
        ):
            chosen = t
    return chosen


def pareto_front(trials: Iterable[Scored], objective: Objective) -> list[Scored]:
    """Trials no other trial beats on metric and parameter count together, fewest
    parameters first (so the list reads as "what each extra parameter buys")."""
    items = list(trials)
    front = []
    for t in items:
        dominated = any(
            (o.params <= t.params and not objective.better(t.metric, o.metric))
            and (o.params < t.params or objective.better(o.metric, t.metric))
            for o in items
            if o is not t
        )
        if not dominated:
            front.append(t)
    unique = {(t.metric, t.params): t for t in sorted(front, key=lambda s: s.trial_id)}
    return sorted(unique.values(), key=lambda s: (s.params, s.trial_id))
