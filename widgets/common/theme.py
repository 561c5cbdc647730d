"""Light and dark themes: a Qt style sheet for the widgets plus the canvas's own colours.

The canvas paints its items by hand (for speed), so it cannot read colours from a style
sheet; ``Theme`` carries them instead and the scene repaints when the theme changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from studio.common.paths import resource

STYLES = resource("styles")

_CATEGORY_HUES = {
    "Core": 210,
    "Convolution": 145,
    "Pooling": 175,
    "Recurrent": 280,
    "Attention": 320,
    "Normalization": 45,
    "Regularization": 25,
    "Reshaping": 195,
    "Merging": 0,
    "Activations": 95,
    "Preprocessing": 260,
    "Custom": 0,
    "Block": 230,
}


@dataclass(frozen=True)
class Theme:
    name: str
    background: QColor
    grid: QColor
    node_fill: QColor
    node_border: QColor
    text: QColor
    muted_text: QColor
    edge: QColor
    edge_label: QColor
    selection: QColor
    error: QColor
    warning: QColor
    frozen_fill: QColor
    header_lightness: int
    header_saturation: int
    categories: dict[str, QColor] = field(default_factory=dict)

    def category_color(self, category: str) -> QColor:
        """Header colour of a layer category: same hue in both themes, tuned lightness."""
        color = self.categories.get(category)
        if color is None:
            hue = _CATEGORY_HUES.get(category, 0)
            sat = 0 if category == "Custom" else self.header_saturation
            color = QColor.fromHsl(hue, sat, self.header_lightness)
        return color


LIGHT = Theme(
    name="light",
    background=QColor("#f4f5f7"),
    grid=QColor("#e2e5ea"),
    node_fill=QColor("#ffffff"),
    node_border=QColor("#9aa3ae"),
    text=QColor("#1d2330"),
    muted_text=QColor("#5b6472"),
    edge=QColor("#7a8594"),
    edge_label=QColor("#3d4656"),
    selection=QColor("#2f7df6"),
    error=QColor("#d62f2f"),
    warning=QColor("#d98b00"),
    frozen_fill=QColor("#e6e8eb"),
    header_lightness=165,
    header_saturation=150,
)
DARK = Theme(
    name="dark",
    background=QColor("#1e2127"),
    grid=QColor("#282c34"),
    node_fill=QColor("#2b303a"),
    node_border=QColor("#4b5363"),
    text=QColor("#e6e9ef"),
    muted_text=QColor("#a0a8b8"),
    edge=QColor("#8591a5"),
    edge_label=QColor("#c4cad6"),
    selection=QColor("#5aa2ff"),
    error=QColor("#ff5c5c"),
    warning=QColor("#ffb23e"),
    frozen_fill=QColor("#363a42"),
    header_lightness=78,
    header_saturation=110,
)
THEMES = {"light": LIGHT, "dark": DARK}


def theme_named(name: str) -> Theme:
    return THEMES.get(name, LIGHT)


def apply_theme(name: str) -> Theme:
    """Style the whole application; returns the canvas colours to hand to the scene."""
    theme = theme_named(name)
    app = QApplication.instance()
    sheet = STYLES / f"{theme.name}.qss"
    if isinstance(app, QApplication):
        text = sheet.read_text(encoding="utf-8") if sheet.exists() else ""
        # Images in a sheet (spin-box arrows) are named relative to the styles folder.
        app.setStyleSheet(text.replace("@STYLES@", STYLES.as_posix()))
    return theme
