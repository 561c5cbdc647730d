"""Generate ``templates/<name>.studio.json`` for every template in ``templates/builders``.

Each builder's Keras model goes through the studio's own importer, so a template is exactly
what a user would get by importing that code; weights are dropped (random initialization at
compile is fine, and keeps the repository small). Measured accuracies come from the benchmark:

    python templates/build_all.py                      # regenerate, keeping measured figures
    python benchmarks/bench_templates.py --out results.json
    python templates/build_all.py --accuracy-from results.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from studio.checks import Analyzer  # noqa: E402
from studio.graph import Graph  # noqa: E402
from studio.project import Project  # noqa: E402
from templates.builders import Template, all_templates  # noqa: E402

TEMPLATES_DIR = Path(__file__).resolve().parent
NOT_MEASURED_GPU = "needs a GPU; not measured"
NOT_MEASURED = "not measured yet"


def template_path(name: str, folder: Path = TEMPLATES_DIR) -> Path:
    return folder / f"{name}.studio.json"


def _tidy_params(graph: Graph) -> None:
    """Undo build-time normalizations that Keras writes into configs.

    A built LayerNormalization reports ``axis=[-1]`` where it was given ``-1``; the catalogue
    edits ``axis`` as a whole number, so the template stores what the user would type.
    """
    for node in graph.nodes:
        axis = node.params.get("axis")
        if node.type == "LayerNormalization" and isinstance(axis, list) and len(axis) == 1:
            node.params["axis"] = int(axis[0])


def _layout(graph: Graph) -> None:
    """Left-to-right layered positions, the same the canvas's auto-layout gives."""
    try:
        from studio.graph.layout import compute_layout
    except ImportError:  # the importer's own column placement is kept
        return
    for nid, position in compute_layout(graph).items():
        graph.move(nid, (float(position[0]), float(position[1])))


def _expected_accuracy(
    tpl: Template, measured: dict[str, Any] | None, previous: dict[str, Any] | None
) -> Any:
    if measured is not None:
        return measured
    if previous is not None and previous.get("expected_accuracy") not in (None, NOT_MEASURED):
        return previous["expected_accuracy"]
    return NOT_MEASURED_GPU if tpl.info.needs_gpu else NOT_MEASURED


def build_project(
    tpl: Template, measured: dict[str, Any] | None = None, previous: dict[str, Any] | None = None
) -> Project:
    """Build, import and describe one template; raises if the result is not valid."""
    import keras

    from studio.interop.importer import import_model

    keras.backend.clear_session()  # deterministic auto-names (conv2d, conv2d_1, ...)
    model = tpl.build()
    result = import_model(model, expand_nested=tpl.info.expand_nested)
    graph = result.graph
    graph.name = tpl.info.name
    graph.weights.clear()
    _tidy_params(graph)
    _layout(graph)
    analysis = Analyzer(graph).analysis()
    if not analysis.ok:
        raise RuntimeError(f"template {tpl.info.name}: {analysis.errors[0].message}")
    if analysis.total_params != tpl.info.params:
        raise RuntimeError(
            f"template {tpl.info.name}: {analysis.total_params:,} parameters, "
            f"declared {tpl.info.params:,}"
        )
    metadata = tpl.info.metadata()
    metadata.update(
        {
            "params": analysis.total_params,
            "trainable_params": analysis.trainable_params,
            "layers": len(graph),
            "expected_accuracy": _expected_accuracy(tpl, measured, previous),
        }
    )
    return Project(
        graph=graph, training=dict(tpl.info.training), dataset=tpl.info.dataset, metadata=metadata
    )


def _previous_metadata(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("metadata")
    except (OSError, ValueError):
        return None


def build_all(
    names: list[str] | None = None,
    accuracy: dict[str, Any] | None = None,
    folder: Path = TEMPLATES_DIR,
) -> list[Path]:
    templates = all_templates()
    unknown = sorted(set(names or []) - set(templates))
    if unknown:
        raise SystemExit(f"unknown template(s) {unknown}; known: {', '.join(templates)}")
    written = []
    for name, tpl in templates.items():
        if names and name not in names:
            continue
        path = template_path(name, folder)
        project = build_project(tpl, (accuracy or {}).get(name), _previous_metadata(path))
        written.append(project.save(path))
        print(f"{name:26s} {project.metadata['params']:>13,} params  -> {path.name}")
    if not names:  # the gallery shows templates in the order the builders declare them
        index = json.dumps(list(templates), indent=1) + "\n"
        (folder / "index.json").write_text(index, encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these templates (default: all)")
    parser.add_argument(
        "--accuracy-from",
        type=Path,
        default=None,
        help="results.json written by benchmarks/bench_templates.py",
    )
    args = parser.parse_args(argv)
    accuracy = None
    if args.accuracy_from is not None:
        results = json.loads(args.accuracy_from.read_text(encoding="utf-8"))
        accuracy = {
            name: row["expected_accuracy"]
            for name, row in results.items()
            if "expected_accuracy" in row
        }
    build_all(args.names or None, accuracy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
