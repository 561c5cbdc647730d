"""What a training run reports, shared by the engine and the training modes that drive it:
progress records, the outcome of one ``fit``, and the one-line description of a failure.

A leaf module, so a mode can use these without importing the engine that imports the modes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from studio.common.errors import short_message


@dataclass(frozen=True)
class BatchProgress:
    """Where training stands; ``epoch`` counts from 1, ``batch`` is batches done this epoch."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    samples: int
    elapsed: float
    epoch_eta: float | None
    overall_eta: float | None
    paused: bool = False

    @property
    def fraction(self) -> float:
        """Share of the whole run done, for one overall progress bar."""
        per_epoch = self.batch / self.batches if self.batches else 0.0
        return min(1.0, ((self.epoch - 1) + per_epoch) / self.epochs)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fraction": self.fraction}


@dataclass(frozen=True)
class FitOutcome:
    """How one ``fit`` ended: ``failure`` is None unless it failed; ``last_epoch`` counts
    from 1 across the whole run."""

    failure: str | None
    best_weights: list[np.ndarray] | None
    last_epoch: int


def describe_error(exc: BaseException) -> str:
    """One line a user can act on, with the advice training failures usually need."""
    first = short_message(exc)
    lowered = f"{type(exc).__name__} {exc}".lower()
    if isinstance(exc, MemoryError) or any(
        s in lowered
        for s in ("resourceexhausted", "resource exhausted", "out of memory", "oom when")
    ):
        return f"Out of memory while training; try a smaller batch size or model. ({first})"
    if "shape" in lowered or "incompatible" in lowered or "dimension" in lowered:
        return f"The data does not fit the model's shapes: {first}"
    return f"{type(exc).__name__}: {first}"
