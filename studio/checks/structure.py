"""Graph-level checks that need no Keras: names, outputs, cycles, depth and size.

Everything here runs in time linear in the graph (a 30,000-layer chain or a complete graph is
reported in well under a second), and every report is bounded: a few cycles, each described
by a few names, never every cycle of the graph (a 12-node complete graph has billions).
What these checks refuse is exactly what would otherwise fail later, at compile or export
time: duplicate layer names, an output naming a port that does not exist, a model so deep
that Keras's recursive graph walk overflows, or sizes no memory can hold.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.graph import Graph
from studio.graph.cycles import MAX_CYCLES, find_cycles  # noqa: F401 (re-exported)

MAX_DEPTH = 1000  # layers on the longest path; Keras walks model graphs recursively
MAX_LAYERS = 20_000
MAX_CYCLE_NODES_MARKED = 20
MAX_PARAMS = 2**31  # 8 GiB of float32 weights
MAX_ELEMENTS = 2**29  # one tensor of one sample: 2 GiB of float32

IssueFn = Callable[..., None]


def describe_cycle(graph: Graph, cycle: list[str], shown: int = 6) -> str:
    names = [graph.node(n).name for n in cycle]
    if len(names) > shown:
        names = [*names[: shown - 1], f"… ({len(cycle) - shown + 1} more)", names[-1]]
    return " → ".join([*names, graph.node(cycle[0]).name])


def depth_overflow(graph: Graph, order: list[str]) -> tuple[str, int] | None:
    """The first node (in ``order``, a topological order) deeper than ``MAX_DEPTH``."""
    depth: dict[str, int] = {}
    for nid in order:
        d = 1 + max((depth[e.src] for e in graph.in_edges(nid)), default=0)
        depth[nid] = d
        if d > MAX_DEPTH:
            return nid, d
    return None


def duplicate_names(graph: Graph) -> list[tuple[str, str]]:
    """(node id, name) of every layer whose name an earlier layer already has."""
    seen: set[str] = set()
    dupes = []
    for node in graph.nodes:
        if node.name in seen:
            dupes.append((node.id, node.name))
        seen.add(node.name)
    return dupes


def size_text(n_bytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:,.0f} {unit}" if unit == "bytes" else f"{n_bytes:,.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:,.1f} PiB"


def elements(shape: tuple[int | None, ...]) -> int:
    """Values in one sample of a tensor (the batch axis and unknown axes count as 1)."""
    n = 1
    for d in shape[1:]:
        n *= d if isinstance(d, int) and d > 0 else 1
    return n
