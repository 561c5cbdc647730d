"""``STUDIO_DEBUG=1`` shows the traceback that a handled failure would otherwise hide."""

from __future__ import annotations

import logging

from studio.common.logs import configure_logging
from studio.training.device import describe_device


def test_handled_exceptions_are_logged_with_their_traceback(monkeypatch, caplog) -> None:
    import studio.training.device as device

    def broken() -> str:
        raise RuntimeError("probe exploded")

    monkeypatch.setattr(device, "_tensorflow_device", broken)
    monkeypatch.setattr(device, "_jax_device", broken)
    monkeypatch.setattr(device, "_torch_device", broken)
    with caplog.at_level(logging.DEBUG, logger="studio"):
        assert describe_device() == "unknown device"  # the user sees a label, never a raise
    records = [r for r in caplog.records if r.name == "studio.training.device"]
    assert records and records[0].exc_info and "probe exploded" in str(records[0].exc_info[1])


def test_studio_debug_turns_the_debug_records_on(monkeypatch) -> None:
    logger = logging.getLogger("studio")
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.delenv("STUDIO_DEBUG", raising=False)
    configure_logging()
    assert not logger.handlers
    monkeypatch.setenv("STUDIO_DEBUG", "1")
    configure_logging()
    assert logger.level == logging.DEBUG and logger.handlers
