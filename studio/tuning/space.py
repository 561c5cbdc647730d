"""The search space: which values of a design may vary, and over what range.

A ``Dimension`` marks one thing searchable: a layer parameter (``target="node"``), a training
setting (``target="training"``) or a block of layers that may be left out (``optional``) or
repeated 1..N times (``repeat``). The space is plain data stored in the project file under
``"search"``; a project without that key has an empty space and saves exactly as before.

Keys are built from node and group *ids*, which never change when a layer is renamed, so a
marking survives renames; labels for people are made from the current names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from studio.graph import Graph

Target = Literal["node", "training", "block"]
Kind = Literal["choice", "int", "float", "bool"]
Sampling = Literal["linear", "log"]

TARGETS: tuple[str, ...] = ("node", "training", "block")
KINDS: tuple[str, ...] = ("choice", "int", "float", "bool")
SAMPLINGS: tuple[str, ...] = ("linear", "log")
BLOCK_PARAMS: tuple[str, ...] = ("optional", "repeat")
# Training settings a search may vary; ``optimizer.X`` reaches any optimizer argument.
TRAINING_KEYS: tuple[str, ...] = ("learning_rate", "batch_size", "epochs", "optimizer", "loss")
MAX_REPEAT = 8


class SearchSpaceError(ValueError):
    """A marking that cannot be searched, with a message naming the value and the reason."""


@dataclass(frozen=True)
class Dimension:
    """One searchable value.

    ``choice`` draws from ``values``; ``int`` and ``float`` from ``low``..``high`` (inclusive)
    with ``step`` (None: any value for floats, 1 for ints) and ``sampling`` linear or log;
    ``bool`` is on or off (how an optional block is searched).
    """

    target: Target
    ref: str  # node id, group id (or node id) of a block, or a training key
    param: str  # parameter name; for blocks "optional" or "repeat"; for training == ref
    kind: Kind
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    sampling: Sampling = "linear"

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise SearchSpaceError(f"{self.key}: {problem}")

    @property
    def key(self) -> str:
        """The hyperparameter's name in KerasTuner and in trial values."""
        if self.target == "training":
            return f"training.{self.param}"
        return f"{self.target}.{self.ref}.{self.param}"

    def problem(self) -> str | None:
        if self.target not in TARGETS:
            return f"target must be one of {', '.join(TARGETS)}; received {self.target!r}"
        if self.kind not in KINDS:
            return f"kind must be one of {', '.join(KINDS)}; received {self.kind!r}"
        if self.sampling not in SAMPLINGS:
            return f"sampling must be linear or log; received {self.sampling!r}"
        if self.target == "block" and self.param not in BLOCK_PARAMS:
            return f"a block is searched as 'optional' or 'repeat'; received {self.param!r}"
        if self.target == "training" and not (
            self.param in TRAINING_KEYS or self.param.startswith("optimizer.")
        ):
            return (
                f"training setting must be one of {', '.join(TRAINING_KEYS)} or optimizer.NAME; "
                f"received {self.param!r}"
            )
        if self.kind == "choice":
            if len(self.values) < 1:
                return "a choice needs at least one value"
            if len(set(map(repr, self.values))) != len(self.values):
                return f"choice values must differ; received {list(self.values)}"
            if any(isinstance(v, (list, dict)) for v in self.values):
                return "choice values must be numbers, text or true/false"
            return None
        if self.kind == "bool":
            return None
        if self.low is None or self.high is None:
            return "a range needs a lowest and a highest value"
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return f"the range must be finite; received {self.low}..{self.high}"
        if self.low > self.high:
            return f"lowest must not exceed highest; received {self.low}..{self.high}"
        if self.kind == "int" and (self.low != int(self.low) or self.high != int(self.high)):
            return f"a whole-number range needs whole ends; received {self.low}..{self.high}"
        if self.sampling == "log" and self.low <= 0:
            return f"log sampling needs a positive lowest value; received low={self.low}"
        if self.step is not None and self.step <= 0:
            return f"step must be positive; received step={self.step}"
        if self.target == "block" and self.param == "repeat":
            if self.kind != "int" or self.low < 1 or self.high > MAX_REPEAT:
                return f"repeat counts must be whole numbers in 1..{MAX_REPEAT}"
        return None

    def default_for(self, current: Any) -> Any:
        """The value a trial starts from: the design's current value when it is in range."""
        if self.kind == "choice":
            return current if current in self.values else self.values[0]
        if self.kind == "bool":
            return bool(current) if isinstance(current, bool) else True
        low, high = self.low, self.high
        assert low is not None and high is not None
        if isinstance(current, (int, float)) and not isinstance(current, bool):
            if low <= current <= high:
                return int(current) if self.kind == "int" else float(current)
        return int(low) if self.kind == "int" else float(low)

    def range_text(self) -> str:
        """``16–64``, ``1e-4–1e-2 log``, ``relu|tanh``: what the canvas badge shows."""
        if self.kind == "choice":
            return "|".join(_short(v) for v in self.values)
        if self.kind == "bool":
            return "on|off" if self.param != "optional" else "optional"
        text = f"{_short(self.low)}–{_short(self.high)}"
        if self.step is not None and not (self.kind == "int" and self.step == 1):
            text += f" step {_short(self.step)}"
        if self.sampling == "log":
            text += " log"
        if self.target == "block" and self.param == "repeat":
            text = f"×{text}"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "target": self.target,
            "ref": self.ref,
            "param": self.param,
            "kind": self.kind,
        }
        if self.kind == "choice":
            out["values"] = list(self.values)
        elif self.kind in ("int", "float"):
            out["low"], out["high"] = self.low, self.high
            if self.step is not None:
                out["step"] = self.step
            if self.sampling != "linear":
                out["sampling"] = self.sampling
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dimension:
        try:
            return cls(
                target=data["target"],
                ref=str(data["ref"]),
                param=str(data["param"]),
                kind=data["kind"],
                values=tuple(data.get("values", ())),
                low=_number(data.get("low")),
                high=_number(data.get("high")),
                step=_number(data.get("step")),
                sampling=data.get("sampling", "linear"),
            )
        except (KeyError, TypeError) as exc:
            raise SearchSpaceError(f"a search dimension is malformed ({exc}): {data!r}") from None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, received {value!r}")
    return value


def _short(value: Any) -> str:
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e5):
            return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class SearchSpace:
    """Every searchable value of one project, in the order they were marked."""

    dimensions: tuple[Dimension, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.dimensions)

    def __bool__(self) -> bool:
        return bool(self.dimensions)

    def get(self, target: str, ref: str, param: str) -> Dimension | None:
        return next(
            (
                d
                for d in self.dimensions
                if d.target == target and d.ref == ref and d.param == param
            ),
            None,
        )

    def with_dimension(self, dim: Dimension) -> SearchSpace:
        """Add ``dim``, replacing an earlier marking of the same value in place."""
        dims = list(self.dimensions)
        for i, old in enumerate(dims):
            if old.key == dim.key:
                dims[i] = dim
                return replace(self, dimensions=tuple(dims))
        return replace(self, dimensions=(*dims, dim))

    def without(self, key: str) -> SearchSpace:
        return replace(self, dimensions=tuple(d for d in self.dimensions if d.key != key))

    def for_node(self, node_id: str) -> list[Dimension]:
        return [d for d in self.dimensions if d.target in ("node", "block") and d.ref == node_id]

    def for_block(self, group_id: str) -> list[Dimension]:
        return [d for d in self.dimensions if d.target == "block" and d.ref == group_id]

    def active(self, graph: Graph) -> list[Dimension]:
        """Dimensions whose layer or block is still in the graph (a deleted layer's marking is
        kept, so undoing the delete brings it back, but is not searched)."""
        return [d for d in self.dimensions if _present(d, graph)]

    def missing(self, graph: Graph) -> list[Dimension]:
        return [d for d in self.dimensions if not _present(d, graph)]

    def label(self, dim: Dimension, graph: Graph) -> str:
        """``conv2d.filters``, ``training.learning_rate``, ``block 'stage2' repeat``."""
        if dim.target == "training":
            return f"training.{dim.param}"
        if dim.target == "node":
            name = graph.node(dim.ref).name if dim.ref in graph else f"(deleted {dim.ref})"
            return f"{name}.{dim.param}"
        if dim.ref in graph.groups:
            name = graph.groups[dim.ref].name
        elif dim.ref in graph:
            name = graph.node(dim.ref).name
        else:
            name = f"(deleted {dim.ref})"
        return f"{name} {dim.param}"

    def to_dict(self) -> dict[str, Any]:
        return {"dimensions": [d.to_dict() for d in self.dimensions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SearchSpace:
        if not data:
            return cls()
        if not isinstance(data, dict) or not isinstance(data.get("dimensions", []), list):
            raise SearchSpaceError(f"the search section is malformed: {data!r}")
        return cls(tuple(Dimension.from_dict(d) for d in data.get("dimensions", [])))

    def fingerprint(self, graph: Graph) -> str:
        """What a stored search was started with; resuming a search whose space changed would
        mix trials of two different questions."""
        import hashlib
        import json

        text = json.dumps([d.to_dict() for d in self.active(graph)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _present(dim: Dimension, graph: Graph) -> bool:
    if dim.target == "training":
        return True
    if dim.target == "block":
        return dim.ref in graph.groups or dim.ref in graph
    return dim.ref in graph


def dimension_for_value(
    target: Target, ref: str, param: str, current: Any, choices: tuple[Any, ...] = ()
) -> Dimension:
    """A sensible first range for a value someone just marked searchable: half to double an
    integer, a decade either side (log) for a positive float, the offered choices or on/off."""
    if target == "block":
        if param == "optional":
            return Dimension("block", ref, "optional", "bool")
        return Dimension("block", ref, "repeat", "int", low=1, high=3)
    if choices:
        values = tuple(c for c in choices if c is not None)
        return Dimension(target, ref, param, "choice", values=values)
    if isinstance(current, bool):
        return Dimension(target, ref, param, "choice", values=(True, False))
    if isinstance(current, int):
        low, high = max(1, current // 2), max(2, current * 2)
        return Dimension(target, ref, param, "int", low=low, high=high)
    if isinstance(current, float):
        if current > 0 and current < 1 and param in ("rate", "dropout", "recurrent_dropout"):
            return Dimension(target, ref, param, "float", low=0.0, high=0.5, step=0.05)
        if current > 0:
            return Dimension(
                target, ref, param, "float", low=current / 10, high=current * 10, sampling="log"
            )
        return Dimension(target, ref, param, "float", low=0.0, high=1.0)
    return Dimension(target, ref, param, "choice", values=(current,))
