"""Training runs kept with the project: what was asked, what happened, and the weights it made.

Each run lives in ``<folder>/<run_id>/`` as ``run.json`` plus ``best.weights.h5`` and
``last.weights.h5``. Every file is written to a temporary name and moved into place with
``os.replace`` so a crash mid-write never leaves a half-written run that the project would
then fail to open.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np

from studio.common.atomic import atomic_write_text, atomic_write_with
from studio.training.settings import TrainingError

log = logging.getLogger(__name__)

RunStatus = Literal["running", "completed", "stopped", "failed"]
WeightsKind = Literal["best", "last"]

RUN_FILE = "run.json"
WEIGHT_FILES: dict[str, str] = {"best": "best.weights.h5", "last": "last.weights.h5"}


def new_run_id() -> str:
    """Sortable by start time, unique even for runs started in the same second."""
    return f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass
class RunRecord:
    """Everything shown about a run after it ended; mutable while the engine fills it in."""

    id: str
    started: str
    finished: str | None = None
    status: RunStatus = "running"
    message: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    epochs: list[dict[str, float]] = field(default_factory=list)
    batches: list[dict[str, float]] = field(default_factory=list)
    final_metrics: dict[str, float] = field(default_factory=dict)
    best_weights: str | None = None
    last_weights: str | None = None
    monitor: str = "loss"
    best_epoch: int | None = None
    backend: str = ""
    device: str = ""
    # Files a training mode wrote beside the run (sample grids, models usable alone).
    outputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def metric_names(self) -> list[str]:
        """Logged metric names in first-seen order (``loss``, ``accuracy``, ``val_loss``, ...)."""
        names: dict[str, None] = {}
        for row in self.epochs:
            for key in row:
                if key not in ("epoch", "seconds", "val_seconds", "samples"):
                    names.setdefault(key, None)
        return list(names)


# Bytes kept free beyond a weights file's own size; HDF5 also writes metadata and, on a disk
# that fills up mid-write, has crashed the process instead of raising.
_SPACE_MARGIN = 8 * 2**20


def weights_bytes_estimate(model: keras.Model) -> int:
    return sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in model.weights)


def ensure_space(folder: Path, needed: int) -> None:
    """Raise ``OSError(ENOSPC)`` before writing ``needed`` bytes into ``folder`` if they do
    not fit: a clean error now instead of a half-written (or crashing) HDF5 write later."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < needed + _SPACE_MARGIN:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))


def _atomic_save_weights(model: keras.Model, path: Path) -> None:
    ensure_space(path.parent, int(weights_bytes_estimate(model) * 1.2))
    atomic_write_with(path, lambda tmp: model.save_weights(tmp, overwrite=True))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class RunStore:
    """The runs of one project, one folder per run."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def run_dir(self, run_id: str) -> Path:
        return self.folder / run_id

    def save(
        self,
        record: RunRecord,
        model: keras.Model | None = None,
        best_weights: list[np.ndarray] | None = None,
        write_last: bool = True,
    ) -> None:
        """Write the record and, given ``model``, its current weights as ``last``.

        ``best_weights`` (from ``model.get_weights()``) are written by loading them into the
        model for a moment; the model's own weights are put back before returning. A failed
        run passes ``write_last=False``: its last weights are the ones that broke.
        """
        folder = self.run_dir(record.id)
        created = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._write(folder, record, model, best_weights, write_last)
        except BaseException:
            log.debug("save: handled exception", exc_info=True)
            if created:  # an empty or half-written run folder would only confuse the run list
                shutil.rmtree(folder, ignore_errors=True)
            raise

    def _write(
        self,
        folder: Path,
        record: RunRecord,
        model: keras.Model | None,
        best_weights: list[np.ndarray] | None,
        write_last: bool,
    ) -> None:
        if model is not None:
            last = folder / WEIGHT_FILES["last"]
            if write_last:
                _atomic_save_weights(model, last)
                record.last_weights = WEIGHT_FILES["last"]
            if best_weights is not None:
                current = model.get_weights()
                model.set_weights(best_weights)
                try:
                    _atomic_save_weights(model, folder / WEIGHT_FILES["best"])
                finally:
                    model.set_weights(current)
                record.best_weights = WEIGHT_FILES["best"]
            elif write_last:
                ensure_space(folder, last.stat().st_size)
                atomic_write_with(
                    folder / WEIGHT_FILES["best"], lambda tmp: shutil.copyfile(last, tmp)
                )
                record.best_weights = WEIGHT_FILES["best"]
        text = json.dumps(record.to_dict(), indent=1, default=_json_default, allow_nan=True)
        atomic_write_text(folder / RUN_FILE, text)

    def list(self) -> list[RunRecord]:
        """Every readable run, oldest first; unreadable folders are skipped, not fatal."""
        if not self.folder.is_dir():
            return []
        records = []
        for path in sorted(self.folder.glob(f"*/{RUN_FILE}")):
            try:
                records.append(self.load(path.parent.name))
            except TrainingError:
                continue
        return sorted(records, key=lambda r: r.started)

    def load(self, run_id: str) -> RunRecord:
        path = self.run_dir(run_id) / RUN_FILE
        try:
            return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise TrainingError(f"Run {run_id!r} could not be read from {path}: {exc}") from exc

    def delete(self, run_id: str) -> None:
        folder = self.run_dir(run_id)
        if not (folder / RUN_FILE).is_file():
            raise TrainingError(f"There is no run {run_id!r} in {self.folder}")
        shutil.rmtree(folder)

    def weights_path(self, run_id: str, which: WeightsKind = "best") -> Path:
        if which not in WEIGHT_FILES:
            raise TrainingError(f"`which` must be 'best' or 'last'; received which={which!r}")
        return self.run_dir(run_id) / WEIGHT_FILES[which]

    def load_weights_into(
        self, model: keras.Model, run_id: str, which: WeightsKind = "best"
    ) -> None:
        """Load a run's weights; a model whose layers no longer match gets a clear error."""
        from studio.compile.compiler import forget_design

        path = self.weights_path(run_id, which)
        if not path.is_file():
            raise TrainingError(f"Run {run_id!r} has no {which} weights at {path}")
        forget_design(model)  # its weights change in place
        try:
            model.load_weights(path)
        except (ValueError, KeyError, OSError) as exc:
            raise TrainingError(
                f"The {which} weights of run {run_id!r} do not fit this model "
                f"(was it changed since?): {exc}"
            ) from exc


def move_runs(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> list[str]:
    """Move every run folder of ``source`` into ``target`` (the runs of a project saved for
    the first time leave the temporary folder for ``NAME.runs/``); returns the moved ids.

    Each run moves whole with one rename where the two folders share a disk, else it is
    copied and the original removed only after the copy is complete.
    """
    return _transfer(Path(source), Path(target), move=True)


def copy_runs(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> list[str]:
    """Copy every run of ``source`` into ``target`` (Save As keeps the old project's runs)."""
    return _transfer(Path(source), Path(target), move=False)


def _transfer(source: Path, target: Path, move: bool) -> list[str]:
    if not source.is_dir() or source.resolve() == target.resolve():
        return []
    done = []
    for run_file in sorted(source.glob(f"*/{RUN_FILE}")):
        run = run_file.parent
        destination = target / run.name
        if destination.exists():
            continue  # already there: never overwrite a run
        target.mkdir(parents=True, exist_ok=True)
        partial = target / f".{run.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        if move:
            try:
                os.replace(run, destination)
                done.append(run.name)
                continue
            except OSError:
                pass  # another disk: copy, then remove
        shutil.copytree(run, partial)
        os.replace(partial, destination)
        if move:
            shutil.rmtree(run, ignore_errors=True)
        done.append(run.name)
    return done
