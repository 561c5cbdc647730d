"""The graph document: nodes, ports, edges and positions, edited through reversible ops."""

from studio.graph.document import Graph, GraphError
from studio.graph.model import Change, Edge, Group, Node, Route, snake_name
from studio.graph.ops import (
    AddNode,
    Batch,
    Connect,
    Disconnect,
    Op,
    RemoveNode,
    SetAttr,
    SetGroup,
    SetLayout,
    SetOutputs,
    SetParams,
)

__all__ = [
    "AddNode",
    "Batch",
    "Change",
    "Connect",
    "Disconnect",
    "Edge",
    "Graph",
    "GraphError",
    "Group",
    "Node",
    "Op",
    "RemoveNode",
    "Route",
    "SetAttr",
    "SetGroup",
    "SetLayout",
    "SetOutputs",
    "SetParams",
    "snake_name",
]
