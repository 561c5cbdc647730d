"""One function per ``studio`` command; each turns core errors into ``CliError`` lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from studio.cli import CliError
from studio.project import Project, ProjectError


def _load_project(path: str) -> Project:
    try:
        project = Project.load(path)
    except ProjectError as exc:
        raise CliError(str(exc)) from None
    for warning in project.warnings:
        print(f"note: {warning}", file=sys.stderr)
    return project


def _save(project: Project, path: str) -> Path:
    try:
        return project.save(path)
    except ProjectError as exc:
        raise CliError(str(exc)) from None


def _compile(project: Project):
    from studio.compile.compiler import CompileError, compile_graph

    try:
        return compile_graph(project.graph)
    except CompileError as exc:
        raise CliError(f"the model has {len(exc.issues)} issue(s): {exc}") from None


def summary_rows(project: Project) -> dict[str, Any]:
    """The ``summary --json`` object: a contract (keys ``layers``, ``total_params``,
    ``trainable_params``, ``issues``)."""
    from studio.checks import Analyzer

    graph = project.graph
    analysis = Analyzer(graph).analysis()
    layers = []
    order = graph.topological_order() if not graph.has_cycle() else [n.id for n in graph.nodes]
    for nid in order:
        node = graph.node(nid)
        info = analysis.infos.get(nid)
        shapes = [list(o.shape) for o in info.outputs] if info else None
        layers.append(
            {
                "name": node.name,
                "type": node.type,
                "output_shape": (shapes[0] if shapes and len(shapes) == 1 else shapes),
                "params": info.params if info else None,
                "trainable_params": info.trainable_params if info else None,
                "macs": info.macs if info else None,
                "trainable": node.trainable,
            }
        )
    issues = [
        {
            "severity": i.severity,
            "message": i.message,
            "layer": graph.node(i.node).name if i.node and i.node in graph else None,
        }
        for i in analysis.issues
    ]
    return {
        "name": graph.name,
        "layers": layers,
        "total_params": analysis.total_params,
        "trainable_params": analysis.trainable_params,
        "non_trainable_params": analysis.total_params - analysis.trainable_params,
        "total_macs": analysis.total_macs,
        "issues": issues,
    }


def cmd_summary(args: argparse.Namespace) -> int:
    data = summary_rows(_load_project(args.project))
    if args.json:
        print(json.dumps(data))
        return 0
    header = f"{'Layer (type)':<40} {'Output shape':<26} {'Params':>12} {'MACs':>14}"
    print(f"Model: {data['name']}")
    print(header)
    print("-" * len(header))
    for row in data["layers"]:
        shape = "?" if row["output_shape"] is None else _shape_text(row["output_shape"])
        params = "-" if row["params"] is None else f"{row['params']:,}"
        macs = "-" if row["macs"] is None else f"{row['macs']:,}"
        frozen = "" if row["trainable"] else " [frozen]"
        print(
            f"{row['name'] + ' (' + row['type'] + ')' + frozen:<40} {shape:<26} "
            f"{params:>12} {macs:>14}"
        )
    print("-" * len(header))
    print(f"Total params: {data['total_params']:,}")
    print(f"Trainable params: {data['trainable_params']:,}")
    print(f"Non-trainable params: {data['non_trainable_params']:,}")
    print(f"Total MACs: {data['total_macs']:,}")
    for issue in data["issues"]:
        where = f" [{issue['layer']}]" if issue["layer"] else ""
        print(f"{issue['severity']}{where}: {issue['message']}")
    return 1 if any(i["severity"] == "error" for i in data["issues"]) else 0


def _shape_text(shape: Any) -> str:
    if shape and isinstance(shape[0], list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _custom_objects(files: list[str]) -> dict[str, Any]:
    """Load the user's custom-object files (their own code, named on the command line)."""
    from studio.interop.custom_objects import CustomObjectsError, load_custom_objects

    objects: dict[str, Any] = {}
    for file in files:
        try:
            loaded = load_custom_objects(file)
        except CustomObjectsError as exc:
            raise CliError(str(exc)) from None
        print(f"loaded {', '.join(loaded.names)} from {file}", file=sys.stderr)
        objects.update(loaded.objects)
    return objects


def cmd_import(args: argparse.Namespace) -> int:
    from studio.interop.importer import ModelImportError, import_model

    source = Path(args.model)
    if not source.exists():
        raise CliError(f"{source}: no such file")
    custom = _custom_objects(args.custom_objects)
    try:
        result = import_model(
            source, expand_nested=args.expand_nested, trust=args.trust, custom_objects=custom
        )
    except ModelImportError as exc:
        raise CliError(str(exc)) from None
    project = Project(graph=result.graph, metadata={"imported_from": str(source)})
    target = _save(project, args.output)
    for message in result.messages:
        print(f"note: {message}", file=sys.stderr)
    print(f"imported {len(result.graph)} layers into {target}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    project = _load_project(args.project)
    _custom_objects(args.custom_objects)
    from studio.interop.export import ExportError, export

    if args.quantize:
        return _export_quantized(args, project)
    if args.dataset:
        raise CliError("--dataset goes with --quantize (int8 calibration and accuracy)")

    if args.format == "python" and args.distribute:
        from studio.compile.codegen import generate_script
        from studio.project import atomic_write_text

        _compile(project)  # refuse an invalid graph the same way as other formats
        atomic_write_text(
            Path(args.output), generate_script(project.graph, distribute=args.distribute)
        )
        print(f"wrote {args.output} (python, distribute={args.distribute})")
        return 0
    from studio.compile.compiler import CompileError

    try:
        report = export(
            project.graph,
            args.format,
            Path(args.output),
            custom_objects_files=tuple(args.custom_objects),
        )
    except CompileError as exc:
        raise CliError(f"the model has {len(exc.issues)} issue(s): {exc}") from None
    except ExportError as exc:
        raise CliError(str(exc)) from None
    check = "verified" if report.verified else "not verified"
    print(
        f"wrote {report.path} ({args.format}, {check}"
        + (f", max difference {report.max_abs_diff:.2e}" if report.max_abs_diff is not None else "")
        + ")"
    )
    if report.message:
        print(f"note: {report.message}", file=sys.stderr)
    return 0


def _export_quantized(args: argparse.Namespace, project: Project) -> int:
    from studio.interop.quantize import QuantizationError, export_quantized

    if args.format != "tflite":
        raise CliError("--quantize goes with --format tflite")
    model = _compile(project)
    dataset = None
    if args.dataset or project.dataset:
        from studio.cli.train import _dataset

        _, dataset = _dataset(args, project)
    try:
        report = export_quantized(model, Path(args.output), args.quantize, dataset)
    except QuantizationError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {report.quantized.path} and {report.float_model.path} (tflite)")
    for line in report.lines():
        print(f"  {line}")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from studio.gallery.templates import list_templates

    for entry in list_templates():
        gpu = "  [wants a GPU]" if entry.needs_gpu else ""
        print(f"{entry.name}\t{entry.title}\t{entry.params:,} params\t{entry.task}{gpu}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from studio.gallery.templates import GalleryError, new_from_template

    try:
        project = new_from_template(args.template)
    except GalleryError as exc:
        raise CliError(str(exc)) from None
    target = _save(project, args.output)
    print(f"created {target} from template {args.template}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from studio.cli.train import run_training

    return run_training(args, _load_project(args.project), _compile)


def cmd_compare(args: argparse.Namespace) -> int:
    from studio.cli.compare import cmd_compare as run

    return run(args)


def cmd_diff(args: argparse.Namespace) -> int:
    from studio.cli.compare import cmd_diff as run

    return run(args)


def cmd_tune(args: argparse.Namespace) -> int:
    from studio.cli.tune import cmd_tune as tune

    return tune(args, _load_project(args.project))
