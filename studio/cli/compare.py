"""``studio compare`` and ``studio diff``: the Train tab's comparisons, printed.

``studio compare RUN_A RUN_B [...]`` takes run folders (``model.runs/<id>``) or run ids found
with ``--runs FOLDER`` or ``--project FILE``; ``studio diff A B`` takes two ``.studio.json``
projects or two run folders (whose stored design is compared). Both print text, or with
``--json`` one JSON object whose keys are a contract.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.cli import CliError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="runs side by side: metrics, time, size, settings")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folder, or run id with --runs")
    p.add_argument("--runs", dest="runs_folder", help="runs folder to look run ids up in")
    p.add_argument("--project", help="look run ids up in this project's runs folder")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("diff", help="architecture diff of two projects or two runs")
    p.add_argument("a", help="project file (.studio.json) or run folder: before")
    p.add_argument("b", help="project file (.studio.json) or run folder: after")
    p.add_argument("--all", action="store_true", help="list unchanged layers too")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _runs_folder(args: argparse.Namespace) -> Path | None:
    if args.runs_folder:
        return Path(args.runs_folder)
    if args.project:
        from studio.project import Project

        return Project.runs_dir_for(Path(args.project))
    return None


def cmd_compare(args: argparse.Namespace) -> int:
    from studio.training.compare import compare_runs, format_comparison, load_run
    from studio.training.settings import TrainingError

    if len(args.runs) < 2:
        raise CliError("compare needs at least two runs")
    folder = _runs_folder(args)
    try:
        runs = [load_run(r, folder) for r in args.runs]
        comparison = compare_runs(runs)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps(comparison.to_dict(), allow_nan=True))
    else:
        print(format_comparison(comparison))
    return 0


def _graph_of(where: str):
    """The design in a project file, or the one stored with a run."""
    from studio.project import Project, ProjectError
    from studio.training.compare import load_run, load_run_graph
    from studio.training.settings import TrainingError

    path = Path(where)
    if path.is_file() and path.name.endswith(".json") and path.name != "run.json":
        try:
            return Project.load(path).graph, path.name
        except ProjectError as exc:
            raise CliError(str(exc)) from None
    try:
        run = load_run(path)
        graph = load_run_graph(run)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    if graph is None:
        raise CliError(f"{where}: the run has no stored design (graph.json); it predates diffs")
    return graph, run.label


def cmd_diff(args: argparse.Namespace) -> int:
    from studio.checks.sizes import param_sizes
    from studio.graph.diff import diff_graphs, format_diff

    graph_a, name_a = _graph_of(args.a)
    graph_b, name_b = _graph_of(args.b)
    diff = diff_graphs(graph_a, graph_b, name_a, name_b, sizes=param_sizes)
    if args.json:
        print(json.dumps(diff.to_dict(), default=str))
    else:
        print(format_diff(diff, show_same=args.all))
    return 0
