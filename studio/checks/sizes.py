"""Parameter counts per node, for comparisons (the architecture diff, run comparison).

The graph layer cannot ask the checks (it sits below them), so ``studio.graph.diff`` takes
this function as its ``sizes`` argument.
"""

from __future__ import annotations

import logging

from studio.checks.analysis import Analyzer
from studio.graph import Graph

log = logging.getLogger(__name__)


def param_sizes(graph: Graph) -> tuple[dict[str, int], int | None]:
    """``({node_id: params}, total)``; the total is ``None`` when some layer cannot be sized
    (the graph has errors), and a graph that cannot be analysed at all gives ``({}, None)``."""
    try:
        analysis = Analyzer(graph).analysis()
    except Exception:  # noqa: BLE001 - a comparison must not fail because one side is broken
        log.debug("could not size %s", graph.name, exc_info=True)
        return {}, None
    counts = {nid: info.params for nid, info in analysis.infos.items()}
    total = analysis.total_params if len(counts) == len(graph) else None
    return counts, total
