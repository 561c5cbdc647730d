"""One rule for turning an exception into the sentence a user sees.

Keras and the backends raise messages that run over pages: argument dumps, graph-execution
frames, ANSI colours. Everything the user reads (issues on a node, the status bar, dialogs,
the CLI's one line on stderr) goes through :func:`short_message`, so the same failure reads the
same everywhere.
"""

from __future__ import annotations

import re

LIMIT = 300
# Lines of backend error text that frame the cause rather than state it.
_NOISE_PREFIXES = (
    "[[",
    "File ",
    "Detected at",
    "Arguments received by",
    "•",
    "Graph execution error",
)
_CUT_MARKERS = ("\n\nArguments received", "\nArguments received", "\n\nException encountered")


def short_message(exc: BaseException, limit: int = LIMIT) -> str:
    """The cause of ``exc`` on one line of at most ``limit`` characters (never empty)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    for marker in _CUT_MARKERS:
        text = text.split(marker)[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        lines = lines[1:]
    useful = [ln for ln in lines if not ln.startswith(_NOISE_PREFIXES)] or lines
    if not useful:
        return type(exc).__name__
    message = " ".join(useful) if len(useful) <= 3 else f"{useful[0]} {useful[-1]}"
    return message[:limit]
