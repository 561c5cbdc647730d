"""``studio train``: the app's training engine with a terminal progress bar."""

from __future__ import annotations

import argparse
import dataclasses
import os
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
            ref = _project_dataset(DatasetRef.from_dict(project.dataset), project)
        else:
            raise CliError("the project names no dataset; pass --dataset NAME|PATH")
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise CliError(f"the project's dataset setting cannot be used ({exc})") from None
    if ref.path and ref.kind not in ("bundled", "keras"):
        _readable(Path(ref.path))
    try:
        dataset = load(ref)
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if "zero-size" in str(exc):  # numpy's words for an empty array
            raise CliError(f"the dataset {ref.label} has no samples; nothing to train on") from None
        raise CliError(f"the dataset {ref.label} could not be read ({exc})") from None
    if _rows(dataset.x_train) == 0:
        raise CliError(f"the dataset {ref.label} has no training samples; nothing to train on")
    return ref, dataset


def _rows(x: Any) -> int:
    first = x[0] if isinstance(x, (list, tuple)) else x
    return int(getattr(first, "shape", (len(first),))[0])


def _project_dataset(ref: Any, project: Project) -> Any:
    """A dataset file named in the project is read relative to the project's folder (it may
    be anywhere the user chose: it is only read)."""
    from studio.common.confine import resolve_read_path

    if not ref.path or ref.kind in ("bundled", "keras"):
        return ref
    path = str(_readable(resolve_read_path(ref.path, project.folder)))
    options = dict(ref.options)
    if isinstance(options.get("y_path"), str) and options["y_path"]:
        options["y_path"] = str(_readable(resolve_read_path(options["y_path"], project.folder)))
    return dataclasses.replace(ref, path=path, options=options)


def _readable(path: Path) -> Path:
    """A dataset file or image folder; a device or a pipe would hang or fill the memory."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return path  # the loader says the file is missing, in its own words
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise CliError(f"{path}: the dataset is not a regular file or folder, so it is not read")
    return path


def _run_store(project: Project):
    """The project's runs folder, checked before training: inside the project's folder and
    writable, so a run that cannot be kept fails before it starts, not after."""
    from studio.common.confine import PathRefused, resolve_write_path
    from studio.common.oserrors import describe_os_error
    from studio.training.runs import RunStore

    assert project.runs_dir is not None
    try:
        folder = resolve_write_path(project.runs_dir.absolute(), project.folder, "the runs folder")
    except PathRefused as exc:
        raise CliError(str(exc)) from None
    probe = folder / f".write-check-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
    except OSError as exc:
        raise CliError(describe_os_error(exc, "write the run to", folder)) from None
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass
    return RunStore(folder)


def _settings(args: argparse.Namespace, project: Project):
    from studio.training.settings import TrainingError, TrainingSettings, confined_params

    try:
        settings = TrainingSettings.from_dict(project.training or {})
        changes: dict[str, Any] = {}
        if args.epochs is not None:
            changes["epochs"] = args.epochs
        if args.batch_size is not None:
            changes["batch_size"] = args.batch_size
        settings = dataclasses.replace(settings, **changes)
        settings.validate()
        for cb in settings.callbacks:  # refuse writes outside the project before training
            if cb.enabled:
                confined_params(cb, project.folder)
        return settings
    except TrainingError as exc:
        raise CliError(str(exc)) from None


def _mode(settings):
    """The training mode the settings name (None for supervised); unknown names are an error."""
    from studio.training.modes import SUPERVISED, get_mode, mode_names

    if settings.mode == SUPERVISED:
        return None
    mode = get_mode(settings.mode)
    if mode is None:
        raise CliError(f"unknown training mode {settings.mode!r}; expected one of {mode_names()}")
    return mode


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
        mode = _mode(settings)
        if mode is not None and hasattr(mode, "check"):  # GAN, VAE: their own model/data fit
            mode_problems = mode.check(model, dataset)
            if mode_problems:
                raise CliError(f"{mode.title} training cannot start: {mode_problems[0]}")
        # Supervised runs and modes with targets (RBF, DBN) check the data against the model;
        # modes that learn without targets (SOM, DQN) and GAN/VAE do not.
        wants_check = mode is None or (not hasattr(mode, "check") and checks_targets(settings.mode))
        problems = check_model_data(model, dataset, settings.loss.name) if wants_check else []
        if problems:
            fixes = "; ".join(
                f"{p.message}" + (f" (fix: {p.fix.description})" if p.fix else "") for p in problems
            )
            raise CliError(f"data {ref.label} does not fit the model: {fixes}")
        chief = _is_chief()
        store = _run_store(project) if project.runs_dir and chief else None
        result = train_headless(
            model,
            dataset,
            settings,
            run_store=store,
            progress_stream=sys.stderr,
            log_json=Path(args.log_json) if args.log_json else None,
            project_folder=project.folder,
        )
        if store is not None:  # the design beside the run, for `studio diff` and compare
            from studio.training.compare import save_run_graph

            save_run_graph(store, result.record.id, project.graph)
    if not result.ok:
        print(f"studio: training {result.status}: {result.message}", file=sys.stderr)
        return 1
    if result.save_error:
        print(
            f"studio: error: run {result.record.id} could not be saved: {result.save_error}",
            file=sys.stderr,
        )
        return 1
    if args.save_weights and chief:  # one writer when several workers train together
        from studio.project import ProjectError

        store_model_weights(project.graph, model)
        try:
            project.save()
        except ProjectError as exc:
            raise CliError(str(exc)) from None
    if result.record.outputs and store is not None:
        folder = store.run_dir(result.record.id)
        print(f"studio: wrote {', '.join(result.record.outputs)} in {folder}", file=sys.stderr)
    print(
        f"run {result.record.id} {result.status}; "
        + " ".join(f"{k}={v:.4g}" for k, v in result.record.final_metrics.items())
    )
    return 0
