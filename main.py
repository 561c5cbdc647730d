"""Model Studio: ``python main.py [--backend tensorflow|jax|torch] [PROJECT]``.

Without a project it opens the bundled starter example as an untitled copy, so there is
something to look at and train straight away. The Keras backend is chosen before Keras loads:
``--backend``, else ``$KERAS_BACKEND``, else TensorFlow.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="main.py", description="Model Studio")
    parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"))
    parser.add_argument("project", nargs="?", help="a .studio.json project to open")
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if options.backend:
        os.environ["KERAS_BACKEND"] = options.backend
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The app and its training process share the GPU: each takes memory as it needs it,
    # instead of TensorFlow or JAX reserving most of it in whichever process starts first.
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    from studio.common.logs import configure_logging

    configure_logging()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Model Studio")
    app.setApplicationName("Model Studio")
    from widgets.app.workbench import build_app_window

    window, _workbench = build_app_window()
    window.show()
    window.start(options.project)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
