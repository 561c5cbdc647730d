"""The shape a project document must have, checked before anything is built from it.

A project file may come from anyone, so every value is checked for its type, range, size,
nesting depth and string length before the graph, the settings or the weights are made from
it. A problem ends in one ``ProjectError`` sentence that names the place in the file
(``graph.nodes[3].position[0]``) and what was expected, so the CLI, the app and the Python API
can all show it as it is.
"""

from __future__ import annotations

import math
import re
from typing import Any

from studio.project.errors import ProjectError

MAX_DEPTH = 64  # nesting of JSON arrays/objects, anywhere in the document
MAX_NODES = 100_000
MAX_EDGES = 400_000
MAX_GROUPS = 20_000
MAX_NAME = 256  # layer, block and model names, ids
MAX_STRING = 1_000_000  # any other string (a long opaque config value)
MAX_PORT = 4095
MAX_COORD = 1e9
MAX_ITEMS = 5_000_000  # values in the whole document

_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.>\-]{0,255}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
WEIGHTS_FILE = re.compile(r"^[^/\\\x00]{1,255}\.weights\.npz$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> None:
        where = where or "the file"
        if len(where) > 120:  # a place 64 levels deep: its start and its end say enough
            where = f"{where[:70]}…{where[-40:]}"
        raise ProjectError(f"{self.source}: {where} {problem}")

    # -- generic ---------------------------------------------------------------------------
    def json_value(self, value: Any, where: str) -> None:
        """Any JSON value: bounded depth and size, text that can be written back as UTF-8.

        Iterative, so a file nested thousands of levels deep cannot exhaust the stack. A fast
        pass builds no place names; only when it finds a problem does the second pass find
        where it is, so a 30,000-layer file is checked in a fraction of a second."""
        if _sound(value):
            return
        stack: list[tuple[Any, str, int]] = [(value, where, 0)]
        count = 0
        while stack:
            item, place, depth = stack.pop()
            count += 1
            if count > MAX_ITEMS:
                self.fail(where, f"holds more than {MAX_ITEMS:,} values")
            if isinstance(item, dict):
                if depth >= MAX_DEPTH:
                    self.fail(place, f"is nested more than {MAX_DEPTH} levels deep")
                for key, sub in item.items():
                    self.text(key, f"{place or 'the file'} key", MAX_NAME * 4)
                    stack.append((sub, f"{place}.{key}" if place else str(key), depth + 1))
            elif isinstance(item, list):
                if depth >= MAX_DEPTH:
                    self.fail(place, f"is nested more than {MAX_DEPTH} levels deep")
                for i, sub in enumerate(item):
                    stack.append((sub, f"{place}[{i}]", depth + 1))
            elif isinstance(item, str):
                self.text(item, place, MAX_STRING)
            elif isinstance(item, float) and not math.isfinite(item):
                self.fail(place, f"must be a finite number; received {item}")

    def text(self, value: Any, where: str, limit: int = MAX_STRING, *, plain: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(where, f"must be text; received {_kind(value)}")
        if len(value) > limit:
            self.fail(where, f"is {len(value):,} characters long; at most {limit:,} are allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(where, "holds a character that is not valid Unicode (a lone surrogate)")
        if plain and _CONTROL.search(value):
            self.fail(
                where,
                f"must not contain control characters (such as a line break); "
                f"received {value[:60]!r}",
            )
        return value

    def obj(self, value: Any, where: str, *, optional: bool = False) -> dict[str, Any] | None:
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            self.fail(where, f"must be an object; received {_kind(value)}")
        return value

    def items(self, value: Any, where: str, limit: int) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"must be a list; received {_kind(value)}")
        if len(value) > limit:
            self.fail(where, f"has {len(value):,} entries; at most {limit:,} are allowed")
        return value

    def boolean(self, value: Any, where: str) -> None:
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false; received {_kind(value)}")

    def port(self, value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be a whole number; received {value!r}"[:200])
        if not 0 <= value <= MAX_PORT:
            self.fail(where, f"must be between 0 and {MAX_PORT}; received {value}")

    def number(self, value: Any, where: str, bound: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"must be a number; received {_kind(value)}")
        if not math.isfinite(value) or abs(value) > bound:
            self.fail(where, f"must be a finite number of at most {bound:g}; received {value}")

    # -- the document ----------------------------------------------------------------------
    def document(self, data: dict[str, Any]) -> None:
        self.json_value(data, "")
        self.graph(self.obj(data.get("graph"), "graph"))
        self.obj(data.get("metadata"), "metadata", optional=True)
        self.obj(data.get("search"), "search", optional=True)  # read by studio.tuning
        training = self.obj(data.get("training"), "training", optional=True)
        if training:
            self.training(training)
        dataset = self.obj(data.get("dataset"), "dataset", optional=True)
        if dataset is not None:
            self.dataset(dataset)
        record = self.obj(data.get("weights"), "weights", optional=True)
        if record is not None:
            name = self.text(record.get("file"), "weights.file", MAX_NAME)
            if not WEIGHTS_FILE.match(name) or name in (".", "..") or name.startswith("."):
                self.fail(
                    "weights.file",
                    f"must be a file name beside the project ending in .weights.npz; "
                    f"received {name!r}",
                )
            digest = self.text(record.get("sha256"), "weights.sha256", 64)
            if not _HEX64.match(digest):
                self.fail("weights.sha256", "must be 64 hexadecimal digits")

    def training(self, data: dict[str, Any]) -> None:
        """The types ``TrainingSettings.from_dict`` relies on; values are checked there."""
        for key, name_key in (("optimizer", "name"), ("loss", "name"), ("schedule", "kind")):
            if data.get(key) is None:
                continue
            part = self.obj(data[key], f"training.{key}")
            if name_key in part:
                self.text(part[name_key], f"training.{key}.{name_key}", MAX_NAME, plain=True)
            self.obj(part.get("params", {}), f"training.{key}.params")
        if "metrics" in data:
            for i, metric in enumerate(self.items(data["metrics"], "training.metrics", 256)):
                self.text(metric, f"training.metrics[{i}]", MAX_NAME, plain=True)
        for key in ("epochs", "batch_size", "seed"):
            value = data.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                self.fail(f"training.{key}", f"must be a whole number; received {value!r}"[:200])
        for key, limit in (("epochs", 10**7), ("batch_size", 2**31)):
            value = data.get(key)
            if isinstance(value, int) and not 1 <= value <= limit:
                self.fail(f"training.{key}", f"must be between 1 and {limit:,}; received {value}")
        if data.get("validation_split") is not None:
            self.number(data["validation_split"], "training.validation_split", 1.0)
        if "shuffle" in data:
            self.boolean(data["shuffle"], "training.shuffle")
        if "callbacks" in data:
            for i, cb in enumerate(self.items(data["callbacks"], "training.callbacks", 64)):
                where = f"training.callbacks[{i}]"
                self.obj(cb, where)
                self.text(cb.get("kind"), f"{where}.kind", MAX_NAME, plain=True)
                if "enabled" in cb:
                    self.boolean(cb["enabled"], f"{where}.enabled")
                self.obj(cb.get("params", {}), f"{where}.params")
        if data.get("mode") is not None:
            self.text(data["mode"], "training.mode", MAX_NAME, plain=True)
        self.obj(data.get("mode_options"), "training.mode_options", optional=True)
        from studio.catalog.gate import value_problem

        problem = value_problem(data)  # no serialized object from outside Keras, anywhere
        if problem:
            self.fail("training", problem)

    def dataset(self, data: dict[str, Any]) -> None:
        self.text(data.get("kind"), "dataset.kind", 32, plain=True)
        for key in ("name", "path"):
            if data.get(key) is not None:
                self.text(data[key], f"dataset.{key}", 4096, plain=True)
        for key in ("options", "preprocessing"):
            self.obj(data.get(key), f"dataset.{key}", optional=True)

    def graph(self, graph: dict[str, Any]) -> None:
        if "name" in graph:
            self.text(graph["name"], "graph.name", MAX_NAME, plain=True)
        nodes = self.items(graph.get("nodes", []), "graph.nodes", MAX_NODES)
        ids: set[str] = set()
        for i, node in enumerate(nodes):
            ids.add(self.node(node, f"graph.nodes[{i}]"))
        for i, edge in enumerate(self.items(graph.get("edges", []), "graph.edges", MAX_EDGES)):
            where = f"graph.edges[{i}]"
            if not isinstance(edge, list) or len(edge) != 4:
                self.fail(where, "must be a list [source, source port, target, target port]")
            for j, end in ((0, "source"), (2, "target")):
                self.text(edge[j], f"{where}[{j}]", MAX_NAME)
                if edge[j] not in ids:
                    self.fail(f"{where}[{j}]", f"names no layer of this graph as its {end}")
            self.port(edge[1], f"{where}[1]")
            self.port(edge[3], f"{where}[3]")
        for i, nid in enumerate(self.items(graph.get("inputs", []), "graph.inputs", MAX_NODES)):
            self.text(nid, f"graph.inputs[{i}]", MAX_NAME)
        for i, out in enumerate(self.items(graph.get("outputs", []), "graph.outputs", MAX_NODES)):
            where = f"graph.outputs[{i}]"
            if not isinstance(out, list) or len(out) != 2:
                self.fail(where, "must be a list [layer id, output port]")
            self.text(out[0], f"{where}[0]", MAX_NAME)
            self.port(out[1], f"{where}[1]")
        for i, group in enumerate(self.items(graph.get("groups", []), "graph.groups", MAX_GROUPS)):
            where = f"graph.groups[{i}]"
            self.obj(group, where)
            self.text(group.get("id"), f"{where}.id", MAX_NAME, plain=True)
            self.text(group.get("name"), f"{where}.name", MAX_NAME, plain=True)
            for key in ("collapsed", "nested"):
                if key in group:
                    self.boolean(group[key], f"{where}.{key}")

    def node(self, node: Any, where: str) -> str:
        self.obj(node, where)
        nid = self.text(node.get("id"), f"{where}.id", MAX_NAME, plain=True)
        if not nid:
            self.fail(f"{where}.id", "must not be empty")
        kind = self.text(node.get("type"), f"{where}.type", MAX_NAME, plain=True)
        if not _TYPE_NAME.match(kind):
            self.fail(f"{where}.type", f"must be a layer class name; received {kind[:60]!r}")
        if node.get("name") is not None:
            self.text(node["name"], f"{where}.name", MAX_NAME, plain=True)
        self.obj(node.get("params", {}), f"{where}.params")
        if "position" in node:
            pos = node["position"]
            if not isinstance(pos, list) or len(pos) != 2:
                self.fail(f"{where}.position", "must be a list [x, y]")
            for j in (0, 1):
                self.number(pos[j], f"{where}.position[{j}]", MAX_COORD)
        for key in ("trainable", "opaque"):
            if key in node:
                self.boolean(node[key], f"{where}.{key}")
        if node.get("group") is not None:
            self.text(node["group"], f"{where}.group", MAX_NAME, plain=True)
        return nid


def _text_ok(value: str, limit: int) -> bool:
    if len(value) > limit:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sound(value: Any) -> bool:
    """Whether ``value`` certainly passes ``json_value`` (the fast pass, no place names)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    count = 0
    isfinite = math.isfinite
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_ITEMS:
            return False
        kind = type(item)
        if kind is dict:
            if depth >= MAX_DEPTH:
                return False
            for key, sub in item.items():
                if type(key) is not str or not _text_ok(key, MAX_NAME * 4):
                    return False
                stack.append((sub, depth + 1))
        elif kind is list:
            if depth >= MAX_DEPTH:
                return False
            stack.extend((sub, depth + 1) for sub in item)
        elif kind is str:
            if not _text_ok(item, MAX_STRING):
                return False
        elif kind is float:
            if not isfinite(item):
                return False
    return True


def validate_document(data: dict[str, Any], source: str) -> None:
    """Raise ``ProjectError`` naming the first place where ``data`` is not a sound project."""
    _Checker(source).document(data)


def validate_nodes_payload(data: dict[str, Any], source: str) -> None:
    """The same checks for a clipboard payload (nodes, edges and groups, no project around)."""
    checker = _Checker(source)
    checker.json_value(data, "")
    checker.graph(data)
