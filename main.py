"""Model Studio: ``python main.py [PROJECT]``.

Without a project it opens the bundled starter example as an untitled copy, so there is
something to look at and train straight away.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Model Studio")
    app.setApplicationName("Model Studio")
    from widgets.workbench import build_app_window

    window, _workbench = build_app_window()
    window.show()
    window.start(args[0] if args else None)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
