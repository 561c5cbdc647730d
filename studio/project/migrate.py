"""Schema versions of the project file and the steps between them.

Version 1 (the first prototype) stored ``layers`` with ``config`` and ``x``/``y`` and edges as
``[source, target]`` pairs into the next free input; version 2 stores ``graph`` with ``nodes``
(``params``, ``position``) and port-addressed edges ``[src, src_port, dst, dst_port]``.
"""

from __future__ import annotations

from typing import Any

from studio.project.errors import ProjectError

FORMAT = "model-studio-project"
CURRENT_VERSION = 2


def migrate(data: Any, source: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProjectError(f"{source}: not a Model Studio project (expected a JSON object)")
    if data.get("format") != FORMAT:
        raise ProjectError(
            f"{source}: not a Model Studio project (format is "
            f"{data.get('format')!r}, expected {FORMAT!r})"
        )
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectError(
            f"{source}: version must be a positive whole number; received {version!r}"
        )
    if version > CURRENT_VERSION:
        raise ProjectError(
            f"{source}: written by a newer Model Studio (file version {version}, "
            f"this one reads up to {CURRENT_VERSION}); update the app"
        )
    if version == 1:
        data = _v1_to_v2(data, source)
    if not isinstance(data.get("graph"), dict):
        raise ProjectError(f"{source}: the 'graph' section is missing")
    return data


def _v1_to_v2(data: dict[str, Any], source: str) -> dict[str, Any]:
    try:
        nodes = [
            {
                "id": str(layer["id"]),
                "type": layer["class_name"],
                "name": layer.get("name", str(layer["id"])),
                "params": dict(layer.get("config", {})),
                "position": [float(layer.get("x", 0)), float(layer.get("y", 0))],
            }
            for layer in data["layers"]
        ]
        slots: dict[str, int] = {}
        edges = []
        for src, dst in data.get("connections", []):
            slot = slots.get(str(dst), 0)
            slots[str(dst)] = slot + 1
            edges.append([str(src), 0, str(dst), slot])
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectError(f"{source}: version 1 file is malformed ({exc})") from None
    return {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "graph": {"name": data.get("name", "model"), "nodes": nodes, "edges": edges},
        "training": data.get("training", {}),
        "dataset": data.get("dataset"),
        "metadata": {"migrated_from": 1},
    }
