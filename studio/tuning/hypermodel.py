"""The design as a KerasTuner ``HyperModel``: each trial builds the graph with the trial's values
and trains it with the studio's own training engine, so a trial is a run like any other.

``build`` declares every dimension (``hp.Choice``/``Int``/``Float``/``Boolean``) and compiles the
edited graph; ``fit`` refuses designs over the parameter budget without training them, trains
the rest through ``TrainingEngine`` (stored in the project's runs) and returns the best epoch's
metrics. A design that does not build, or whose training fails, is a failed trial
(``FailedTrialError``), not the end of the search.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import keras_tuner as kt

from studio.data.dataset import Dataset
from studio.graph import Graph
from studio.training.engine import EPOCH_TIMING_KEYS, TrainingEngine, TrainingResult
from studio.training.runs import RunStore
from studio.training.settings import TrainingError, TrainingSettings, compile_model
from studio.tuning.design import current_value, trial_graph, trial_training
from studio.tuning.objective import Objective
from studio.tuning.space import Dimension, SearchSpace

log = logging.getLogger(__name__)


class SearchStopped(kt.errors.FatalError):
    """Raised out of a trial to end ``tuner.search`` when the user stops the search; the
    trial stays unfinished in the tuner's folder and is run again on resume."""


class OverBudget(kt.errors.FailedTrialError):
    """A design with more parameters than the budget: skipped without training."""

    def __init__(self, params: int, budget: int) -> None:
        super().__init__(f"{params:,} parameters is over the budget of {budget:,}")
        self.params = params


def declare(hp: kt.HyperParameters, dim: Dimension, default: Any) -> Any:
    """Register ``dim`` with KerasTuner and return this trial's value."""
    if dim.kind == "choice":
        return hp.Choice(dim.key, list(dim.values), default=default)
    if dim.kind == "bool":
        return hp.Boolean(dim.key, default=bool(default))
    assert dim.low is not None and dim.high is not None
    if dim.kind == "int":
        return hp.Int(
            dim.key,
            int(dim.low),
            int(dim.high),
            step=int(dim.step) if dim.step else None,
            sampling=dim.sampling,
            default=int(default),
        )
    return hp.Float(
        dim.key,
        float(dim.low),
        float(dim.high),
        step=dim.step,
        sampling=dim.sampling,
        default=float(default),
    )


class StudioHyperModel(kt.HyperModel):
    """Builds and trains one trial of a project's design; see the module docstring."""

    def __init__(
        self,
        graph: Graph,
        training: dict[str, Any],
        space: SearchSpace,
        dataset: Dataset,
        objective: Objective,
        *,
        engine: TrainingEngine,
        run_store: RunStore | None = None,
        dataset_ref: dict[str, Any] | None = None,
        max_params: int | None = None,
        stop_event: threading.Event | None = None,
        checkpoint_for_tuner: bool = False,
        on_info: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__(name=graph.name)
        self.graph = graph
        self.training = training
        self.space = space
        self.dims = space.active(graph)
        self.dataset = dataset
        self.objective = objective
        self.engine = engine
        self.run_store = run_store
        self.dataset_ref = dataset_ref
        self.max_params = max_params
        self.stop_event = stop_event or threading.Event()
        self.checkpoint_for_tuner = checkpoint_for_tuner
        self.on_info = on_info or (lambda _info: None)
        self.defaults = {d.key: d.default_for(current_value(graph, training, d)) for d in self.dims}

    # ----- values ---------------------------------------------------------------------------
    def values(self, hp: kt.HyperParameters) -> dict[str, Any]:
        return {d.key: declare(hp, d, self.defaults[d.key]) for d in self.dims}

    def declare_hyperparameters(self, hp: kt.HyperParameters) -> None:
        self.values(hp)

    def settings(self, values: dict[str, Any]) -> TrainingSettings:
        return TrainingSettings.from_dict(trial_training(self.training, self.space, values))

    # ----- KerasTuner's two hooks -------------------------------------------------------------
    def build(self, hp: kt.HyperParameters):
        from studio.compile.compiler import CompileError, compile_graph
        from studio.tuning.space import SearchSpaceError

        values = self.values(hp)
        try:
            model = compile_graph(trial_graph(self.graph, self.space, values), with_weights=False)
        except (CompileError, SearchSpaceError) as exc:
            raise kt.errors.FailedTrialError(f"this design does not build: {exc}") from None
        try:
            compile_model(model, self.settings(values))
        except TrainingError as exc:
            raise kt.errors.FailedTrialError(str(exc)) from None
        return model

    def fit(self, hp: kt.HyperParameters, model, *args: Any, **kwargs: Any) -> dict[str, float]:
        if self.stop_event.is_set():
            raise SearchStopped("the search was stopped")
        values = self.values(hp)
        params = int(model.count_params())
        self.on_info({"params": params, "values": values})
        if self.max_params is not None and params > self.max_params:
            raise OverBudget(params, self.max_params)
        settings = self.settings(values)
        if "epochs" in kwargs:  # Hyperband decides how long each bracket trains
            initial = int(kwargs.get("initial_epoch") or 0)
            settings = replace(settings, epochs=max(1, int(kwargs["epochs"]) - initial))
        result = self.engine.run(
            model,
            self.dataset,
            settings,
            run_store=self.run_store,
            compile=False,
            dataset_ref=self.dataset_ref,
        )
        self.on_info({"run_id": result.record.id if self.run_store else None})
        if self.stop_event.is_set() or result.status == "stopped":
            raise SearchStopped("the search was stopped")
        if result.status == "failed":
            raise kt.errors.FailedTrialError(result.message)
        if self.checkpoint_for_tuner:
            self._save_tuner_checkpoint(model, kwargs.get("callbacks") or [])
        metrics = self.metrics(result)
        # the trial's own record: in a distributed search the oracle (and so the tuner's
        # trial object) lives on the chief, so the metrics are not read back from it
        self.on_info({"metrics": metrics})
        return metrics

    def metrics(self, result: TrainingResult) -> dict[str, float]:
        """The objective's best epoch, and that epoch's other metrics."""
        rows = [r for r in result.record.epochs if _finite(r.get(self.objective.metric))]
        if not rows:
            logged = sorted(result.record.metric_names)
            raise kt.errors.FatalError(
                f"the objective {self.objective.metric!r} was not logged by training; "
                f"logged metrics: {', '.join(logged) or 'none'}"
            )
        chosen = rows[0]
        for row in rows[1:]:
            if self.objective.better(row[self.objective.metric], chosen[self.objective.metric]):
                chosen = row
        return {k: float(v) for k, v in chosen.items() if k not in EPOCH_TIMING_KEYS and _finite(v)}

    @staticmethod
    def _save_tuner_checkpoint(model, callbacks: list[Any]) -> None:
        """Hyperband continues a trial from the previous one's checkpoint, which KerasTuner's
        own callback would have written; the engine trains with its own callbacks, so the
        weights are written where the tuner looks for them."""
        for callback in callbacks:
            path = getattr(callback, "filepath", None)
            if type(callback).__name__ == "SaveBestEpoch" and path:
                model.save_weights(path)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
