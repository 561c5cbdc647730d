"""The dataset layer: bundled, Keras and user datasets, preprocessing and model fit checks.

Nothing here imports Qt; Keras is imported only when a Keras set is actually loaded.
"""

from studio.data.bundled import BUNDLED, BundledInfo, load_bundled
from studio.data.compat import Fix, Mismatch, apply_fix, check_compatibility
from studio.data.dataset import Dataset, Task
from studio.data.errors import DatasetError
from studio.data.keras_sets import KERAS_SETS, load_keras_set
from studio.data.preprocess import Preprocessing, apply
from studio.data.source import DatasetRef, load, resolve

__all__ = [
    "BUNDLED",
    "KERAS_SETS",
    "BundledInfo",
    "Dataset",
    "DatasetError",
    "DatasetRef",
    "Fix",
    "Mismatch",
    "Preprocessing",
    "Task",
    "apply",
    "apply_fix",
    "check_compatibility",
    "load",
    "load_bundled",
    "load_keras_set",
    "resolve",
]
