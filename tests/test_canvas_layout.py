"""Big models on the canvas, driven like a user would: routed edges, ports by flow direction,
zoomed-out names, Fit to View, the minimap, Group Repeated Blocks and expanding in place."""

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from studio.graph import Graph
from studio.graph.layout import apply_layout
from studio.project import Project
from widgets.app.main_window import MainWindow
from widgets.canvas.node_item import (
    _TITLE_FONT,
    BLOCK_NAME_PX,
    HEADER,
    HEIGHT,
    WIDTH,
    NodeItem,
    name_lines,
    readable_scale,
)


def residual(blocks: int) -> Graph:
    """Input, then ``blocks`` times two Dense layers skipped by an Add; laid out top-down."""
    graph = Graph()
    prev = graph.add_layer("Input", {"shape": [8]}, name="input")
    for i in range(blocks):
        a = graph.add_layer("Dense", {"units": 8}, name=f"stage{i}_dense_a")
        b = graph.add_layer("Dense", {"units": 8}, name=f"stage{i}_dense_b")
        add = graph.add_layer("Add", name=f"stage{i}_add")
        graph.connect(prev, a)
        graph.connect(a, b)
        graph.connect(b, add, dst_port=0)
        graph.connect(prev, add, dst_port=1)
        prev = add
    apply_layout(graph)
    return graph


@pytest.fixture
def window(qtbot, tmp_path: Path) -> MainWindow:
    return make_window(qtbot, tmp_path)


def make_window(qtbot, tmp_path: Path) -> MainWindow:
    """A shown main window on a private settings file, recovery folder and slow autosave."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery", autosave_ms=60_000)
    win.ask_save_changes = lambda: "discard"
    win.ask_restore = lambda path: False
    qtbot.addWidget(win)
    win.resize(1200, 900)
    win.show()
    win.start()
    qtbot.waitExposed(win)
    return win


def show(win: MainWindow, graph: Graph) -> None:
    win.set_project(Project(graph=graph))


def node_item(win: MainWindow, name: str) -> NodeItem:
    return win.scene.nodes[win.graph.node_by_name(name).id]


def skip_edge(win: MainWindow, stage: int):
    add = win.graph.node_by_name(f"stage{stage}_add").id
    return next(e for e in win.graph.in_edges(add) if e.dst_port == 1)


def test_top_to_bottom_puts_inputs_on_top_and_outputs_below(window):
    show(window, residual(1))
    item = node_item(window, "stage0_dense_a")
    assert item.in_ports[0].scenePos().y() == pytest.approx(item.pos().y())
    assert item.out_ports[0].scenePos().y() == pytest.approx(item.pos().y() + HEIGHT)


def test_skip_connection_runs_through_its_bend_points_clear_of_the_boxes_it_skips(window):
    show(window, residual(2))
    edge = skip_edge(window, 1)
    item = window.scene.edges[edge]
    assert len(item.points()) == 2 + len(window.graph.routes[edge].points)
    path = item.path()
    ends = {window.scene.nodes[edge.src], window.scene.nodes[edge.dst]}
    for i in range(101):
        at = path.pointAtPercent(i / 100)
        hit = [
            n
            for n in window.scene.items(QRectF(at.x() - 1, at.y() - 1, 2, 2))
            if isinstance(n, NodeItem) and n not in ends
        ]
        assert not hit, f"edge runs through {hit[0].key} at {at}"


def test_dragging_a_node_takes_its_routes_along_and_undo_puts_them_back(window, qtbot):
    show(window, residual(2))
    window.view.fit_all()
    edge = skip_edge(window, 1)
    before = [QPointF(p) for p in window.scene.edges[edge].points()]
    add = window.scene.nodes[edge.dst]
    grip = add.pos() + QPointF(WIDTH / 2, HEADER + 20)
    viewport = window.view.viewport()
    a = window.view.mapFromScene(grip)
    b = a + QPoint(150, 0)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(viewport, pos=a + QPoint(75, 0))
    qtbot.mouseMove(viewport, pos=b)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)
    after = window.scene.edges[edge].points()
    shifts = [q.x() - p.x() for p, q in zip(before[1:-1], after[1:-1])]
    assert shifts[0] > 0 and shifts == sorted(shifts)  # bends lean towards the moved end
    assert after[0] == before[0]  # the source stayed put
    window.stack.undo()
    assert window.scene.edges[edge].points() == before


def test_zoomed_out_a_node_is_its_colour_and_name_in_a_legible_font(qapp):
    item = NodeItem("n1", _look("conv2_block1_1_conv"))

    def dark_pixels(scale: float) -> int:
        image = QImage(int(WIDTH * scale) + 4, int(HEIGHT * scale) + 4, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.scale(scale, scale)
        from PySide6.QtWidgets import QStyleOptionGraphicsItem

        item.paint(painter, QStyleOptionGraphicsItem())
        painter.end()
        return sum(
            1
            for x in range(image.width())
            for y in range(image.height())
            if QColor(image.pixel(x, y)).lightness() < 60
        )

    assert dark_pixels(0.4) > 40  # the name is drawn
    assert dark_pixels(0.1) == 0  # a dot in a crowd: colour only


def test_long_names_break_after_underscores_and_keep_their_end(qapp):
    font = QFont()
    font.setPixelSize(11)
    metrics = QFontMetrics(font)
    lines = name_lines("separable_conv_1_bn_normal_left1_5", metrics, 70, 2)
    assert len(lines) == 2 and all(metrics.horizontalAdvance(line) <= 70 for line in lines)
    assert lines[0].endswith("_") and lines[1].endswith("left1_5")
    assert name_lines("conv1", metrics, 70, 2) == ["conv1"]


def test_clipped_titles_show_whole_in_the_tooltip(qapp):
    name = "a_layer_with_a_name_far_too_long_for_its_box"
    item = NodeItem("n1", _look(name))
    assert item._texts[0].endswith("…") and name in item.toolTip()


def test_readable_zoom_depends_on_how_long_the_names_are(qapp):
    short, long = readable_scale(["c1", "s2", "f6"]), readable_scale(["conv2_block1_1_conv"] * 3)
    assert short < long
    font = QFont(_TITLE_FONT)
    font.setPixelSize(round(BLOCK_NAME_PX + 0.5))
    metrics = QFontMetrics(font)
    most = int(HEIGHT * long // metrics.lineSpacing())
    lines = name_lines("conv2_block1_1_conv", metrics, (WIDTH - 12) * 0.92 * long, most)
    assert "…" not in "".join(lines)  # whole, at the zoom Fit to View stops at


def test_fit_to_view_stops_at_a_readable_zoom_and_starts_at_the_inputs(window):
    show(window, residual(20))
    window.view.fit_all()
    readable = window.view.readable_scale()
    assert window.view.transform().m11() == pytest.approx(readable)
    top = node_item(window, "input")
    at = window.view.mapFromScene(top.pos() + QPointF(WIDTH / 2, HEIGHT / 2))
    assert window.view.viewport().rect().contains(at)
    show(window, residual(1))
    window.view.fit_all()
    assert readable <= window.view.transform().m11() <= 1.0
    seen = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert seen.contains(window.scene.items_bounds())


def test_fit_to_view_starts_at_the_input_even_when_it_is_far_from_the_layouts_corner(window):
    graph = residual(20)
    bottom = max(n.position[1] for n in graph.nodes)
    far = graph.add_layer("Dense", {"units": 2}, name="far_left")
    graph.connect(graph.node_by_name("stage19_add").id, far)
    graph.move(far, (-4000.0, bottom + 200))  # the layout's corner is far from the input
    show(window, graph)
    window.view.fit_all()
    top = node_item(window, "input")
    at = window.view.mapFromScene(top.pos() + QPointF(WIDTH / 2, HEIGHT / 2))
    assert window.view.viewport().rect().contains(at)


def test_minimap_shows_for_a_big_model_and_moves_the_view(window, qtbot):
    show(window, residual(20))
    window.view.fit_all()
    minimap = window.view.minimap
    qtbot.waitUntil(minimap.isVisible)
    minimap.redraw()
    start = window.view.visible_center().y()
    target = minimap._target
    low = QPoint(int(target.center().x()), int(target.bottom() - 3))
    qtbot.mouseClick(minimap, Qt.MouseButton.LeftButton, pos=low)
    assert window.view.visible_center().y() > start + 1000
    middle = QPoint(int(target.center().x()), int(target.center().y()))
    qtbot.mousePress(minimap, Qt.MouseButton.LeftButton, pos=low)
    qtbot.mouseMove(minimap, pos=middle)
    qtbot.mouseRelease(minimap, Qt.MouseButton.LeftButton, pos=middle)
    assert abs(window.view.visible_center().y() - minimap.to_scene(QPointF(middle)).y()) < 5
    show(window, residual(1))
    window.view.fit_all()
    qtbot.waitUntil(lambda: not minimap.isVisible())


def test_group_repeated_blocks_folds_the_model_in_one_undo_step(window):
    show(window, residual(6))
    window.actions_by_name["group_repeats"].trigger()
    assert len(window.graph.groups) == 6 and len(window.scene.blocks) == 6
    assert not any(
        item.isVisible()
        for key, item in window.scene.nodes.items()
        if "dense" in window.graph.node(key).name
    )
    window.stack.undo()
    assert window.graph.groups == {} and window.scene.blocks == {}


def test_double_clicking_a_block_expands_it_in_place(window, qtbot):
    show(window, residual(4))
    window.actions_by_name["group_repeats"].trigger()
    gid = next(g for g, grp in window.graph.groups.items() if grp.name == "stage1")
    block = window.scene.blocks[gid]
    window.view.centerOn(block)
    at = window.view.mapFromScene(block.pos() + QPointF(WIDTH / 2, HEIGHT / 2))
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert not window.graph.groups[gid].collapsed
    shown = [
        i for i in (*window.scene.nodes.values(), *window.scene.blocks.values()) if i.isVisible()
    ]
    boxes = [QRectF(i.pos(), i.pos() + QPointF(WIDTH, HEIGHT)) for i in shown]
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1 :])
    window.stack.undo()
    assert window.graph.groups[gid].collapsed


def test_layout_direction_switches_ports_and_undoes(window):
    show(window, residual(1))
    window.actions_by_name["direction_LR"].trigger()
    assert window.graph.direction == "LR"
    item = node_item(window, "stage0_dense_a")
    assert item.in_ports[0].scenePos().x() == pytest.approx(item.pos().x())
    assert window.actions_by_name["direction_LR"].isChecked()
    window.stack.undo()
    assert window.graph.direction == "TB" and window.actions_by_name["direction_TB"].isChecked()
    assert item.in_ports[0].scenePos().y() == pytest.approx(item.pos().y())


def _look(name: str):
    from widgets.canvas.node_item import NodeLook

    return NodeLook(
        title=name,
        subtitle="Conv2D",
        category="Convolution",
        inputs=["in"],
        outputs=["out"],
        shape="(None, 56, 56, 64)",
    )


def test_folded_model_draws_no_edge_through_a_block(window):
    """NASNet-style cells read the two cells before them: once folded, the edges that skip a
    cell must still run beside it."""
    from tests.test_repeats import _cells

    graph = _cells(6)
    apply_layout(graph)
    show(window, graph)
    window.actions_by_name["group_repeats"].trigger()
    assert len(window.scene.blocks) == 6
    routed = 0
    for edge, item in window.scene.edges.items():
        if not item.isVisible():
            continue
        src, _ = window.scene._end(edge, True)
        dst, _ = window.scene._end(edge, False)
        routed += len(item.points()) > 2
        path = item.path()
        for i in range(101):
            at = path.pointAtPercent(i / 100)
            hit = [
                n
                for n in window.scene.items(QRectF(at.x() - 1, at.y() - 1, 2, 2))
                if isinstance(n, NodeItem) and n.isVisible() and n not in (src, dst)
            ]
            assert not hit, f"{edge} runs through {hit[0].key}"
    assert routed >= 4  # the skips from each cell to the one after next


def test_group_repeated_blocks_says_so_when_there_is_nothing_to_fold(window):
    graph = Project.load(Path(__file__).resolve().parent.parent / "templates/lenet5.studio.json")
    window.set_project(graph)
    depth = window.stack.count()
    window.actions_by_name["group_repeats"].trigger()
    assert window.graph.groups == {} and window.stack.count() == depth
    assert "No repeated blocks" in window.statusBar().currentMessage()
