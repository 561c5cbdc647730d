"""The Search (AutoML) panel: searched values, live trials, plots, Apply; docked by ``dock``."""

from widgets.tuning.dock import SearchDock, install_search
from widgets.tuning.panel import SearchPanel

__all__ = ["SearchDock", "SearchPanel", "install_search"]
