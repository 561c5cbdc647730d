"""Finding a model's repeated blocks, so a big model reads as its stages, modules or cells.

Two kinds of evidence, as a person reading the model would use them:

* **Names.** Model authors name layers after the block they belong to. Keras's applications
  put the block first (``conv2_block1_1_conv`` is ResNet stage ``conv2``, ``block_3_expand`` is
  MobileNetV2 block ``block_3``, ``conv4_block7_concat`` is DenseNet dense block ``conv4``) or
  last (``normal_left1_5``, ``reduction_add_1_reduce_4`` are NASNet cells ``5`` and
  ``reduce_4``). Names Keras made up itself (``conv2d_12``, ``activation_94``) say nothing and
  are ignored; such a layer joins a block when everything it is wired to is in that block.
* **Structure.** Where names say nothing (InceptionV3 is ``conv2d_…`` throughout), a block is
  the stretch of layers between two *cut* layers, layers that every path from the inputs to
  the outputs passes through: an Inception module runs from one ``mixed`` concatenation to the
  next, a residual block from one addition to the next.

Each candidate block must be connected and hold at least ``MIN_SIZE`` layers, and a grouping
counts only with at least ``MIN_BLOCKS`` blocks. ``group_repeats_op`` turns the blocks into the
existing collapsible blocks (``studio.graph.grouping``) and lays the folded model out again, as
one undoable edit.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from studio.graph import Batch, Graph
from studio.graph.grouping import group_op
from studio.graph.layout import LayoutOptions, layout_op
from studio.graph.model import snake_name

log = logging.getLogger(__name__)

MIN_SIZE = 3
MIN_BLOCKS = 3
MIN_COVERAGE = 0.3  # a grouping that folds less than this share of the layers is no overview
NAME_PREFERENCE = 0.05

_DIGIT = re.compile(r"\d")
_AUTO_SUFFIX = re.compile(r"^(?P<base>.+?)(?:_\d+)?$")


@dataclass(frozen=True)
class Block:
    """A repeated block found in the model: a name for it and its layers in document order."""

    name: str
    node_ids: tuple[str, ...]


def is_auto_name(name: str, type_name: str) -> bool:
    """Whether Keras made the name up from the layer's class (``conv2d_12`` for a Conv2D)."""
    match = _AUTO_SUFFIX.match(name)
    base = match.group("base") if match else name
    return base.lower() in {snake_name(type_name), type_name.lower()}


def prefix_key(name: str) -> str | None:
    """The leading words up to the first one with a number: ``conv2_block1_1_conv`` → ``conv2``,
    ``block_3_expand`` → ``block_3``."""
    words = name.split("_")
    for i, word in enumerate(words):
        if _DIGIT.search(word):
            return "_".join(words[: i + 1])
    return None


def suffix_key(name: str) -> str | None:
    """A trailing cell number and the word before it: ``normal_left1_5`` → ``5``,
    ``…_reduce_4`` → ``reduce_4``; only for names of three or more words, where a number at
    the end numbers a cell rather than a layer. ``_suffix_keys`` keeps the word only where
    it names a kind of cell (many layers end in ``reduce_4``, one in ``concat_5``)."""
    words = name.split("_")
    if len(words) < 3 or not words[-1].isdigit():
        return None
    if words[-2].isalpha():
        return f"{words[-2]}_{words[-1]}"
    return words[-1]


def _suffix_keys(names: dict[str, str]) -> dict[str, str]:
    keys = {nid: k for nid, k in ((nid, suffix_key(n)) for nid, n in names.items()) if k}
    counts: dict[str, int] = defaultdict(int)
    for k in keys.values():
        counts[k] += 1
    return {nid: k if counts[k] >= MIN_SIZE else k.rsplit("_", 1)[-1] for nid, k in keys.items()}


def _prefix_keys(names: dict[str, str]) -> dict[str, str]:
    return {nid: k for nid, k in ((nid, prefix_key(n)) for nid, n in names.items()) if k}


def find_repeated_blocks(graph: Graph) -> list[Block]:
    """The blocks to fold the model into (empty when it has no repeated structure).

    Layers already in a block and model inputs are left alone.
    """
    free = [n.id for n in graph.nodes if n.type != "Input" and n.group not in graph.groups]
    if len(free) < MIN_SIZE * MIN_BLOCKS:
        return []
    named = {
        nid: graph.node(nid).name
        for nid in free
        if not is_auto_name(graph.node(nid).name, graph.node(nid).type)
    }
    candidates = [
        (kind, _blocks(graph, free, keys(named), kind))
        for kind, keys in (("prefix", _prefix_keys), ("suffix", _suffix_keys))
    ]
    candidates.append(("structure", _blocks(graph, free, _segments(graph, free), "structure")))
    # The grouping that folds the most layers wins; names win near-ties (within
    # NAME_PREFERENCE), since they carry the author's own idea of the blocks.
    kind, blocks = max(
        candidates,
        key=lambda c: _covered(c[1]) * (1.0 if c[0] == "structure" else 1.0 + NAME_PREFERENCE),
    )
    return blocks if _covered(blocks) >= MIN_COVERAGE * len(free) else []


def _covered(blocks: list[Block]) -> int:
    return sum(len(b.node_ids) for b in blocks) if len(blocks) >= MIN_BLOCKS else 0


def _blocks(graph: Graph, free: list[str], keys: dict[str, str], kind: str) -> list[Block]:
    """The layers sharing a key, grown by unnamed layers wired only into one of them, split
    into connected pieces, and kept when big enough."""
    free_set = set(free)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges:
        if e.src in free_set and e.dst in free_set and e.src != e.dst:
            neighbours[e.src].add(e.dst)
            neighbours[e.dst].add(e.src)
    key_of = dict(keys)
    for _ in range(8):  # unkeyed layers join the block they belong to, until nothing changes
        grown = False
        for nid in free:
            if nid in key_of:
                continue
            joined = _joins(graph, nid, neighbours[nid], key_of)
            if joined is not None:
                key_of[nid] = joined
                grown = True
        if not grown:
            break
    seen: set[str] = set()
    out = []
    for nid in free:  # connected pieces of each key, in document order
        if nid not in key_of or nid in seen:
            continue
        key = key_of[nid]
        piece, stack = [], [nid]
        seen.add(nid)
        while stack:
            at = stack.pop()
            piece.append(at)
            for other in neighbours[at]:
                if other not in seen and key_of.get(other) == key:
                    seen.add(other)
                    stack.append(other)
        if len(piece) >= MIN_SIZE:
            ids = sorted(piece, key=free.index)
            out.append(Block(_block_name(key, kind, graph, ids), tuple(ids)))
    return out if len(out) >= MIN_BLOCKS else []


def _joins(graph: Graph, nid: str, around: set[str], key_of: dict[str, str]) -> str | None:
    """The block an unkeyed layer belongs to, if its wiring says so: it sits inside one block
    (everything it is wired to is in it); or (for a name Keras made up) it prepares the input of the one block it
    feeds, or it is a block's output feeding only later blocks."""
    keys = {key_of.get(m) for m in around}
    inner = graph.in_edges(nid) and graph.out_edges(nid)  # a model output stays outside
    if inner and len(keys) == 1 and None not in keys:
        return keys.pop()
    node = graph.node(nid)
    if not is_auto_name(node.name, node.type):
        return None
    before = {key_of.get(e.src) for e in graph.in_edges(nid)}
    after = {key_of.get(m) for m in graph.successors(nid)}
    if len(after) == 1 and None not in after:
        return after.pop()
    if len(before) == 1 and None not in before and after and None not in after:
        return before.pop() if before.isdisjoint(after) else None
    return None


def _block_name(key: str, kind: str, graph: Graph, ids: list[str]) -> str:
    if kind == "suffix":
        return f"cell_{key}"
    if kind == "structure":
        return f"{graph.node(key).name}_block"
    return key


def _segments(graph: Graph, free: list[str]) -> dict[str, str]:
    """Key per layer: the cut layer that closes its stretch (see the module docstring)."""
    if graph.has_cycle():
        return {}
    order = graph.topological_order()
    at = {nid: i for i, nid in enumerate(order)}
    reach = [0] * len(order)
    for e in graph.edges:  # how far forward an edge leaving each position reaches
        reach[at[e.src]] = max(reach[at[e.src]], at[e.dst])
    cuts = []
    furthest = -1
    for i, nid in enumerate(order):
        if furthest <= i:
            cuts.append(nid)
        furthest = max(furthest, reach[i])
    free_set = set(free)
    keys: dict[str, str] = {}
    stretch: list[str] = []
    for nid in order:
        stretch.append(nid)
        if nid in cuts:
            if len(stretch) >= MIN_SIZE:  # a lone cut layer in a chain is no block
                for member in stretch:
                    if member in free_set:
                        keys[member] = nid
            stretch = []
    return keys


def group_repeats_op(
    graph: Graph, blocks: Iterable[Block] | None = None, options: LayoutOptions | None = None
) -> Batch:
    """One undoable edit: every repeated block becomes a collapsed block, then the folded
    model is laid out again so it reads as its blocks. Empty when there is nothing to fold."""
    found = list(blocks) if blocks is not None else find_repeated_blocks(graph)
    if not found:
        return Batch([], "Group repeated blocks")
    trial = graph.copy()  # the ops are made one after another on a copy, so ids do not clash
    ops = []
    for block in found:
        op, _gid = group_op(trial, block.node_ids, block.name, collapsed=True)
        trial.apply(op)
        ops.append(op)
    opts = options or LayoutOptions(direction="LR" if graph.direction == "LR" else "TB")
    ops.append(layout_op(trial, opts))
    return Batch(ops, f"Group {len(found)} repeated blocks")


def relayout_after(graph: Graph, op: Batch, options: LayoutOptions | None = None) -> Batch:
    """``op`` followed by a layout of what it leaves (expanding a block in place makes room
    for its layers), as one edit."""
    trial = graph.copy()
    trial.apply(op)
    opts = options or LayoutOptions(direction="LR" if graph.direction == "LR" else "TB")
    return Batch([op, layout_op(trial, opts)], op.label)
