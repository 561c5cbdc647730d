"""Running a search: a KerasTuner tuner over the project's ``StudioHyperModel``.

The tuner keeps its own state (oracle, trials) in ``NAME.tuning/<tuner>/`` beside the project,
so a stopped search resumes where it was (KerasTuner reloads it; the unfinished trial runs
again). Beside the tuner's files the studio keeps ``trials-<tuner id>.json``: the table the app
and the CLI show (values, metric, parameters, time, the run each trial trained). One file per
tuner id keeps the workers of a distributed search from writing over each other.

``Search.run`` never raises for what a user can cause; it returns a ``SearchResult``.
``stop`` may be called from any thread.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from studio.common.atomic import atomic_write_text
from studio.data.dataset import Dataset
from studio.graph import Graph
from studio.training.engine import TrainingEngine, TrainingListener, describe_error
from studio.training.runs import RunStore
from studio.training.settings import TrainingError, TrainingSettings
from studio.tuning.space import SearchSpace, SearchSpaceError
from studio.tuning.trials import (
    TUNERS,
    SearchError,
    SearchListener,
    SearchOptions,
    SearchResult,
    SearchStatus,
    TrialRecord,
    TrialStatus,
    TunerKind,
    read_trials,
    stored_fingerprint,
    tuning_dir_for,
)
from studio.tuning.tuners import frozen_heap, quiet_failures, reporting, role

log = logging.getLogger(__name__)


class Search:
    """One search over one project's design; create one per start or resume."""

    def __init__(
        self,
        graph: Graph,
        training: dict[str, Any],
        space: SearchSpace,
        dataset: Dataset,
        folder: Path,
        options: SearchOptions,
        *,
        run_store: RunStore | None = None,
        dataset_ref: dict[str, Any] | None = None,
        listener: SearchListener | None = None,
    ) -> None:
        self.graph = graph.copy()  # the user may keep editing while trials run
        self.training = dict(training or {})
        self.space = space
        self.dataset = dataset
        self.folder = Path(folder)
        self.options = options
        self.run_store = run_store
        self.dataset_ref = dataset_ref
        self.listener = listener or SearchListener()
        self._stop = threading.Event()
        self.trials: dict[str, TrialRecord] = {}
        self.current: TrialRecord | None = None
        self.fingerprint: str | None = None
        self._trial_clock = 0.0
        self.engine = TrainingEngine(TrainingListener(on_epoch_end=self._epoch_end))

    @property
    def project_dir(self) -> Path:
        return self.folder / self.options.tuner

    @property
    def log_path(self) -> Path:
        tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
        return self.project_dir / f"trials-{tuner_id}.json"

    def stop(self) -> None:
        """End the search after the current batch; the unfinished trial runs again on resume."""
        self._stop.set()
        self.engine.stop()

    # ----- checks -------------------------------------------------------------------------
    def check(self) -> None:
        """Refuse a search that could only fail, naming what to change."""
        self.options.validate()
        dims = self.space.active(self.graph)
        if not dims:
            raise SearchError(
                "nothing is marked searchable: mark a layer parameter in the inspector, a "
                "training setting or a block in the Search panel"
            )
        try:
            settings = TrainingSettings.from_dict(self.training)
            settings.validate()
        except TrainingError as exc:
            raise SearchError(str(exc)) from None
        if self.options.tuner == "hyperband" and any(d.key == "training.epochs" for d in dims):
            raise SearchError(
                "Hyperband chooses how many epochs each trial trains; unmark training.epochs "
                "or use the random or bayesian tuner"
            )
        metric = self.options.objective.metric
        has_val = self.dataset.x_val is not None or settings.validation_split > 0
        if metric.startswith("val_") and not has_val:
            raise SearchError(
                f"the objective {metric} needs validation data: the dataset has none and "
                "validation_split is 0"
            )
        from studio.checks import Analyzer
        from studio.compile.compiler import compile_graph
        from studio.training.preflight import check_model_data

        self._check_values(dims)
        analyzer = Analyzer(self.graph)
        analysis = analyzer.analysis()
        if not analysis.ok:
            raise SearchError(f"the model has errors: {analysis.errors[0].message}")
        # data that cannot fit the design would fail every trial; say so once, up front
        model = compile_graph(self.graph, analyzer=analyzer, with_weights=False)
        problems = check_model_data(model, self.dataset, settings.loss.name)
        if problems:
            raise SearchError(
                f"the data {self.dataset.name} does not fit the model: "
                + "; ".join(p.message for p in problems)
            )

    def _check_values(self, dims: list[Any]) -> None:
        """Range ends and choices a layer refuses (``units`` 0, a rate above 1) are named
        before the search rather than found by failed trials."""
        from studio.catalog.build import spec_for
        from studio.checks import check_value

        for dim in dims:
            if dim.target != "node":
                continue
            node = self.graph.node(dim.ref)
            spec = spec_for(node).param(dim.param)
            if spec is None:
                raise SearchError(f"{node.type} '{node.name}' has no parameter {dim.param!r}")
            if dim.kind == "choice":
                candidates = list(dim.values)
            elif dim.kind == "int":
                candidates = [int(dim.low), int(dim.high)]
            else:
                candidates = [float(dim.low), float(dim.high)]
            for value in candidates:
                problem = check_value(spec, value)
                if problem:
                    raise SearchError(
                        f"{node.name}.{dim.param}: the searched value {value!r} is refused "
                        f"({dim.param} {problem})"
                    )

    # ----- the search ---------------------------------------------------------------------
    def run(self, resume: bool = False) -> SearchResult:
        started = time.perf_counter()
        try:
            self.check()
            tuner = self._tuner(resume)
        except (SearchError, SearchSpaceError) as exc:
            return self._result("failed", str(exc), started)
        except Exception as exc:  # noqa: BLE001 - a tuner that cannot start is a message
            log.debug("tuner could not start", exc_info=True)
            return self._result(
                "failed", f"the tuner could not start: {describe_error(exc)}", started
            )
        from studio.tuning.hypermodel import SearchStopped

        try:
            with quiet_failures(), frozen_heap():
                tuner.search(verbose=0)
        except SearchStopped:
            if self.current is not None:
                self.current.status = "stopped"
                self.current.message = "stopped; it runs again when the search resumes"
                self._write_log()
                self.listener.on_trial_end(self.current)
            return self._result("stopped", "Stopped; resume continues from here.", started)
        except Exception as exc:  # noqa: BLE001 - KerasTuner ends a broken search by raising
            log.debug("search ended with an error", exc_info=True)
            message = _short_error(exc)
            for record in self.trials.values():
                if record.status == "running":
                    record.status, record.message = "failed", message
            self._write_log()
            return self._result("failed", message, started)
        for record in read_trials(self.project_dir):  # other workers' trials (shared folder)
            self.trials.setdefault(record.trial_id, record)
        done = sum(t.status != "running" for t in self.trials.values())
        return self._result("completed", f"{done} trial(s) finished.", started)

    def _result(self, status: SearchStatus, message: str, started: float) -> SearchResult:
        trials = sorted(self.trials.values(), key=lambda t: t.trial_id)
        return SearchResult(
            status,
            message,
            trials,
            self.options.objective,
            self.options.max_params,
            time.perf_counter() - started,
        )

    def _tuner(self, resume: bool):
        import keras_tuner as kt

        from studio.tuning.hypermodel import StudioHyperModel

        fingerprint = self.space.fingerprint(self.graph)
        if resume:
            stored = stored_fingerprint(self.project_dir)
            if stored is not None and stored != fingerprint:
                raise SearchError(
                    "the search space changed since this search started; start a new search "
                    "(its trials are not comparable with the old ones)"
                )
            self.trials = {t.trial_id: t for t in read_trials(self.project_dir)}
        self.fingerprint = fingerprint
        hypermodel = StudioHyperModel(
            self.graph,
            self.training,
            self.space,
            self.dataset,
            self.options.objective,
            engine=self.engine,
            run_store=self.run_store,
            dataset_ref=self.dataset_ref,
            max_params=self.options.max_params,
            stop_event=self._stop,
            checkpoint_for_tuner=self.options.tuner == "hyperband",
            on_info=self._info,
        )
        objective = kt.Objective(self.options.objective.metric, self.options.objective.direction)
        common: dict[str, Any] = {
            "hypermodel": hypermodel,
            "objective": objective,
            "seed": self.options.seed,
            "directory": str(self.folder),
            "project_name": self.options.tuner,
            # a worker of a distributed search never wipes the folder the chief and the other
            # workers may share
            "overwrite": not resume and role() != "worker",
            # over-budget designs fail on purpose; a streak of them must not end the search
            "max_consecutive_failed_trials": max(3, self.options.trials),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        chatter = io.StringIO()  # KerasTuner prints "Reloading Tuner from ..." to stdout
        with contextlib.redirect_stdout(chatter):
            tuner = self._make_tuner(kt, common)
        if chatter.getvalue().strip():
            log.debug("%s", chatter.getvalue().strip())
        if not resume:
            self.trials = {}
            stale = (
                [self.log_path] if role() == "worker" else self.project_dir.glob("trials-*.json")
            )
            for path in stale:
                path.unlink(missing_ok=True)
        return tuner

    def _make_tuner(self, kt: Any, common: dict[str, Any]) -> Any:
        if self.options.tuner == "random":
            tuner = reporting(kt.RandomSearch)(self, max_trials=self.options.trials, **common)
        elif self.options.tuner == "bayesian":
            tuner = reporting(kt.BayesianOptimization)(
                self, max_trials=self.options.trials, **common
            )
        else:
            epochs = TrainingSettings.from_dict(self.training).epochs
            tuner = reporting(kt.Hyperband)(
                self, max_epochs=max(2, epochs), factor=self.options.factor, **common
            )
            tuner.oracle.max_trials = self.options.trials
        return tuner

    # ----- what trials report ---------------------------------------------------------------
    def _trial_begin(self, trial: Any) -> None:
        values = dict(trial.hyperparameters.values)
        record = TrialRecord(
            trial.trial_id,
            values={k: v for k, v in values.items() if not k.startswith("tuner/")},
            started=datetime.now().isoformat(timespec="seconds"),
        )
        self.trials[trial.trial_id] = record
        self.current = record
        self._trial_clock = time.perf_counter()
        self.listener.on_trial_start(record)

    def _trial_end(self, trial: Any) -> None:
        record = self.trials.get(trial.trial_id) or TrialRecord(trial.trial_id)
        record.seconds = time.perf_counter() - self._trial_clock
        status = str(getattr(trial.status, "value", trial.status))
        objective = self.options.objective.metric
        if status == "COMPLETED":
            record.status = "completed"
            if not record.metrics:
                record.metrics = {
                    name: float(trial.metrics.get_last_value(name))
                    for name in trial.metrics.metrics
                    if trial.metrics.get_last_value(name) is not None
                }
            record.metric = record.metrics.get(objective)
        else:
            message = trial.message or ""
            over = "OverBudget" in message
            record.status = "over_budget" if over else "failed"
            record.message = _last_line(message)
            log.debug("trial %s %s:\n%s", trial.trial_id, record.status, message)
        self._write_log()
        self.current = None
        self.listener.on_trial_end(record)

    def _info(self, info: dict[str, Any]) -> None:
        if self.current is None:
            return
        if "params" in info:
            self.current.params = int(info["params"])
            self.current.values = {
                **self.current.values,
                **{k: _plain(v) for k, v in info.get("values", {}).items()},
            }
        if info.get("run_id"):
            self.current.run_id = info["run_id"]
        if "metrics" in info:
            self.current.metrics = dict(info["metrics"])

    def _epoch_end(
        self, epoch: int, logs: dict[str, float], _seconds: float, _val: float, _samples: int
    ) -> None:
        if self.current is not None:
            self.listener.on_epoch_end(self.current.trial_id, epoch, logs)

    def _write_log(self) -> None:
        data = {
            "fingerprint": self.fingerprint,
            "options": self.options.to_dict(),
            "trials": [t.to_dict() for t in sorted(self.trials.values(), key=lambda t: t.trial_id)],
        }
        try:
            self.project_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.log_path, json.dumps(data, indent=1, default=_plain))
        except OSError as exc:
            self.listener.on_message(f"the trials table could not be saved: {exc}")


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, for JSON."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _last_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[-1]
    for prefix in ("keras_tuner.src.errors.", "studio.tuning.hypermodel."):
        text = text.replace(prefix, "")
    head, sep, tail = text.partition(": ")
    return tail if sep and head.endswith(("Error", "Budget")) else text


def _short_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if "consecutive failures" in first.lower():
        last = _last_line(str(exc))
        return f"{first} Last failure: {last}" if last else first
    return describe_error(exc)


__all__ = [
    "TUNERS",
    "Search",
    "SearchError",
    "SearchListener",
    "SearchOptions",
    "SearchResult",
    "SearchStatus",
    "TrialRecord",
    "TrialStatus",
    "TunerKind",
    "read_trials",
    "stored_fingerprint",
    "tuning_dir_for",
]
