"""``studio train``: the app's training engine with a terminal progress bar."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.cli import CliError
from studio.project import Project


def _dataset(args: argparse.Namespace, project: Project):
    from studio.data import DatasetError, DatasetRef, load, resolve

    try:
        if args.dataset:
            ref = resolve(args.dataset)
        elif project.dataset:
            ref = DatasetRef.from_dict(project.dataset)
        else:
            raise CliError("the project names no dataset; pass --dataset NAME|PATH")
        return ref, load(ref)
    except DatasetError as exc:
        raise CliError(str(exc)) from None


def _settings(args: argparse.Namespace, project: Project):
    from studio.training.settings import TrainingError, TrainingSettings

    try:
        settings = TrainingSettings.from_dict(project.training or {})
        changes: dict[str, Any] = {}
        if args.epochs is not None:
            changes["epochs"] = args.epochs
        if args.batch_size is not None:
            changes["batch_size"] = args.batch_size
        settings = dataclasses.replace(settings, **changes)
        settings.validate()
        return settings
    except TrainingError as exc:
        raise CliError(str(exc)) from None


def _is_chief() -> bool:
    """Whether this process writes results: in a multi-worker run only the chief does (or, with
    no chief in the cluster, worker 0; with JAX, process 0)."""
    import json
    import os

    try:
        config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    except ValueError:
        config = {}
    task = config.get("task") or {}
    if task:
        if "chief" in config.get("cluster", {}):
            return task.get("type") == "chief"
        return task.get("type") == "worker" and int(task.get("index", 0)) == 0
    return os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", "0") in ("", "0")


def run_training(
    args: argparse.Namespace, project: Project, compile_fn: Callable[[Project], Any]
) -> int:
    from studio.compile.compiler import store_model_weights
    from studio.training.headless import train_headless
    from studio.training.modes.session import checks_targets
    from studio.training.preflight import check_model_data
    from studio.training.runs import RunStore

    ref, dataset = _dataset(args, project)
    settings = _settings(args, project)
    if args.distribute:
        from studio.training.distributed import DistributeError, distribution_scope

        try:
            scope = distribution_scope(args.distribute)
        except DistributeError as exc:
            raise CliError(str(exc)) from None
    else:
        import contextlib

        scope = contextlib.nullcontext()
    with scope:
        if args.distribute:
            from studio.training.distributed import describe_distribution

            print(f"studio: {describe_distribution()}", file=sys.stderr)
        model = compile_fn(project)
        # Modes that learn without targets (SOM, DQN) skip the targets check.
        problems = (
            check_model_data(model, dataset, settings.loss.name)
            if checks_targets(settings.mode)
            else []
        )
        if problems:
            fixes = "; ".join(
                f"{p.message}" + (f" (fix: {p.fix.description})" if p.fix else "") for p in problems
            )
            raise CliError(f"data {ref.label} does not fit the model: {fixes}")
        chief = _is_chief()
        store = RunStore(project.runs_dir) if project.runs_dir and chief else None
        result = train_headless(
            model,
            dataset,
            settings,
            run_store=store,
            progress_stream=sys.stderr,
            log_json=Path(args.log_json) if args.log_json else None,
        )
    if not result.ok:
        print(f"studio: training {result.status}: {result.message}", file=sys.stderr)
        return 1
    if args.save_weights and chief:  # one writer when several workers train together
        store_model_weights(project.graph, model)
        project.save()
    print(
        f"run {result.record.id} {result.status}; "
        + " ".join(f"{k}={v:.4g}" for k, v in result.record.final_metrics.items())
    )
    return 0
