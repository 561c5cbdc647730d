"""The editor's analyzer: the core's incremental ``Analyzer``, blind to where nodes sit.

The core caches a node's result while the node record is the same object; moving a node
replaces its record, which would rebuild its Keras layer on every drag. Position and group
cannot change shapes or issues, so this subclass carries the cached result over when only
those changed. (Worth moving into ``studio.checks`` itself.)
"""

from __future__ import annotations

from typing import Any

from studio.checks import Analyzer
from studio.graph import Node


def _same_layer(a: Node, b: Node) -> bool:
    return (a.type == b.type and a.name == b.name and a.params == b.params
            and a.trainable == b.trainable and a.opaque == b.opaque)


class EditorAnalyzer(Analyzer):
    def _node_result(self, node: Node, spec: Any, inputs: Any) -> Any:
        cached = self._cache.get(node.id)
        if cached is not None and cached.node is not node and cached.inputs == inputs \
                and _same_layer(cached.node, node):
            cached.node = node
        return super()._node_result(node, spec, inputs)
