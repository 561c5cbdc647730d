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
        name = dim.param if dim.target == "node" else dim.param
        parts.setdefault(key, []).append(f"{name} {dim.range_text()}")
    return {key: f"{BADGE_MARK} " + "  ".join(items) for key, items in parts.items()}


def show_badges(scene: Any, graph: Graph, space: SearchSpace) -> None:
    """Give every node item on ``scene`` its badge (or none). A layer inside a collapsed block
    lends its badge to the block, so nothing searched is hidden."""
    texts = badge_texts(graph, space)
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
