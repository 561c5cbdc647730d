"""The canvas driven like a user would: drops from the palette, mouse wiring, inspector edits,
undo, clipboard, blocks. Every window starts on the bundled starter CNN."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent

from widgets.app.main_window import MainWindow
from widgets.canvas.node_item import HEADER, WIDTH
from widgets.canvas.palette import TYPE_ROLE
from widgets.canvas.view import LAYER_MIME


def by_name(win: MainWindow, name: str) -> str:
    node = win.graph.node_by_name(name)
    assert node is not None, name
    return node.id


def view_point(win: MainWindow, scene_pos: QPointF) -> QPoint:
    return win.view.mapFromScene(scene_pos)


def palette_mime(win: MainWindow, type_name: str):
    tree = win.palette.tree
    items = [
        tree.topLevelItem(i).child(j)
        for i in range(tree.topLevelItemCount())
        for j in range(tree.topLevelItem(i).childCount())
    ]
    item = next(i for i in items if i.data(0, TYPE_ROLE) == type_name)
    return tree.mimeData([item])


def drop(win: MainWindow, type_name: str, scene_pos: QPointF) -> None:
    """Deliver a drop exactly as Qt does at the end of a drag from the palette."""
    mime = palette_mime(win, type_name)
    assert mime.hasFormat(LAYER_MIME)
    event = QDropEvent(
        QPointF(view_point(win, scene_pos)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.view.dropEvent(event)


def shape_of(win: MainWindow, name: str) -> str:
    return win.scene.nodes[by_name(win, name)].look.shape


def test_drop_from_palette_adds_a_layer_where_dropped(window, qtbot):
    count = len(window.graph)
    drop(window, "Dense", QPointF(400, 600))
    assert len(window.graph) == count + 1
    added = window.graph.nodes[-1]
    assert added.type == "Dense" and abs(added.position[1] - (600 - 39)) < 2
    assert window.selected_node_ids() == [added.id]
    window.stack.undo()
    assert len(window.graph) == count


def test_drop_onto_an_edge_splices_the_layer_in_one_step(window, qtbot):
    conv, pool = by_name(window, "conv2d"), by_name(window, "max_pooling2d")
    edge = next(e for e in window.graph.out_edges(conv) if e.dst == pool)
    middle = window.scene.edges[edge]._path.pointAtPercent(0.5)
    window.view.centerOn(middle)
    drop(window, "BatchNormalization", middle)
    bn = window.graph.node_by_name("batch_normalization")
    assert bn is not None
    assert window.graph.predecessors(bn.id) == [conv]
    assert window.graph.successors(bn.id) == [pool]
    window.stack.undo()
    assert edge in window.graph.edges and window.graph.node_by_name("batch_normalization") is None


def _drag(qtbot, win: MainWindow, start: QPointF, end: QPointF) -> None:
    viewport = win.view.viewport()
    a, b = view_point(win, start), view_point(win, end)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(viewport, pos=(a + b) / 2)
    qtbot.mouseMove(viewport, pos=b)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)


def test_drag_from_output_port_to_input_port_connects(window, qtbot):
    classifier = by_name(window, "classifier")
    x, y = window.graph.node(classifier).position
    new = window.editor.add_layer("Dense", (x + 300, y))
    window.view.fit_all()
    src = window.scene.nodes[classifier].out_ports[0].scenePos()
    dst = window.scene.nodes[new].in_ports[0].scenePos()
    _drag(qtbot, window, src, dst)
    assert window.graph.predecessors(new) == [classifier]
    window.stack.undo()
    assert window.graph.predecessors(new) == []


def test_connection_that_makes_a_cycle_is_refused_with_reason(window, qtbot):
    classifier, dense = by_name(window, "classifier"), by_name(window, "dense")
    edges = set(window.graph.edges)
    src = window.scene.nodes[classifier].out_ports[0].scenePos()
    target = window.scene.nodes[dense].pos() + QPointF(WIDTH / 2, HEADER + 20)
    _drag(qtbot, window, src, target)
    assert set(window.graph.edges) == edges
    assert "cycle" in window.statusBar().currentMessage()


def test_inspector_edit_changes_next_layers_shape_and_undoes(window, qtbot):
    conv = by_name(window, "conv2d")
    window.scene.select_nodes([conv])
    assert window.inspector.node_ids == [conv]
    filters = window.inspector.controls["filters"]
    filters.box.setValue(8)
    assert window.graph.node(conv).params["filters"] == 8
    qtbot.waitUntil(lambda: shape_of(window, "max_pooling2d") == "(None, 14, 14, 8)")
    edge = window.graph.out_edges(conv)[0]
    qtbot.waitUntil(lambda: window.scene.edges[edge].label == "(None, 28, 28, 8)")
    window.stack.undo()
    qtbot.waitUntil(lambda: shape_of(window, "max_pooling2d") == "(None, 14, 14, 16)")
    assert filters.box.value() == 16
    window.stack.redo()
    qtbot.waitUntil(lambda: shape_of(window, "max_pooling2d") == "(None, 14, 14, 8)")


def test_inspector_refuses_values_keras_rejects(window, qtbot):
    pool = by_name(window, "max_pooling2d_1")  # receives 14×14: a 30×30 window cannot fit
    window.scene.select_nodes([pool])
    window.scene.refresh_analysis()
    line = window.inspector.controls["pool_size"].line
    line.clear()
    qtbot.keyClicks(line, "30, 30")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert window.graph.node(pool).params["pool_size"] == [2, 2]
    error = window.inspector.errors["pool_size"]
    assert not error.isHidden() and error.text()
    assert window.scene.refresh_analysis().ok


def test_inspector_refuses_out_of_range_and_duplicate_names(window, qtbot):
    drop_id = by_name(window, "dropout")
    window.scene.select_nodes([drop_id])
    window.inspector._commit(window.inspector.controls["rate"].spec, 1.5)
    assert window.graph.node(drop_id).params["rate"] == 0.3
    assert "at most 1" in window.inspector.errors["rate"].text()
    name = window.inspector.name
    name.clear()
    qtbot.keyClicks(name, "dense")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert window.graph.node(drop_id).name == "dropout"
    assert "already named" in window.inspector.name_error.text()


def test_multi_selection_edit_is_one_undo_step(window, qtbot):
    pools = [by_name(window, "max_pooling2d"), by_name(window, "max_pooling2d_1")]
    window.scene.select_nodes(pools)
    assert sorted(window.inspector.node_ids) == sorted(pools)
    depth = window.stack.index()
    window.inspector.controls["padding"].choose("same")
    assert all(window.graph.node(p).params["padding"] == "same" for p in pools)
    assert window.stack.index() == depth + 1
    window.stack.undo()
    assert all(window.graph.node(p).params.get("padding", "valid") == "valid" for p in pools)


def test_dragging_a_node_is_one_undoable_move(window, qtbot):
    dense = by_name(window, "dense")
    before = window.graph.node(dense).position
    start = window.scene.nodes[dense].pos() + QPointF(WIDTH / 2, HEADER + 20)
    depth = window.stack.index()
    _drag(qtbot, window, start, start + QPointF(60, 100))
    after = window.graph.node(dense).position
    assert after != before
    assert window.stack.index() == depth + 1
    window.stack.undo()
    assert window.graph.node(dense).position == before
    assert window.scene.nodes[dense].pos() == QPointF(*before)


def test_arrow_nudges_merge_into_one_undo_step(window, qtbot):
    dense = by_name(window, "dense")
    before = window.graph.node(dense).position
    window.scene.select_nodes([dense])
    window.view.setFocus()
    depth = window.stack.index()
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert window.graph.node(dense).position == (before[0] + 30, before[1])
    assert window.stack.index() == depth + 1
    window.stack.undo()
    assert window.graph.node(dense).position == before


def test_copy_paste_gives_new_names_and_keeps_inner_wiring(window, qtbot):
    ids = [by_name(window, "conv2d"), by_name(window, "max_pooling2d")]
    window.scene.select_nodes(ids)
    window.copy()
    count = len(window.graph)
    pasted = window.paste()
    assert len(pasted) == 2 and len(window.graph) == count + 2
    names = {window.graph.node(n).name for n in pasted}
    assert names.isdisjoint({"conv2d", "max_pooling2d"})
    assert window.graph.predecessors(pasted[1]) == [pasted[0]]
    assert sorted(window.selected_node_ids()) == sorted(pasted)
    window.stack.undo()
    assert len(window.graph) == count


def test_delete_removes_layers_and_undo_restores_edges(window, qtbot):
    dropout = by_name(window, "dropout")
    edges = set(window.graph.edges)
    window.scene.select_nodes([dropout])
    window.actions_by_name["delete"].trigger()
    assert dropout not in window.graph and dropout not in window.scene.nodes
    window.stack.undo()
    assert set(window.graph.edges) == edges
    assert dropout in window.scene.nodes


def test_group_collapses_to_one_block_and_expands(window, qtbot):
    ids = [by_name(window, "conv2d"), by_name(window, "max_pooling2d")]
    window.scene.select_nodes(ids)
    gid = window.group_selection("features")
    assert gid is not None
    window.scene.refresh_analysis()
    block = window.scene.blocks[gid]
    assert block.isVisible() and not any(window.scene.nodes[n].isVisible() for n in ids)
    assert block.look.shape == "(None, 14, 14, 16)" and block.look.params == "160 params"
    window.scene.node_double_clicked(block)
    assert gid not in window.scene.blocks and all(window.scene.nodes[n].isVisible() for n in ids)
    window.stack.undo()  # collapse again
    window.stack.undo()  # ungrouped
    assert not window.graph.groups and not window.scene.blocks


def test_palette_search_filters_as_you_type(window, qtbot):
    qtbot.keyClicks(window.palette.search, "pool")
    shown = window.palette.visible_layers()
    assert "MaxPooling2D" in shown and "Dense" not in shown


def test_double_click_in_palette_adds_after_selected_layer(window, qtbot):
    classifier = by_name(window, "classifier")
    window.scene.select_nodes([classifier])
    nid = window.add_from_palette("Softmax")
    assert window.graph.predecessors(nid) == [classifier]


def test_find_layer_selects_and_centres(window, qtbot):
    assert window.find_layer("classif")
    assert window.selected_node_ids() == [by_name(window, "classifier")]


def test_clicking_an_issue_selects_its_layer(window, qtbot):
    nid = window.editor.add_layer("Dense", (0, 500))
    qtbot.waitUntil(lambda: window.issues.tree.topLevelItemCount() > 0)
    tree = window.issues.tree
    row = next(
        tree.topLevelItem(i)
        for i in range(tree.topLevelItemCount())
        if "no input" in tree.topLevelItem(i).text(1)
    )
    rect = tree.visualItemRect(row)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected_node_ids() == [nid]
    assert window.scene.nodes[nid].look.problem


def test_block_inspector_renames_nests_and_freezes_the_block(window, qtbot):
    from studio.compile.compiler import compile_graph
    from widgets.inspector.block_form import BlockForm

    ids = [by_name(window, "conv2d"), by_name(window, "max_pooling2d")]
    window.scene.select_nodes(ids)
    gid = window.group_selection("features")
    window.scene.refresh_analysis()
    window.scene.clearSelection()
    window.scene.blocks[gid].setSelected(True)
    form = window.inspector._body
    assert isinstance(form, BlockForm) and "160 parameters" in form.summary.text()
    form.name.selectAll()
    qtbot.keyClicks(form.name, "backbone")
    qtbot.keyClick(form.name, Qt.Key.Key_Return)
    assert window.graph.groups[gid].name == "backbone"
    qtbot.mouseClick(form.nested, Qt.MouseButton.LeftButton)
    assert window.graph.groups[gid].nested
    model = compile_graph(window.graph)
    assert "backbone" in [layer.name for layer in model.layers]
    assert model.count_params() == window.scene.refresh_analysis().total_params
    qtbot.mouseClick(form.trainable, Qt.MouseButton.LeftButton)
    assert not any(window.graph.node(n).trainable for n in ids)
    window.stack.undo()
    assert all(window.graph.node(n).trainable for n in ids)


def test_ports_hide_when_zoomed_far_out_and_return(window, qtbot):
    item = window.scene.nodes[by_name(window, "conv2d")]
    window.view.resetTransform()
    window.view.zoom(0.1)
    assert not any(p.isVisible() for p in item.in_ports + item.out_ports)
    nid = window.add_from_palette("Dense")  # a layer added meanwhile follows the zoom
    assert not window.scene.nodes[nid].out_ports[0].isVisible()
    window.view.zoom(10)
    assert all(p.isVisible() for p in item.in_ports + item.out_ports)
    assert window.scene.nodes[nid].out_ports[0].isVisible()
