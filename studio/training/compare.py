"""Runs side by side: curves on shared axes, final and best metrics, time, size, settings diff.

A run is read from its folder (``run.json`` and the weight files written by ``RunStore``), so
runs of two different projects compare as easily as runs of one. The design a run trained is
kept beside it as ``graph.json`` (written by ``save_run_graph`` when training ends); with it
two runs can be diffed layer by layer and a run's weights restored into the current design.

Everything here is data: the Train tab draws it, ``studio compare`` prints it.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from studio.common.atomic import atomic_write_text
from studio.graph import Graph
from studio.training.runs import RUN_FILE, WEIGHT_FILES, RunRecord, RunStore
from studio.training.settings import TrainingError

log = logging.getLogger(__name__)

GRAPH_FILE = "graph.json"
TIMING_KEYS = ("epoch", "seconds", "val_seconds", "samples")
# Metrics where larger is better; everything else (loss, mae, mse, ...) is minimised.
_HIGHER_IS_BETTER = ("accuracy", "acc", "auc", "precision", "recall", "f1", "iou", "r2")


def higher_is_better(metric: str) -> bool:
    base = metric.removeprefix("val_").lower()
    return any(base == k or base.endswith(k) or base.startswith(k) for k in _HIGHER_IS_BETTER)


@dataclass(frozen=True)
class LoadedRun:
    """A run record and the folder it came from (its weights and graph live there)."""

    record: RunRecord
    folder: Path
    label: str

    @property
    def store(self) -> RunStore:
        return RunStore(self.folder.parent)

    @property
    def id(self) -> str:
        return self.record.id


def load_run(where: str | Path, runs_folder: str | Path | None = None) -> LoadedRun:
    """A run given as its folder, its ``run.json``, or its id inside ``runs_folder``.

    A unique prefix or suffix of the id is enough (the Train tab shows the last six
    characters), so ``studio compare 3f9a1c 77b0e2 --runs model.runs`` works.
    """
    path = Path(where)
    if path.name == RUN_FILE and path.is_file():
        path = path.parent
    if not (path / RUN_FILE).is_file() and runs_folder is not None:
        folder = Path(runs_folder)
        exact = folder / str(where)
        if (exact / RUN_FILE).is_file():
            path = exact
        else:
            hits = [
                p.parent
                for p in sorted(folder.glob(f"*/{RUN_FILE}"))
                if p.parent.name.startswith(str(where)) or p.parent.name.endswith(str(where))
            ]
            if len(hits) > 1:
                names = ", ".join(h.name for h in hits)
                raise TrainingError(f"{where!r} matches several runs in {folder}: {names}")
            if hits:
                path = hits[0]
    if not (path / RUN_FILE).is_file():
        hint = f" in {runs_folder}" if runs_folder is not None else ""
        raise TrainingError(f"There is no run {str(where)!r}{hint} (no {RUN_FILE} found)")
    record = RunStore(path.parent).load(path.name)
    return LoadedRun(record, path, f"run {record.id[-6:]}")


def list_runs(folder: str | Path) -> list[LoadedRun]:
    """Every readable run of a runs folder (``NAME.runs``), oldest first."""
    store = RunStore(folder)
    return [LoadedRun(r, store.run_dir(r.id), f"run {r.id[-6:]}") for r in store.list()]


def unique_labels(runs: list[LoadedRun]) -> list[LoadedRun]:
    """Runs of two projects may share the short label; add the project to tell them apart."""
    labels = [r.label for r in runs]
    if len(set(labels)) == len(labels):
        return runs
    out = []
    for run in runs:
        project = run.folder.parent.name.removesuffix(".runs")
        out.append(LoadedRun(run.record, run.folder, f"{project}/{run.record.id}"))
    return out


# ----- the design a run trained ---------------------------------------------------------------
def save_run_graph(store: RunStore, run_id: str, graph: Graph) -> Path | None:
    """Keep the design beside the run (weights left out: the run has its own)."""
    folder = store.run_dir(run_id)
    if not (folder / RUN_FILE).is_file():
        return None
    data = graph.to_dict()
    data.pop("weights", None)
    path = folder / GRAPH_FILE
    atomic_write_text(path, json.dumps(data, indent=1, default=_json_default))
    return path


def load_run_graph(run: LoadedRun) -> Graph | None:
    path = run.folder / GRAPH_FILE
    if not path.is_file():
        return None
    try:
        return Graph.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TrainingError(f"The design stored with {run.label} is unreadable: {exc}") from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def weight_count(run: LoadedRun) -> int | None:
    """Parameters in the run's saved weights (all of them, optimizer state excluded)."""
    path = run.folder / WEIGHT_FILES["best"]
    if not path.is_file():
        path = run.folder / WEIGHT_FILES["last"]
    if not path.is_file():
        return None
    try:
        import h5py

        total = 0
        with h5py.File(path, "r") as f:

            def visit(_name: str, obj: Any) -> None:
                nonlocal total
                if isinstance(obj, h5py.Dataset) and "optimizer" not in obj.name:
                    total += int(obj.size)

            f.visititems(visit)
        return total
    except Exception:  # noqa: BLE001 - a damaged weights file only loses this one figure
        log.debug("could not count weights in %s", path, exc_info=True)
        return None


# ----- the comparison -------------------------------------------------------------------------
@dataclass(frozen=True)
class Series:
    run: str
    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass(frozen=True)
class RunRow:
    """One line of the metrics table."""

    run: str
    id: str
    status: str
    started: str
    epochs: int
    train_seconds: float
    wall_seconds: float | None
    params: int | None
    final: dict[str, float]
    best: dict[str, float]
    best_epoch: dict[str, int]


@dataclass(frozen=True)
class SettingDifference:
    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class RunComparison:
    runs: tuple[str, ...]
    metrics: tuple[str, ...]
    rows: tuple[RunRow, ...]
    curves: dict[str, tuple[Series, ...]] = field(default_factory=dict)
    settings: tuple[SettingDifference, ...] = ()

    def row(self, run: str) -> RunRow:
        return next(r for r in self.rows if r.run == run)

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": list(self.runs),
            "metrics": list(self.metrics),
            "table": [_row_dict(r) for r in self.rows],
            "curves": {
                m: [{"run": s.run, "epoch": list(s.x), "value": list(s.y)} for s in series]
                for m, series in self.curves.items()
            },
            "settings_diff": [{"key": d.key, "values": list(d.values)} for d in self.settings],
        }


def _row_dict(row: RunRow) -> dict[str, Any]:
    return {
        "run": row.run,
        "id": row.id,
        "status": row.status,
        "started": row.started,
        "epochs": row.epochs,
        "train_seconds": row.train_seconds,
        "wall_seconds": row.wall_seconds,
        "params": row.params,
        "final": row.final,
        "best": row.best,
        "best_epoch": row.best_epoch,
    }


def _wall_seconds(record: RunRecord) -> float | None:
    if not record.finished:
        return None
    try:
        return (
            datetime.fromisoformat(record.finished) - datetime.fromisoformat(record.started)
        ).total_seconds()
    except ValueError:
        return None


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _table_row(run: LoadedRun, metrics: list[str]) -> RunRow:
    record = run.record
    best: dict[str, float] = {}
    best_epoch: dict[str, int] = {}
    for metric in metrics:
        points = [
            (row[metric], int(row.get("epoch", i + 1)))
            for i, row in enumerate(record.epochs)
            if _finite(row.get(metric))
        ]
        if not points:
            continue
        pick = max if higher_is_better(metric) else min
        value, epoch = pick(points, key=lambda p: p[0])
        best[metric] = float(value)
        best_epoch[metric] = epoch
    final = {k: float(v) for k, v in record.final_metrics.items() if k in metrics}
    return RunRow(
        run=run.label,
        id=record.id,
        status=record.status,
        started=record.started,
        epochs=len(record.epochs),
        train_seconds=float(
            sum(r.get("seconds", 0.0) + r.get("val_seconds", 0.0) for r in record.epochs)
        ),
        wall_seconds=_wall_seconds(record),
        params=weight_count(run),
        final=final,
        best=best,
        best_epoch=best_epoch,
    )


def _curves(runs: list[LoadedRun], metrics: list[str]) -> dict[str, tuple[Series, ...]]:
    out: dict[str, tuple[Series, ...]] = {}
    for metric in metrics:
        series = []
        for run in runs:
            pts = [
                (float(row.get("epoch", i + 1)), float(row[metric]))
                for i, row in enumerate(run.record.epochs)
                if metric in row and isinstance(row[metric], (int, float))
            ]
            if pts:
                series.append(Series(run.label, tuple(p[0] for p in pts), tuple(p[1] for p in pts)))
        if series:
            out[metric] = tuple(series)
    return out


def flatten_settings(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optimizer.name": "Adam", "callbacks.EarlyStopping.patience": 5, ...}``.

    Callbacks are keyed by kind rather than list position, so two runs whose callback lists
    are in another order still line up.
    """
    out: dict[str, Any] = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_settings(value, f"{name}."))
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) and "kind" in v for v in value)
        ):
            for item in value:
                rest = {k: v for k, v in item.items() if k != "kind"}
                out.update(flatten_settings(rest, f"{name}.{item['kind']}."))
        else:
            out[name] = value
    return out


def settings_diff(settings: list[dict[str, Any]]) -> list[SettingDifference]:
    """Keys whose value is not the same in every run; a key a run lacks shows as ``None``.

    The options of a callback that is off in every run are left out: they changed nothing.
    """
    flat = [flatten_settings(s) for s in settings]
    keys: dict[str, None] = {}
    for f in flat:
        keys.update(dict.fromkeys(f))
    out = []
    for key in keys:
        values = tuple(f.get(key) for f in flat)
        if all(_same(values[0], v) for v in values[1:]):
            continue
        parts = key.split(".")
        if parts[0] == "callbacks" and len(parts) > 2 and parts[-1] != "enabled":
            switch = f"callbacks.{parts[1]}.enabled"
            if not any(f.get(switch) for f in flat):
                continue
        out.append(SettingDifference(key, values))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def compare_runs(runs: list[LoadedRun]) -> RunComparison:
    """Two or more runs, in the order given."""
    if len(runs) < 2:
        raise TrainingError("Pick at least two runs to compare.")
    runs = unique_labels(runs)
    metrics: dict[str, None] = {}
    for run in runs:
        metrics.update(dict.fromkeys(run.record.metric_names))
    names = [m for m in metrics if m not in TIMING_KEYS]
    return RunComparison(
        runs=tuple(r.label for r in runs),
        metrics=tuple(names),
        rows=tuple(_table_row(r, names) for r in runs),
        curves=_curves(runs, names),
        settings=tuple(settings_diff([r.record.settings for r in runs])),
    )


# ----- text -------------------------------------------------------------------------------------
def format_value(value: Any) -> str:
    """One cell of a comparison, the same in the CLI's table and the app's."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, secs = divmod(value, 60)
    return f"{int(minutes)}m{secs:04.1f}s" if minutes else f"{secs:.1f}s"


def format_comparison(comparison: RunComparison) -> str:
    """The comparison as a fixed-width table, then the settings that differ."""
    header = ["", *comparison.runs]
    rows: list[list[str]] = [
        ["status", *(r.status for r in comparison.rows)],
        ["started", *(r.started for r in comparison.rows)],
        ["epochs", *(str(r.epochs) for r in comparison.rows)],
        ["train time", *(_seconds(r.train_seconds) for r in comparison.rows)],
        ["params", *(format_value(r.params) for r in comparison.rows)],
    ]
    for metric in comparison.metrics:
        rows.append(
            [f"final {metric}", *(format_value(r.final.get(metric)) for r in comparison.rows)]
        )
        rows.append(
            [
                f"best {metric}",
                *(
                    f"{format_value(r.best.get(metric))} (ep {r.best_epoch[metric]})"
                    if metric in r.best
                    else "-"
                    for r in comparison.rows
                ),
            ]
        )
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def fmt(line: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]
    out.append("")
    if comparison.settings:
        out.append("Settings that differ:")
        for diff in comparison.settings:
            out.append(f"  {diff.key}: " + " | ".join(format_value(v) for v in diff.values))
    else:
        out.append("Training settings are the same.")
    return "\n".join(out)


__all__ = [
    "GRAPH_FILE",
    "LoadedRun",
    "RunComparison",
    "RunRow",
    "Series",
    "SettingDifference",
    "compare_runs",
    "flatten_settings",
    "format_comparison",
    "higher_is_better",
    "list_runs",
    "load_run",
    "load_run_graph",
    "save_run_graph",
    "settings_diff",
    "weight_count",
]
