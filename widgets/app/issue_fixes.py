"""Fixes the app can make for an issue the checks found, as ordinary undoable edits.

The checks describe a fix in words (``Issue.fix``); this module knows which of those words it
can turn into an edit: inserting a Flatten before a Dense that receives an image, and
connecting a layer that has no input to the nearest layer whose output leads nowhere.
"""

from __future__ import annotations

from studio.checks import Issue
from studio.graph import Graph
from widgets.canvas.editor import GraphEditor

INSERT_FLATTEN = "insert Flatten"
CONNECT_INPUT = "connect a layer's output to it"


def _nearest_open_output(graph: Graph, node_id: str) -> str | None:
    """The nearest layer whose output is unused and that does not depend on ``node_id``."""
    x, y = graph.node(node_id).position
    used = {e.src for e in graph.edges}
    below = graph.descendants([node_id])
    candidates = [n for n in graph.nodes if n.id not in used and n.id not in below]
    if not candidates:
        return None
    best = min(candidates, key=lambda n: (x - n.position[0]) ** 2 + (y - n.position[1]) ** 2)
    return best.id


def can_fix(graph: Graph, issue: Issue) -> bool:
    if not issue.node or issue.node not in graph:
        return False
    if issue.fix == INSERT_FLATTEN:
        return bool(graph.in_edges(issue.node))
    if issue.fix == CONNECT_INPUT:
        return _nearest_open_output(graph, issue.node) is not None
    return False


def apply_fix(editor: GraphEditor, issue: Issue) -> bool:
    """Make the fix as one undoable edit; False when it cannot be made (any more)."""
    graph = editor.graph
    if not can_fix(graph, issue):
        return False
    node = issue.node
    assert node is not None
    if issue.fix == INSERT_FLATTEN:
        edge = graph.in_edges(node)[0]
        x, y = graph.node(node).position
        return editor.add_layer("Flatten", (x - 40.0, y + 90.0), into_edge=edge) is not None
    source = _nearest_open_output(graph, node)
    return source is not None and editor.connect(source, 0, node)
