"""The Help menu: every keyboard shortcut in one table, where the documentation is, and About.

The shortcut list is read from the window's own actions, so it cannot fall out of date.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(command, shortcut) for every action of the window that has a shortcut."""
    rows: dict[str, str] = {}
    for action in window.actions():
        keys = action.shortcut()
        if keys.isEmpty():
            continue
        name = action.text().replace("&", "").rstrip("…").strip()
        rows.setdefault(name, keys.toString(QKeySequence.SequenceFormat.NativeText))
    return sorted(rows.items())


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Command", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for i, (name, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        hints = QLabel(
            "On the canvas: drag from a port to connect · Delete removes the selection · "
            "arrow keys nudge · right-click a layer, a connection or empty canvas for more."
        )
        hints.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(hints)
        layout.addWidget(buttons)
        self.resize(460, 560)


def docs_location() -> Path:
    return DOCS if DOCS.is_dir() else README


def add_help_menu(window: QMainWindow) -> None:
    """Add Help → Keyboard Shortcuts, Documentation, About to ``window``'s menu bar."""
    menu = window.menuBar().addMenu("&Help")
    actions = window.actions_by_name  # type: ignore[attr-defined]

    def shortcuts() -> None:
        dialog = ShortcutsDialog(window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        window.shortcuts_dialog = dialog  # type: ignore[attr-defined]

    def documentation() -> None:
        where = docs_location()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(where)))
        window.statusBar().showMessage(f"The documentation is in {where}", 10000)

    def about() -> None:
        QMessageBox.about(
            window,
            "About Model Studio",
            "<b>Model Studio</b><br>Build Keras 3 models as node graphs, train and inspect "
            f"them.<br><br>Documentation: {docs_location()}<br>README: {README}",
        )

    actions["shortcuts"] = window._action(  # type: ignore[attr-defined]
        "&Keyboard Shortcuts", shortcuts, QKeySequence("Ctrl+/")
    )
    actions["docs"] = window._action(  # type: ignore[attr-defined]
        "&Documentation", documentation, QKeySequence.StandardKey.HelpContents
    )
    actions["about"] = window._action("&About Model Studio", about)  # type: ignore[attr-defined]
    for name in ("shortcuts", "docs", "about"):
        menu.addAction(actions[name])
