"""Right-click menus for the canvas (a layer, a block, a connection, empty canvas) and the
layer palette. Every entry runs a command the main window already has, so a menu adds no
behaviour of its own: it only puts the commands that apply where the user clicked.

The menus are built by plain functions (tests read their actions); the scene and the palette
call them through one hook each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGraphicsSceneContextMenuEvent, QMenu

from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.node_item import HEIGHT, WIDTH, NodeItem
from widgets.canvas.palette import TYPE_ROLE

if TYPE_CHECKING:
    from widgets.app.main_window import MainWindow

# Layers offered in "Insert layer" on a connection: the ones most often spliced in.
INSERT_CHOICES = ("BatchNormalization", "Dropout", "Activation", "Flatten", "Dense")


def _add(menu: QMenu, text: str, slot, enabled: bool = True) -> QAction:
    action = menu.addAction(text)
    action.setEnabled(enabled)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def node_menu(window: MainWindow, item: NodeItem) -> QMenu:
    """A layer or collapsed block: what can be done to the selection it belongs to."""
    scene = window.scene
    if not item.isSelected():
        scene.select_items([item])
    menu = QMenu(window)
    ids = window.selected_node_ids()
    if item.look.block and item.group_id:
        gid = item.group_id
        _add(menu, "Expand block", lambda: window.editor.set_collapsed(gid, False))
        _add(menu, "Ungroup block", lambda: window.editor.ungroup(gid))
        menu.addSeparator()
    elif len(ids) == 1:
        nid = ids[0]
        _add(menu, "Rename…", lambda: window.inspector.setFocus())
        trainable = window.graph.node(nid).trainable
        _add(menu, "Freeze" if trainable else "Unfreeze", window.toggle_freeze)
        menu.addSeparator()
    else:
        _add(menu, f"Freeze/Unfreeze {len(ids)} layers", window.toggle_freeze)
        _add(menu, "Group into block", window.group_selection, len(ids) > 1)
        menu.addSeparator()
    _add(menu, "Cut", window.cut)
    _add(menu, "Copy", window.copy)
    _add(menu, "Duplicate", window.duplicate)
    menu.addSeparator()
    _add(menu, "Delete", window.delete_selection)
    return menu


def edge_menu(window: MainWindow, item: EdgeItem, at: QPointF) -> QMenu:
    """A connection: remove it, or splice a layer into it."""
    edge = item.edge
    window.scene.select_items([])
    item.setSelected(True)
    menu = QMenu(window)
    _add(menu, "Delete connection", lambda: window.editor.delete([], [edge]))
    insert = menu.addMenu("Insert layer")
    for type_name in INSERT_CHOICES:
        _add(
            insert,
            type_name,
            lambda t=type_name: window.editor.add_layer(
                t, (at.x() - WIDTH / 2, at.y() - HEIGHT / 2), into_edge=edge
            ),
        )
    return menu


def canvas_menu(window: MainWindow, at: QPointF) -> QMenu:
    """Empty canvas: paste or add here, and whole-graph commands."""
    menu = QMenu(window)
    _add(menu, "Paste", window.paste)
    add = menu.addMenu("Add layer here")
    for type_name in ("Input", "Dense", "Conv2D", "MaxPooling2D", "Flatten", "Dropout"):
        _add(
            add,
            type_name,
            lambda t=type_name: window.editor.add_layer(
                t, (at.x() - WIDTH / 2, at.y() - HEIGHT / 2)
            ),
        )
    menu.addSeparator()
    _add(menu, "Select all", window.select_all)
    _add(menu, "Auto-layout", window.auto_layout)
    _add(menu, "Fit to view", window.view.fit_all)
    return menu


def scene_menu(window: MainWindow, event: QGraphicsSceneContextMenuEvent) -> QMenu:
    """The menu for a right click at ``event``'s position on the canvas."""
    at = event.scenePos()
    for item in window.scene.items(at):
        while item is not None and not isinstance(item, (NodeItem, EdgeItem)):
            item = item.parentItem()
        if isinstance(item, NodeItem) and item.isVisible():
            return node_menu(window, item)
        if isinstance(item, EdgeItem) and item.edge is not None and item.isVisible():
            return edge_menu(window, item, at)
    edge = window.scene.edge_at(at)
    if edge is not None and edge in window.scene.edges:
        return edge_menu(window, window.scene.edges[edge], at)
    return canvas_menu(window, at)


def palette_menu(window: MainWindow, type_name: str) -> QMenu:
    """A layer in the palette: add it, or add it after the selected layer."""
    menu = QMenu(window)

    def add_at_centre() -> None:
        c = window.view.visible_center()
        nid = window.editor.add_layer(type_name, (c.x() - WIDTH / 2, c.y() - HEIGHT / 2))
        if nid is not None:
            window.scene.select_nodes([nid])

    _add(menu, f"Add {type_name}", add_at_centre)
    selected = window.selected_node_ids()
    _add(
        menu,
        f"Add {type_name} after the selected layer",
        lambda: window.add_from_palette(type_name),
        len(selected) == 1,
    )
    return menu


def install(window: MainWindow) -> None:
    """Give the canvas and the palette their right-click menus."""
    window.scene.context_menu = lambda event: _popup(scene_menu(window, event), event.screenPos())
    tree = window.palette.tree
    tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def palette_requested(pos: QPoint) -> None:
        item = tree.itemAt(pos)
        type_name = item.data(0, TYPE_ROLE) if item is not None else None
        if type_name:
            _popup(palette_menu(window, type_name), tree.viewport().mapToGlobal(pos))

    tree.customContextMenuRequested.connect(palette_requested)


def _popup(menu: QMenu, where: QPoint) -> None:
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    menu.popup(where)
