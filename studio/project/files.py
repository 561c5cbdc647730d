"""Reading and writing ``.studio.json`` projects.

Layout on disk for ``NAME.studio.json``: the document itself, ``NAME.weights.npz`` with the
graph's weights (keyed ``node_id/index``) and ``NAME.runs/`` for training runs. Writes go to a
temporary file in the same folder and are renamed over the target, so a crash or a full disk
leaves the previous file intact.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.common.atomic import atomic_write_bytes, atomic_write_text
from studio.graph import Graph, GraphError
from studio.project.errors import ProjectError
from studio.project.migrate import CURRENT_VERSION, FORMAT, migrate

SUFFIX = ".studio.json"


def _stem(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


@dataclass
class Project:
    """A model design and everything needed to train it again."""

    graph: Graph = field(default_factory=Graph)
    training: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # What an AutoML search may vary (``studio.tuning.SearchSpace.to_dict``); saved only
    # when something is marked, so files without a search stay as they were.
    search: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    # ----- places beside the document --------------------------------------------------
    @staticmethod
    def weights_path_for(path: Path) -> Path:
        return path.with_name(_stem(path) + ".weights.npz")

    @staticmethod
    def runs_dir_for(path: Path) -> Path:
        return path.with_name(_stem(path) + ".runs")

    @property
    def runs_dir(self) -> Path | None:
        return self.runs_dir_for(self.path) if self.path else None

    # ----- (de)serialization -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = {
            "format": FORMAT,
            "version": CURRENT_VERSION,
            "graph": self.graph.to_dict(),
            "training": self.training,
            "dataset": self.dataset,
            "metadata": self.metadata,
        }
        if self.search.get("dimensions"):
            out["search"] = self.search
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "project") -> Project:
        data = migrate(data, source)
        try:
            graph = Graph.from_dict(data["graph"])
        except (GraphError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProjectError(f"{source}: the graph is malformed ({exc})") from None
        return cls(
            graph=graph,
            training=dict(data.get("training") or {}),
            dataset=data.get("dataset"),
            metadata=dict(data.get("metadata") or {}),
            search=dict(data.get("search") or {}),
        )

    def save(self, path: Path | str | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ProjectError("no file name given to save the project to")
        text = json.dumps(self.to_dict(), indent=1, default=_json_default)
        weights = self.weights_path_for(target)
        if self.graph.weights:
            atomic_write_bytes(weights, _weights_bytes(self.graph))
        elif weights.exists():
            weights.unlink()  # stale weights of an earlier design would load into this one
        atomic_write_text(target, text)
        self.path = target
        return target

    @classmethod
    def load(cls, path: Path | str) -> Project:
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ProjectError(f"{path}: not a text file") from None
        except json.JSONDecodeError as exc:
            raise ProjectError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        project = cls.from_dict(data, str(path))
        project.path = path
        weights = cls.weights_path_for(path)
        if weights.exists():
            project.graph.weights = _read_weights(weights, project.graph)
        return project


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a project file")


def _weights_bytes(graph: Graph) -> bytes:
    arrays = {
        f"{nid}/{i}": np.asarray(w) for nid, ws in graph.weights.items() for i, w in enumerate(ws)
    }
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _read_weights(path: Path, graph: Graph) -> dict[str, list[np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            grouped: dict[str, dict[int, np.ndarray]] = {}
            for key in data.files:
                nid, _, idx = key.rpartition("/")
                grouped.setdefault(nid, {})[int(idx)] = data[key]
    except (OSError, ValueError) as exc:
        raise ProjectError(f"{path}: the weights file is damaged ({exc})") from None
    return {nid: [ws[i] for i in sorted(ws)] for nid, ws in grouped.items() if nid in graph}
