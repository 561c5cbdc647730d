"""Logging switched on by ``STUDIO_DEBUG=1``: every module logs through its own logger, and
every broad ``except`` records the traceback at debug level, so a failure the user sees as one
sentence can still be traced. Without the variable nothing is printed (the CLI's contract is one
clear line on stderr)."""

from __future__ import annotations

import logging
import os

ENV = "STUDIO_DEBUG"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def debug_enabled() -> bool:
    return os.environ.get(ENV, "").strip() not in ("", "0", "false", "no")


def configure_logging() -> None:
    """Send the studio's and the widgets' debug records to stderr when ``STUDIO_DEBUG`` is on."""
    if not debug_enabled():
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    for name in ("studio", "widgets"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        if not any(getattr(h, "_studio", False) for h in logger.handlers):
            handler._studio = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
