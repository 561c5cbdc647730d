"""Model Studio core: everything the editor can do to a model, without a screen.

This package never imports Qt. The backend defaults to TensorFlow unless the user chose another
one through ``KERAS_BACKEND`` (or ``studio.backend.use_backend`` before Keras is imported).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
