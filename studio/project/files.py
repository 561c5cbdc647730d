"""Reading and writing ``.studio.json`` projects.

Layout on disk for ``NAME.studio.json``: the document itself, its weights in
``NAME.<16 hex>.weights.npz`` (named by their content, and recorded with their SHA-256 in the
document, see ``studio.project.weights``) and ``NAME.runs/`` for training runs. Every write
goes to a temporary file in the same folder and is renamed over the target, and the document
is replaced only after its weights are complete, so a crash or a full disk leaves the previous
pair intact and matching.

Loading reads only a regular file within a size limit, validates the whole document
(``studio.project.schema``) before building anything, and turns every problem into one
``ProjectError`` sentence naming the place in the file. Weights that are missing, damaged or
belong to another save do not stop the design from opening: it opens with fresh weights and
``Project.warnings`` says so in one sentence.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.common.atomic import atomic_write_bytes, atomic_write_text
from studio.common.oserrors import describe_os_error
from studio.common.reading import UnreadableFile, read_limited
from studio.graph import Graph, GraphError
from studio.project.errors import ProjectError
from studio.project.migrate import CURRENT_VERSION, FORMAT, migrate
from studio.project.schema import validate_document
from studio.project.weights import (
    WeightsRecord,
    WeightsRefused,
    content_name,
    file_sha256,
    hashed_pattern,
    read_weights,
    set_aside,
    weights_bytes,
)

log = logging.getLogger(__name__)

SUFFIX = ".studio.json"
MAX_PROJECT_BYTES = 256 * 2**20

__all__ = ["Project", "ProjectError", "atomic_write_bytes", "atomic_write_text"]


def _stem(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


@dataclass
class Project:
    """A model design and everything needed to train it again.

    ``warnings`` holds what the user should know about the last load (weights that could not
    be used, temporary files cleaned up); it is not saved.
    """

    graph: Graph = field(default_factory=Graph)
    training: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # What an AutoML search may vary (``studio.tuning.SearchSpace.to_dict``); saved only
    # when something is marked, so files without a search stay as they were.
    search: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    # The validated ``weights`` record of the document this project was read from.
    weights_record: dict[str, str] | None = field(default=None, repr=False, compare=False)

    # ----- places beside the document --------------------------------------------------
    @staticmethod
    def weights_path_for(path: Path) -> Path:
        """Where projects saved before weights were content-addressed kept them."""
        return path.with_name(_stem(path) + ".weights.npz")

    @staticmethod
    def runs_dir_for(path: Path) -> Path:
        return path.with_name(_stem(path) + ".runs")

    @property
    def runs_dir(self) -> Path | None:
        return self.runs_dir_for(self.path) if self.path else None

    @property
    def folder(self) -> Path | None:
        """The project's folder: the only place its own settings may make the app write."""
        return self.path.absolute().parent if self.path else None

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
    def from_dict(cls, data: Any, source: str = "project") -> Project:
        """A project from a parsed document; ``ProjectError`` for anything malformed."""
        data = migrate(data, source)
        validate_document(data, source)
        try:
            graph = Graph.from_dict(data["graph"])
        except (GraphError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProjectError(f"{source}: the graph is malformed ({exc})") from None
        return cls(
            graph=graph,
            training=dict(data.get("training") or {}),
            dataset=data.get("dataset"),
            metadata=dict(data.get("metadata") or {}),
            weights_record=data.get("weights"),
            search=dict(data.get("search") or {}),
        )

    def save(self, path: Path | str | None = None) -> Path:
        """Write the document and its weights as one unit (see the module docstring).

        ``ProjectError`` says in one sentence why a save failed (a full disk, a read-only
        folder); the files that were there stay as they were.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ProjectError("no file name given to save the project to")
        _remove_project_temps(target)
        document = self.to_dict()
        payload: bytes | None = None
        record: WeightsRecord | None = None
        if self.graph.weights:
            payload = weights_bytes(self.graph.weights)
            record = content_name(_stem(target), payload)
            document["weights"] = record.to_dict()
        text = json.dumps(document, indent=1, default=_json_default)
        weights_file = target.with_name(record.file) if record else None
        wrote_weights = False
        try:
            if (
                weights_file is not None
                and payload is not None
                and not _holds(weights_file, record)
            ):
                atomic_write_bytes(weights_file, payload)
                wrote_weights = True
            atomic_write_text(target, text)
        except OSError as exc:
            if wrote_weights and weights_file is not None:
                weights_file.unlink(missing_ok=True)  # the old document does not name it
            raise ProjectError(describe_os_error(exc, "save", target)) from None
        self._remove_unreferenced(target, record)
        self.path = target
        return target

    @staticmethod
    def _remove_unreferenced(target: Path, record: WeightsRecord | None) -> None:
        """Weights of earlier saves: the document on disk no longer names them."""
        keep = record.file if record else None
        pattern = hashed_pattern(_stem(target))
        try:
            siblings = list(target.parent.iterdir())
        except OSError:
            return
        legacy = Project.weights_path_for(target).name
        for sibling in siblings:
            if sibling.name == keep:
                continue
            if pattern.fullmatch(sibling.name) or sibling.name == legacy:
                try:
                    if sibling.is_file() or sibling.is_symlink():
                        sibling.unlink()
                except OSError:
                    log.debug("could not remove old weights %s", sibling, exc_info=True)

    @classmethod
    def load(cls, path: Path | str) -> Project:
        """Open a project file; ``ProjectError`` (one sentence) for anything unusable."""
        path = Path(path)
        data = read_document(path)
        project = cls.from_dict(data, str(path))
        project.path = path
        cleaned = _remove_project_temps(path)
        if cleaned:
            project.warnings.append(
                f"removed {len(cleaned)} temporary file(s) left by an interrupted save"
            )
        project._load_weights(project.weights_record)
        return project

    def _load_weights(self, record: dict[str, Any] | None) -> None:
        assert self.path is not None
        ids = {n.id for n in self.graph.nodes}
        if record is None:
            legacy = self.weights_path_for(self.path)
            if legacy.exists() or legacy.is_symlink():
                self._read_or_warn(legacy, ids, expected=None)
            return
        self._read_or_warn(self.path.with_name(record["file"]), ids, expected=record["sha256"])

    def _read_or_warn(self, file: Path, ids: set[str], expected: str | None) -> None:
        if expected is not None and not (file.exists() or file.is_symlink()):
            self.warnings.append(
                f"the weights file {file.name} is missing; the design opens with fresh weights"
            )
            return
        try:
            if expected is not None and not file.is_symlink() and file.is_file():
                if file_sha256(file) != expected:
                    raise WeightsRefused(f"{file.name} belongs to another save of this design")
            self.graph.weights = read_weights(file, ids)
        except (WeightsRefused, OSError) as exc:
            own = hashed_pattern(_stem(self.path)).fullmatch(
                file.name
            ) or file == self.weights_path_for(self.path)
            # Only this project's own weights file is renamed; one it merely names (another
            # project's, after a rename) is left exactly where it is.
            kept = set_aside(file) if own and file.is_file() and not file.is_symlink() else None
            where = f"the old weights are kept as {kept.name}" if kept else "the file is left as is"
            self.warnings.append(
                f"weights not loaded: {exc}; the design opens with fresh weights, {where}"
            )


def read_document(path: Path | str) -> Any:
    """The parsed JSON of a project or recovery file: a regular file within the size limit.

    ``ProjectError`` names the file and says what is wrong with it in one sentence.
    """
    path = Path(path)
    try:
        raw = read_limited(path, MAX_PROJECT_BYTES, "project file")
    except UnreadableFile as exc:
        raise ProjectError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: not a text file (a project is UTF-8 JSON)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ProjectError(f"{path}: the JSON is nested too deeply to be a project") from None


def _remove_project_temps(target: Path) -> list[Path]:
    """Temporary files an interrupted save of this project left (document or weights)."""
    stem = re.escape(_stem(target))
    pattern = re.compile(rf"\.{stem}\.(studio|[0-9a-f]{{16}}\.weights)\.[0-9a-f]{{8}}\.tmp\..+")
    removed = []
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return removed
    for sibling in siblings:
        if pattern.fullmatch(sibling.name) and sibling.is_file() and not sibling.is_symlink():
            try:
                sibling.unlink()
                removed.append(sibling)
            except OSError:
                log.debug("could not remove %s", sibling, exc_info=True)
    return removed


def _holds(path: Path, record: WeightsRecord | None) -> bool:
    """Whether ``path`` already holds exactly these weights (saving twice writes once)."""
    if record is None or path.is_symlink() or not path.is_file():
        return False
    try:
        return file_sha256(path) == record.sha256
    except OSError:
        return False


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a project file")
