"""``studio tune``: search the project's marked values with KerasTuner, headless.

Each trial prints one line on stderr; stdout gets the best trial and the Pareto front of the
objective against parameter count. ``--log-json`` writes ``SearchResult.to_dict()``. The tuner's
state lives in ``NAME.tuning/`` beside the project: ``--resume`` continues a stopped search
(Ctrl+C stops one), ``--apply`` writes the best trial's values into the project.

With KerasTuner's ``KERASTUNER_TUNER_ID`` / ``KERASTUNER_ORACLE_IP`` / ``KERASTUNER_ORACLE_PORT``
set, the same command runs as the chief (which serves the oracle) or as a worker
(see ``docs/distributed.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from studio.cli import CliError
from studio.project import Project

TUNER_CHOICES = ("random", "bayesian", "hyperband")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("tune", help="search the marked values (AutoML) with KerasTuner")
    p.add_argument("project")
    p.add_argument("--trials", type=int, default=10, help="number of trials (default 10)")
    p.add_argument("--tuner", choices=TUNER_CHOICES, default="random")
    p.add_argument(
        "--objective",
        default="val_accuracy",
        help="metric to optimise, e.g. val_accuracy or val_loss:min (default val_accuracy)",
    )
    p.add_argument("--max-params", type=int, help="parameter budget: larger designs are skipped")
    p.add_argument("--log-json", help="write every trial and the best one to this JSON file")
    p.add_argument("--dataset", help="as for `studio train` (default: the project's dataset)")
    p.add_argument("--epochs", type=int, help="epochs per trial (unless searched)")
    p.add_argument("--batch-size", type=int, help="batch size (unless searched)")
    p.add_argument("--seed", type=int, help="seed of the tuner's sampling")
    p.add_argument("--resume", action="store_true", help="continue the stored search")
    p.add_argument(
        "--apply", action="store_true", help="write the best trial's values into the project"
    )


def _values_text(values: dict[str, Any], labels: dict[str, str]) -> str:
    parts = []
    for key, value in values.items():
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        parts.append(f"{labels.get(key, key)}={shown}")
    return " ".join(parts)


def _trial_line(record: Any, metric: str, labels: dict[str, str]) -> str:
    values = _values_text(record.values, labels)
    if record.status == "completed" and record.metric is not None:
        result = f"{metric}={record.metric:.4g} params={record.params or 0:,}"
    elif record.status == "over_budget":
        result = f"skipped: {record.message}"
    else:
        result = f"{record.status}: {record.message}"
    return f"trial {record.trial_id}: {values} -> {result} ({record.seconds:.1f}s)"


def cmd_tune(args: argparse.Namespace, project: Project) -> int:
    from studio.cli.train import _dataset, _settings
    from studio.training.runs import RunStore
    from studio.tuning.design import apply_op
    from studio.tuning.objective import Objective
    from studio.tuning.search import (
        Search,
        SearchListener,
        SearchOptions,
        tuning_dir_for,
    )
    from studio.tuning.space import SearchSpace, SearchSpaceError

    assert project.path is not None
    try:
        space = SearchSpace.from_dict(project.search)
        objective = Objective.parse(args.objective)
    except (SearchSpaceError, ValueError) as exc:
        raise CliError(str(exc)) from None
    if not space:
        raise CliError(
            f"{project.path}: nothing is marked searchable; mark parameters in the app "
            '(inspector: right-click a parameter) or add a "search" section'
        )
    ref, dataset = _dataset(args, project)
    settings = _settings(args, project)
    labels = {d.key: space.label(d, project.graph) for d in space.dimensions}
    listener = SearchListener(
        on_trial_end=lambda r: print(_trial_line(r, objective.metric, labels), file=sys.stderr),
        on_message=lambda m: print(f"studio: {m}", file=sys.stderr),
    )
    options = SearchOptions(
        tuner=args.tuner,
        trials=args.trials,
        objective=objective,
        max_params=args.max_params,
        seed=args.seed,
    )
    if os.environ.get("KERASTUNER_ORACLE_IP"):
        role = "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"
        print(
            f"studio: distributed search as {role} {os.environ.get('KERASTUNER_TUNER_ID')}",
            file=sys.stderr,
        )
    search = Search(
        project.graph,
        settings.to_dict(),
        space,
        dataset,
        tuning_dir_for(project.path),
        options,
        run_store=RunStore(project.runs_dir) if project.runs_dir else None,
        dataset_ref=ref.to_dict(),
        listener=listener,
    )
    result = search.run(resume=args.resume)
    if args.log_json:
        from studio.common.atomic import atomic_write_text

        atomic_write_text(Path(args.log_json), json.dumps(result.to_dict(), indent=2))
    if result.status == "failed" and not result.trials:
        raise CliError(result.message)
    best = result.best
    print(f"search {result.status}: {result.message} ({result.seconds:.1f}s)")
    if best is None:
        print("no trial finished within the budget", file=sys.stderr)
        return 1
    print(
        f"best trial {best.trial_id}: {objective.metric}={best.metric:.4g} "
        f"params={best.params:,} {_values_text(best.values, labels)}"
    )
    front = result.pareto
    if len(front) > 1:
        print("pareto front (params, " + objective.metric + "):")
        for t in front:
            print(f"  trial {t.trial_id}: {t.params:,} {t.metric:.4g}")
    if args.apply:
        project.graph.apply(apply_op(project, space, best.values, f"Apply trial {best.trial_id}"))
        project.save()
        print(f"applied trial {best.trial_id} to {project.path}")
    return 0 if result.status != "failed" else 1
