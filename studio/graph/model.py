"""The graph document's records: nodes, edges and change events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Node:
    """One layer call in the model.

    ``type`` is the Keras class name (``"Input"`` for model inputs). ``params`` uses the names
    of the layer's ``get_config()``; missing keys take the catalogue's defaults. A layer the
    catalogue does not know is *opaque*: ``params`` then holds its whole serialized form
    (``module``, ``class_name``, ``config``, ``registered_name``) and is passed to Keras as is.

    ``shares`` names the node whose *layer* this node calls again (a shared layer or a shared
    nested model, as in a siamese network): the weights exist once, at that node, and this
    node is one more call of them, so parameter counts equal ``count_params()``.
    """

    id: str
    type: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)
    trainable: bool = True
    opaque: bool = False
    group: str | None = None
    shares: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "params": self.params,
            "position": [float(self.position[0]), float(self.position[1])],
        }
        if not self.trainable:
            out["trainable"] = False
        if self.opaque:
            out["opaque"] = True
        if self.group:
            out["group"] = self.group
        if self.shares:
            out["shares"] = self.shares
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Node:
        pos = data.get("position", (0.0, 0.0))
        return cls(
            id=str(data["id"]),
            type=str(data["type"]),
            name=str(data.get("name") or data["id"]),
            params=dict(data.get("params", {})),
            position=(float(pos[0]), float(pos[1])),
            trainable=bool(data.get("trainable", True)),
            opaque=bool(data.get("opaque", False)),
            group=data.get("group"),
            shares=str(data["shares"]) if data.get("shares") else None,
        )


@dataclass(frozen=True)
class Edge:
    """A tensor flowing from output ``src_port`` of ``src`` into input slot ``dst_port``."""

    src: str
    dst: str
    src_port: int = 0
    dst_port: int = 0

    def to_list(self) -> list[Any]:
        return [self.src, self.src_port, self.dst, self.dst_port]

    @classmethod
    def from_list(cls, data: list[Any]) -> Edge:
        src, src_port, dst, dst_port = data
        return cls(str(src), str(dst), int(src_port), int(dst_port))


@dataclass(frozen=True)
class Group:
    """A named block of nodes that the editor may show collapsed as one node.

    ``nested`` asks the compiler to build the block as a nested ``keras.Model`` rather than
    inline; shapes and parameters are the same either way.
    """

    id: str
    name: str
    collapsed: bool = True
    nested: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "collapsed": self.collapsed,
            "nested": self.nested,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Group:
        return cls(
            str(data["id"]),
            str(data["name"]),
            bool(data.get("collapsed", True)),
            bool(data.get("nested", False)),
        )


Point = tuple[float, float]


@dataclass(frozen=True)
class Route:
    """Where the auto-layout ran one edge: bend points between the boxes it skips.

    ``src_at`` and ``dst_at`` are the top-left corners of the two boxes the edge joined when the
    route was made. When a box moves, ``follow`` shifts each bend point by a blend of the two
    ends' moves (the nearer end weighs more), so a route moves rigidly with a dragged selection
    that holds both ends and bends gently towards a single dragged end, instead of staying
    behind or being thrown away.
    """

    points: tuple[Point, ...]
    src_at: Point
    dst_at: Point
    boxes: tuple[str, str] = ("", "")  # the boxes it joins: node ids, or "group:<id>"

    def follow(self, src_at: Point, dst_at: Point) -> list[Point]:
        dsx, dsy = src_at[0] - self.src_at[0], src_at[1] - self.src_at[1]
        ddx, ddy = dst_at[0] - self.dst_at[0], dst_at[1] - self.dst_at[1]
        if (dsx, dsy) == (ddx, ddy):
            return [(x + dsx, y + dsy) for x, y in self.points]

        count = len(self.points)
        out = []
        for i, (x, y) in enumerate(self.points):
            t = (i + 1) / (count + 1)
            out.append((x + (1 - t) * dsx + t * ddx, y + (1 - t) * dsy + t * ddy))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": [[float(x), float(y)] for x, y in self.points],
            "src_at": [float(self.src_at[0]), float(self.src_at[1])],
            "dst_at": [float(self.dst_at[0]), float(self.dst_at[1])],
            "boxes": list(self.boxes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Route:
        def point(p: Any) -> Point:
            return (float(p[0]), float(p[1]))

        return cls(
            tuple(point(p) for p in data.get("points", [])),
            point(data.get("src_at", (0.0, 0.0))),
            point(data.get("dst_at", (0.0, 0.0))),
            tuple(str(b) for b in data.get("boxes", ("", "")))[:2],  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class Change:
    """What an edit touched, for observers: the nodes whose own state changed and whether
    the wiring changed (which moves shapes downstream)."""

    kind: str
    nodes: frozenset[str] = frozenset()
    structural: bool = False
    revision: int = 0


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_name(type_name: str) -> str:
    """Keras's own naming: Conv2D → conv2d, MaxPooling2D → max_pooling2d."""
    return (
        _CAMEL.sub("_", type_name)
        .lower()
        .replace("2_d", "2d")
        .replace("1_d", "1d")
        .replace("3_d", "3d")
    )
