"""The canvas scene: keeps one item per node, edge and collapsed block in step with the graph.

It listens to the graph's change events and touches only what an edit affected, so editing a
771-layer model costs the same as editing a five-layer one. Shapes, parameter counts and
issues come from the (incremental) analyzer after a short debounce, so a burst of edits is
analysed once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from studio.catalog.build import spec_for
from studio.checks import Analysis, Analyzer, Issue, NodeInfo
from studio.graph import Change, Edge, Graph, Group, Node
from studio.graph.grouping import boundary
from studio.graph.routing import route_fits
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.editor import GraphEditor
from widgets.canvas.node_item import HEIGHT, WIDTH, NodeItem, NodeLook
from widgets.common.breathing import Breather
from widgets.common.model_service import ModelService
from widgets.common.theme import LIGHT, Theme

ANALYSIS_DELAY_MS = 25
SCENE_ROOM = 20000.0  # free canvas kept around the layers (scene units)


def format_count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f}M params"
    if n >= 10_000:
        return f"{n / 1000:.1f}k params"
    return f"{n:,} params" if n != 1 else "1 param"


def _short(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def opaque_badge(node: Node) -> str:
    """The badge of a node Model Studio keeps but does not edit: a custom class it only holds
    (a stand-in: config, weights and shapes kept, exported back unchanged), or a layer Keras
    rebuilds from its whole config (a Lambda, a nested model kept whole)."""
    if not node.opaque:
        return ""
    return "◆ custom (kept as-is)" if "weight_specs" in node.params else "◆ kept whole"


class GraphScene(QGraphicsScene):
    """Emits ``analysisChanged`` with each new ``Analysis`` (the issues panel listens)."""

    analysisChanged = Signal(object)

    def __init__(
        self,
        editor: GraphEditor,
        theme: Theme = LIGHT,
        parent=None,
        service: ModelService | None = None,
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self.theme = theme
        self.show_labels = True
        # Analysis runs on the service's worker thread; results for an older revision drop.
        self.service = service or ModelService(self)
        self.service.analysisReady.connect(self._analysis_arrived)
        self.analysis: Analysis | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.blocks: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self._bounds: QRectF | None = None  # items_bounds until something changes
        self.ports_shown = True
        self._by_node: dict[str, set[Edge]] = defaultdict(set)
        self._groups: dict[str, Group] = {}
        self._member_of: dict[str, str] = {}
        self._block_ports: dict[str, tuple[list[tuple[str, int]], list[tuple[str, int]]]] = {}
        self._block_edges: dict[str, set[Edge]] = {}
        self._issues: dict[str, tuple[Issue, ...]] = {}
        self._press: dict[NodeItem, QPointF] = {}
        self._building = 0  # passes that let the event loop run while they change items
        self._waiting: tuple[Graph, Analysis] | None = None
        self._unsubscribe = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(ANALYSIS_DELAY_MS)
        self._timer.timeout.connect(lambda: self.service.request_analysis(self.graph))
        self.setBackgroundBrush(theme.background)
        self.context_menu = None  # set by the window: widgets.canvas.context_menu.install
        self.attach(editor.graph)

    @property
    def graph(self) -> Graph:
        return self.editor.graph

    @property
    def analyzer(self) -> Analyzer:
        return self.service.analyzer

    # ----- whole documents -------------------------------------------------------------------
    def attach(self, graph: Graph, analyzer: Analyzer | None = None) -> None:
        """Show another document (a newly opened project): the only full rebuild.
        ``analyzer`` may come already warm from a worker thread (after an import)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.clearSelection()
        self.clear()
        self.nodes.clear()
        self.blocks.clear()
        self.edges.clear()
        self._by_node.clear()
        self._groups = {}
        self._member_of = {}
        self._issues = {}
        self.analysis = None
        self.service.attach(
            graph, analyzer if analyzer is not None and analyzer.graph is graph else None
        )
        self._unsubscribe = graph.subscribe(self._on_change)
        self._apply(
            Change("open", frozenset(n.id for n in graph.nodes), True, graph.revision), full=True
        )

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackgroundBrush(theme.background)
        for item in (*self.nodes.values(), *self.blocks.values()):
            item.set_theme(theme)
        for edge in self.edges.values():
            edge.theme = theme
            edge.update()

    def set_show_labels(self, show: bool) -> None:
        self.show_labels = show
        for edge in self.edges.values():
            edge.show_label = show
            edge.update()

    # ----- following the graph -----------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        self._apply(change)

    def _apply(self, change: Change, full: bool = False) -> None:
        self._bounds = None
        graph = self.graph
        bulk = full or len(change.nodes) > 100
        if bulk:  # index once at the end, and report a changed selection once, not per item
            self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
            self.blockSignals(True)
        # A whole document (3,500 items for NASNetMobile) is built in slices with the event
        # loop running in between; an analysis arriving meanwhile waits for the last slice.
        affected: set[str] = set()
        added: set[str] = set()
        with self._changing_items(breathe=full) as breather:
            for nid in change.nodes:
                if nid in graph:
                    item = self.nodes.get(nid)
                    if item is None:
                        self._add_node(graph.node(nid))
                        added.add(nid)
                    else:
                        affected.add(nid)
                else:
                    affected |= self._remove_node(nid)
                breather.breathe()
            if change.structural or full:
                for nid in change.nodes:
                    if nid in graph:
                        affected |= self._sync_edges(nid)
                    breather.breathe()
            for nid in affected - added:  # new items were drawn with their edges already there
                if nid in graph and nid in self.nodes:
                    self._update_node(self.nodes[nid], graph.node(nid))
            self._sync_groups(change.nodes, force=full or change.structural, breather=breather)
            if bulk:
                self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
                self.blockSignals(False)
                self.selectionChanged.emit()
            self._keep_room(full)
            self._timer.start()

    @contextmanager
    def _changing_items(self, breathe: bool = True) -> Iterator[Breather]:
        """A pass that changes many items, breathing (a ``Breather``) when ``breathe``. An
        analysis that arrives meanwhile is kept and drawn once the outermost pass is over."""
        self._building += 1
        try:
            with Breather(active=breathe) as breather:
                yield breather
        finally:
            self._building -= 1
        if not self._building:
            waiting, self._waiting = self._waiting, None
            if waiting is not None:
                self._analysis_arrived(*waiting)

    def _keep_room(self, reset: bool) -> None:
        """Keep the scene rect far larger than the layers, growing only: a scene rect that
        changes under the view (an item dropped near its edge) makes the view re-align, and
        the dropped layer would jump away from the mouse."""
        bounds = self.items_bounds()
        room = bounds.adjusted(-SCENE_ROOM, -SCENE_ROOM, SCENE_ROOM, SCENE_ROOM)
        if reset or not self.sceneRect().contains(bounds):
            self.setSceneRect(room if reset else self.sceneRect().united(room))

    def _look(self, node: Node) -> NodeLook:
        graph = self.graph
        n_in = len(graph.in_edges(node.id))
        spec = spec_for(node, n_in)
        if spec.max_inputs == 0:
            inputs: list[str] = []
        else:
            count = (
                spec.max_inputs if spec.max_inputs is not None else max(n_in + 1, spec.min_inputs)
            )
            inputs = [spec.port_name(i) for i in range(count)]
        info = self.analysis.infos.get(node.id) if self.analysis else None
        n_out = len(info.outputs) if info else 1
        outputs = ["out"] if n_out == 1 else [f"out {i}" for i in range(n_out)]
        lines = []
        for key in spec.key_params:
            p = spec.param(key)
            value = node.params.get(key, p.default if p else None)
            if value is not None:
                lines.append(f"{key}={_short(value)}")
        issues = self._issues.get(node.id, ())
        first = next((i for i in issues if i.severity == "error"), issues[0] if issues else None)
        shape = ""
        if info:
            shape = str(info.outputs[0]) + (f" +{n_out - 1}" if n_out > 1 else "")
        elif self.analysis is not None:
            shape = "shape unknown"
        subtitle, badge = node.type, opaque_badge(node)
        if badge:  # kept as-is from a file: say so on the box, and what that means in the tip
            subtitle = f"{badge} · {node.type}"
            lines = []
        if node.shares:
            lines.insert(0, "shared")
        return NodeLook(
            title=node.name,
            subtitle=subtitle,
            category=spec.category,
            lines=lines,
            shape=shape,
            params=format_count(info.params) if info and info.params else "",
            inputs=inputs,
            outputs=outputs,
            problem=first.message if first else "",
            severity=first.severity if first else "",
            frozen=not node.trainable,
        )

    def show_ports(self, shown: bool) -> None:
        """Show or hide every layer's ports (the view does this by zoom level)."""
        if shown == self.ports_shown:
            return
        self.ports_shown = shown
        for item in (*self.nodes.values(), *self.blocks.values()):
            item.show_ports(shown)

    def _add_node(self, node: Node) -> None:
        item = NodeItem(node.id, self._look(node), self.theme)
        item.set_direction(self.graph.direction)
        if not self.ports_shown:
            item.show_ports(False)
        item.setPos(*node.position)
        self.nodes[node.id] = item
        self.addItem(item)

    def _update_node(self, item: NodeItem, node: Node) -> None:
        moved = (item.pos().x(), item.pos().y()) != node.position
        if moved:
            item.setPos(*node.position)  # itemChange places the attached edges
        turned = item.set_direction(self.graph.direction)
        if item.set_look(self._look(node)) or turned:  # the ports moved: so do the edge ends
            for edge in self._by_node.get(node.id, ()):
                self._place_edge(edge)

    def _remove_node(self, nid: str) -> set[str]:
        item = self.nodes.pop(nid, None)
        neighbours: set[str] = set()
        for edge in list(self._by_node.pop(nid, ())):
            neighbours |= {edge.src, edge.dst}
            self._remove_edge(edge)
        if item is not None:
            self.removeItem(item)
        neighbours.discard(nid)
        return neighbours

    def _sync_edges(self, nid: str) -> set[str]:
        want = set(self.graph.edges_of(nid))
        have = set(self._by_node.get(nid, ()))
        changed: set[str] = {nid}
        for edge in have - want:
            self._remove_edge(edge)
            changed |= {edge.src, edge.dst}
        for edge in want - have:
            self._add_edge(edge)
            changed |= {edge.src, edge.dst}
        return changed

    def _add_edge(self, edge: Edge) -> None:
        if edge in self.edges or edge.src not in self.nodes or edge.dst not in self.nodes:
            return
        item = EdgeItem(edge, self.theme)
        item.show_label = self.show_labels
        self.edges[edge] = item
        self._by_node[edge.src].add(edge)
        self._by_node[edge.dst].add(edge)
        self.addItem(item)
        self._place_edge(edge)
        self.nodes[edge.src].set_connected(edge.src_port, True, True)
        self.nodes[edge.dst].set_connected(edge.dst_port, False, True)

    def _remove_edge(self, edge: Edge) -> None:
        item = self.edges.pop(edge, None)
        if item is not None:
            self.removeItem(item)
        for nid in (edge.src, edge.dst):
            self._by_node.get(nid, set()).discard(edge)
        if edge.src in self.nodes:
            used = any(
                e.src == edge.src and e.src_port == edge.src_port
                for e in self._by_node.get(edge.src, ())
            )
            self.nodes[edge.src].set_connected(edge.src_port, True, used)
        if edge.dst in self.nodes:
            self.nodes[edge.dst].set_connected(edge.dst_port, False, False)

    # ----- where edges attach --------------------------------------------------------------------
    def _end(self, edge: Edge, output: bool) -> tuple[NodeItem | None, int]:
        nid = edge.src if output else edge.dst
        gid = self._member_of.get(nid)
        if gid in self.blocks:
            ins, outs = self._block_ports[gid]
            key = (edge.src, edge.src_port)
            ports = outs if output else ins
            return self.blocks[gid], ports.index(key) if key in ports else 0
        return self.nodes.get(nid), edge.src_port if output else edge.dst_port

    def _place_edge(self, edge: Edge) -> None:
        item = self.edges.get(edge)
        if item is None:
            return
        src, sp = self._end(edge, True)
        dst, dp = self._end(edge, False)
        visible = src is not None and dst is not None and src is not dst
        if item.shown != visible:
            item.shown = visible
            item.setVisible(visible)
        if visible:
            points = [src.port_pos(sp, True)]
            route = self.graph.routes.get(edge)
            if route is not None and route_fits(route, src.key, dst.key):
                a, b = src.pos(), dst.pos()
                points += [QPointF(x, y) for x, y in route.follow((a.x(), a.y()), (b.x(), b.y()))]
            points.append(dst.port_pos(dp, False))
            item.set_points(points, self.graph.direction)

    def node_item_moved(self, item: NodeItem) -> None:
        self._bounds = None
        edges = (
            self._block_edges.get(item.group_id, set())
            if item.look.block
            else self._by_node.get(item.key, ())
        )
        for edge in edges:
            self._place_edge(edge)

    # ----- blocks ------------------------------------------------------------------------------
    def _sync_groups(
        self, touched: Iterable[str], force: bool = False, breather: Breather | None = None
    ) -> None:
        self._bounds = None
        graph = self.graph
        touched = set(touched)
        member_of = (
            {n.id: n.group for n in graph.nodes if n.group in graph.groups}
            if graph.groups or self._member_of
            else {}
        )
        if (
            not force
            and graph.groups == self._groups
            and not any(
                member_of.get(n) != self._member_of.get(n) or n in member_of for n in touched
            )
        ):
            return
        old_member_of = self._member_of
        self._member_of = member_of  # type: ignore[assignment]
        self._groups = dict(graph.groups)
        collapsed = {gid for gid, g in graph.groups.items() if g.collapsed}
        for gid in list(self.blocks):
            if gid not in collapsed:
                self.removeItem(self.blocks.pop(gid))
                self._block_ports.pop(gid, None)
                self._block_edges.pop(gid, None)
        for gid in collapsed:
            self._update_block(gid)
        reroute: set[str] = set()
        for nid, item in self.nodes.items():
            hidden = member_of.get(nid) in collapsed
            if item.isVisible() == hidden:
                item.setVisible(not hidden)
                if hidden:
                    item.setSelected(False)
                reroute.add(nid)
            elif old_member_of.get(nid) != member_of.get(nid) or nid in touched:
                reroute.add(nid)
        for nid in reroute:  # every node when a document is built: breathe in between
            for edge in self._by_node.get(nid, ()):
                self._place_edge(edge)
            if breather is not None:
                breather.breathe()

    def hidden_node_ids(self) -> set[str]:
        """Layers inside a collapsed block (drawn as the block)."""
        collapsed = {gid for gid, g in self._groups.items() if g.collapsed}
        return {nid for nid, gid in self._member_of.items() if gid in collapsed}

    def block_position(self, gid: str) -> QPointF:
        ids = [n for n, g in self._member_of.items() if g == gid]
        xs = [self.graph.node(n).position[0] for n in ids]
        ys = [self.graph.node(n).position[1] for n in ids]
        return QPointF(sum(xs) / len(xs), sum(ys) / len(ys)) if ids else QPointF()

    def _update_block(self, gid: str) -> None:
        graph = self.graph
        group = graph.groups[gid]
        b = boundary(graph, gid)
        self._block_ports[gid] = (list(b.inputs), list(b.outputs))
        self._block_edges[gid] = set(b.in_edges) | set(b.out_edges)
        ids = [n for n, g in self._member_of.items() if g == gid]
        infos: dict[str, NodeInfo] = self.analysis.infos if self.analysis else {}
        total = sum(infos[n].params for n in ids if n in infos)
        shapes = [
            str(infos[s].outputs[p])
            for s, p in b.outputs
            if s in infos and p < len(infos[s].outputs)
        ]
        problems = [i for n in ids for i in self._issues.get(n, ())]
        look = NodeLook(
            title=group.name,
            subtitle=f"Block · {len(ids)} layers",
            category="Block",
            lines=["double-click to expand"],
            shape=", ".join(shapes),
            params=format_count(total) if total else "",
            inputs=[f"in {i}" for i in range(max(len(b.inputs), 1))],
            outputs=[f"out {i}" for i in range(max(len(b.outputs), 1))],
            problem=problems[0].message if problems else "",
            severity=problems[0].severity if problems else "",
            frozen=bool(ids) and not any(graph.node(n).trainable for n in ids),
            block=True,
        )
        item = self.blocks.get(gid)
        if item is None:
            item = NodeItem(f"group:{gid}", look, self.theme)
            item.set_direction(graph.direction)
            item.show_ports(self.ports_shown)
            self.blocks[gid] = item
            self.addItem(item)
        else:
            item.set_direction(graph.direction)
            item.set_look(look)
        pos = self.block_position(gid)
        if item.pos() != pos:
            item.setPos(pos)

    # ----- analysis ----------------------------------------------------------------------------
    def refresh_analysis(self) -> Analysis:
        """Analyse now and update what changed. Edits are analysed on the worker thread
        after a short debounce; this waits for the result, for callers that need it now."""
        self._timer.stop()
        return self.show_analysis(self.service.analysis_now(self.graph))

    def _analysis_arrived(self, graph: Graph, analysis: Analysis) -> None:
        if self._building:  # drawn once the pass that is changing the items is over
            self._waiting = (graph, analysis)
        elif graph is self.graph and analysis.revision == graph.revision:
            self.show_analysis(analysis)

    def show_analysis(self, analysis: Analysis) -> Analysis:
        """Draw shapes, counts and problems from an analysis of the current revision."""
        old = self.analysis
        self.analysis = analysis
        issues: dict[str, list[Issue]] = defaultdict(list)
        edge_problems: dict[Edge, str] = {}
        for issue in analysis.issues:
            if issue.node:
                issues[issue.node].append(issue)
            if issue.edge is not None:
                edge_problems[issue.edge] = issue.message
        new_issues = {k: tuple(v) for k, v in issues.items()}
        graph = self.graph
        with self._changing_items() as breather:  # the first analysis of a big model redraws all
            for nid, item in list(self.nodes.items()):
                breather.breathe()
                before = old.infos.get(nid) if old else None
                if nid in graph and (
                    old is None
                    or before != analysis.infos.get(nid)
                    or self._issues.get(nid) != new_issues.get(nid)
                ):
                    self._issues[nid] = new_issues.get(nid, ())
                    self._update_node(item, graph.node(nid))
            self._issues = new_issues
            for edge, item in list(self.edges.items()):
                breather.breathe()
                info = analysis.infos.get(edge.src)
                item.set_label(
                    str(info.outputs[edge.src_port])
                    if info and edge.src_port < len(info.outputs)
                    else ""
                )
                item.set_problem(edge_problems.get(edge, ""))
            for gid in self.blocks:
                self._update_block(gid)
            self.analysisChanged.emit(analysis)
        return self.analysis  # a newer one that arrived meanwhile has been drawn since

    # ----- selection and gestures -------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Selected layers; a selected block stands for all its layers."""
        out: list[str] = []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                if item.look.block:
                    out += [n for n, g in self._member_of.items() if g == item.group_id]
                else:
                    out.append(item.key)
        return list(dict.fromkeys(out))

    def selected_block(self) -> str | None:
        """The group id when the selection is exactly one collapsed block."""
        items = self.selectedItems()
        if len(items) == 1 and isinstance(items[0], NodeItem) and items[0].look.block:
            return items[0].group_id
        return None

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem) and i.edge]

    def selected_groups(self) -> list[str]:
        """Blocks that are selected, or that contain a selected layer."""
        gids = [
            i.group_id for i in self.selectedItems() if isinstance(i, NodeItem) and i.look.block
        ]
        gids += [self._member_of[n] for n in self.selected_node_ids() if n in self._member_of]
        return list(dict.fromkeys(g for g in gids if g))

    def item_for(self, node_id: str) -> NodeItem | None:
        """The item a node is shown as: its own box, or its collapsed block."""
        gid = self._member_of.get(node_id)
        if gid in self.blocks:
            return self.blocks[gid]
        return self.nodes.get(node_id)

    def select_nodes(self, node_ids: Iterable[str]) -> None:
        self.select_items(self.item_for(nid) for nid in node_ids)

    def select_items(self, items: Iterable[NodeItem | None]) -> None:
        """Replace the selection, announcing it once (not once per item)."""
        self.blockSignals(True)
        try:
            self.clearSelection()
            for item in items:
                if item is not None:
                    item.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def edge_at(self, pos: QPointF) -> Edge | None:
        for item in self.items(QRectF(pos.x() - 4, pos.y() - 4, 8, 8)):
            if isinstance(item, EdgeItem) and item.edge is not None and item.isVisible():
                return item.edge
        return None

    def items_bounds(self) -> QRectF:
        """The boxes' extent, remembered until the next change or move: the view, the minimap
        and the scene's margins all ask after every edit, and a pass over 771 items is a
        thousand Qt calls, each waiting for the interpreter lock while a worker runs."""
        if self._bounds is None:
            xs: list[float] = []
            ys: list[float] = []
            for item in (*self.nodes.values(), *self.blocks.values()):
                if item.isVisible():
                    at = item.pos()
                    xs.append(at.x())
                    ys.append(at.y())
            self._bounds = (
                QRectF(min(xs), min(ys), max(xs) - min(xs) + WIDTH, max(ys) - min(ys) + HEIGHT)
                if xs
                else QRectF()
            )
        return QRectF(self._bounds)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        super().mousePressEvent(event)
        self._press = {i: i.pos() for i in self.selectedItems() if isinstance(i, NodeItem)}

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        moved = [i for i, p in self._press.items() if i.scene() is self and i.pos() != p]
        self._press = {}
        if moved:
            self.commit_positions(moved, self.editor.new_gesture())

    def commit_positions(self, items: Iterable[NodeItem], gesture: int) -> None:
        """Record where the user put items as one undoable move (blocks move their layers)."""
        new: dict[str, tuple[float, float]] = {}
        for item in items:
            if item.look.block:
                delta = item.pos() - self.block_position(item.group_id or "")
                for nid, gid in self._member_of.items():
                    if gid == item.group_id:
                        x, y = self.graph.node(nid).position
                        new[nid] = (x + delta.x(), y + delta.y())
            else:
                new[item.key] = (item.pos().x(), item.pos().y())
        self.editor.push_move(new, gesture)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.context_menu is None:
            super().contextMenuEvent(event)
            return
        self.context_menu(event)
        event.accept()

    def node_double_clicked(self, item: NodeItem) -> None:
        if item.look.block and item.group_id:
            self.editor.set_collapsed(item.group_id, False)
