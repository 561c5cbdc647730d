"""Searched values on the canvas: each layer (or collapsed block) with a searched value shows a
badge with the value and its range, e.g. ``⚲ filters 8–32``."""

from __future__ import annotations

from typing import Any

from studio.graph import Graph
from studio.tuning.space import SearchSpace

BADGE_MARK = "⚲"


def badge_texts(graph: Graph, space: SearchSpace) -> dict[str, str]:
    """Badge text per canvas key (node id, or ``group:<id>`` for a block's own marking)."""
    parts: dict[str, list[str]] = {}
    for dim in space.active(graph):
        if dim.target == "training":
            continue
        key = f"group:{dim.ref}" if dim.target == "block" and dim.ref in graph.groups else dim.ref
        text = dim.range_text() if dim.param == "optional" else f"{dim.param} {dim.range_text()}"
        parts.setdefault(key, []).append(text)
    return {key: f"{BADGE_MARK} " + "  ".join(items) for key, items in parts.items()}


def show_badges(scene: Any, graph: Graph, space: SearchSpace) -> None:
    """Give every node item on ``scene`` its badge (or none). A layer inside a collapsed block
    lends its badge to the block, so nothing searched is hidden."""
    texts = badge_texts(graph, space)
    for key in [k for k in texts if k.startswith("group:")]:
        gid = key.split(":", 1)[1]
        if gid not in scene.blocks:  # an expanded block: its first layer carries the badge
            first = next((n.id for n in graph.nodes if n.group == gid), None)
            own = texts.pop(key)
            if first is not None:
                inner = texts.get(first, "").removeprefix(f"{BADGE_MARK} ")
                texts[first] = f"{own}  {inner}".rstrip()
    block_parts: dict[str, list[str]] = {}
    for nid, item in scene.nodes.items():
        item.set_search_badge(texts.get(nid, ""))
        gid = graph.node(nid).group if nid in graph else None
        if gid is not None and nid in texts:
            block_parts.setdefault(gid, []).append(texts[nid].removeprefix(f"{BADGE_MARK} "))
    for gid, item in scene.blocks.items():
        own = texts.get(f"group:{gid}", "")
        inner = "  ".join(block_parts.get(gid, []))
        if own and inner:
            text = f"{own}  {inner}"
        else:
            text = own or (f"{BADGE_MARK} {inner}" if inner else "")
        item.set_search_badge(text)
