"""Checks of parameter values against the catalogue, before Keras sees them.

Messages follow Keras's own style: the node, the parameter, what was expected and the value
received (``Dense 'dense': units must be at least 1; received units=-3``).
"""

from __future__ import annotations

from typing import Any

from studio.catalog import LayerSpec, ParamSpec
from studio.graph import Node


def param_problems(node: Node, spec: LayerSpec) -> list[str]:
    """The gate's refusals (``studio.catalog.gate``), then values the spec does not allow."""
    from studio.catalog.gate import node_problems

    problems = node_problems(node)
    if node.opaque or problems:
        return problems
    label = f"{node.type} '{node.name}'"
    for key, value in node.params.items():
        p = spec.param(key)
        if p is None:
            continue
        problem = check_value(p, value)
        if problem:
            shown = repr(value)
            shown = shown if len(shown) <= 120 else shown[:117] + "..."
            problems.append(f"{label}: {key} {problem}; received {key}={shown}")
    return problems


def check_value(p: ParamSpec, value: Any) -> str | None:
    """Why ``value`` is not acceptable for ``p``, or None. Used by the inspector too."""
    if value is None:
        return None if (p.optional or not p.required) else "is required"
    kind = p.kind
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a whole number"
        return _range(p, value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number"
        return _range(p, value)
    if kind == "bool" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "choice" and p.choices and value not in p.choices and not isinstance(value, dict):
        shown = ", ".join(repr(c) for c in p.choices if c is not None)
        return f"must be one of {shown}"
    if kind == "ints":
        items = value if isinstance(value, (list, tuple)) else [value]
        if p.name in ("padding", "cropping"):  # Keras's own configs hold ((top, bottom), ...)
            items = [
                v for item in items for v in (item if isinstance(item, (list, tuple)) else [item])
            ]
        if not items or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return "must be a whole number or a list of whole numbers"
        if p.name != "padding" and p.name != "cropping" and any(v < 1 for v in items):
            return "must be at least 1"
        if (
            p.rank
            and isinstance(value, (list, tuple))
            and len(value) != p.rank
            and p.name not in ("padding", "cropping")
        ):
            return f"must have {p.rank} value(s)"
    if kind == "shape":
        if not isinstance(value, (list, tuple)) or not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
        ):
            return "must be a list of sizes"
    return None


def _range(p: ParamSpec, value: float) -> str | None:
    if p.minimum is not None and value < p.minimum:
        return f"must be at least {_fmt(p.minimum)}"
    if p.maximum is not None and value > p.maximum:
        return f"must be at most {_fmt(p.maximum)}"
    return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
