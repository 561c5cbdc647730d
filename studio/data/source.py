"""Where a dataset comes from, as a small JSON-friendly record a project file can store.

A :class:`DatasetRef` is cheap to keep and compare; :func:`load` turns it into arrays. The
same record is built from the dataset panel, from a project file and, through
:func:`resolve`, from a command-line string.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from studio.data.bundled import BUNDLED, load_bundled
from studio.data.dataset import Dataset
from studio.data.errors import DatasetError
from studio.data.files import load_csv, load_folder, load_npy, load_npz
from studio.data.keras_sets import KERAS_SETS, ProgressCallback, load_keras_set
from studio.data.preprocess import Preprocessing, apply

SourceKind = Literal["bundled", "keras", "csv", "npy", "npz", "folder"]
KINDS: tuple[str, ...] = ("bundled", "keras", "csv", "npy", "npz", "folder")


@dataclass(frozen=True)
class DatasetRef:
    """A dataset by origin: ``name`` for bundled and Keras sets, ``path`` for files.

    ``options`` holds the reader's keyword arguments: ``size``/``seed`` (bundled),
    ``num_words``/``maxlen`` (keras), ``target``/``features``/``task``/``delimiter`` (csv),
    ``y_path``/``task`` (npy), ``task`` (npz), ``image_size``/``color`` (folder).
    """

    kind: SourceKind
    name: str = ""
    path: str = ""
    options: dict = field(default_factory=dict)
    preprocessing: Preprocessing = field(default_factory=Preprocessing)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DatasetError(f"kind must be one of {', '.join(KINDS)}; received {self.kind!r}")
        if self.kind in ("bundled", "keras") and not self.name:
            raise DatasetError(f"a {self.kind} dataset needs a name")
        if self.kind not in ("bundled", "keras") and not self.path:
            raise DatasetError(f"a {self.kind} dataset needs a path")

    @property
    def label(self) -> str:
        """Short text for titles and logs: ``iris``, ``keras:mnist``, ``data.csv``."""
        if self.kind == "bundled":
            return self.name
        if self.kind == "keras":
            return f"keras:{self.name}"
        return Path(self.path).name

    def with_preprocessing(self, prep: Preprocessing) -> DatasetRef:
        return replace(self, preprocessing=prep)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "path": self.path,
            "options": dict(self.options),
            "preprocessing": self.preprocessing.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> DatasetRef:
        options = dict(data.get("options") or {})
        if "image_size" in options:  # JSON turns the tuple into a list
            options["image_size"] = tuple(options["image_size"])
        return cls(
            kind=data["kind"],
            name=data.get("name", ""),
            path=data.get("path", ""),
            options=options,
            preprocessing=Preprocessing.from_dict(data.get("preprocessing") or {}),
        )


def _read(ref: DatasetRef, on_progress: ProgressCallback | None) -> Dataset:
    opts = ref.options
    if ref.kind == "bundled":
        return load_bundled(ref.name, size=opts.get("size"), seed=opts.get("seed", 0))
    if ref.kind == "keras":
        return load_keras_set(ref.name, on_progress, **opts)
    if ref.kind == "csv":
        return load_csv(ref.path, **opts)
    if ref.kind == "npy":
        y_path = opts.get("y_path") or _sibling_y(Path(ref.path))
        return load_npy(ref.path, y_path, task=opts.get("task"))
    if ref.kind == "npz":
        return load_npz(ref.path, **opts)
    return load_folder(ref.path, **opts)


def load(ref: DatasetRef, on_progress: ProgressCallback | None = None) -> Dataset:
    """Read the source and apply the ref's preprocessing."""
    report = on_progress or (lambda fraction, message: None)
    if ref.kind != "keras":
        report(0.0, f"loading {ref.label}")
    try:
        dataset = _read(ref, on_progress)
    except TypeError as exc:  # an option the reader does not take
        raise DatasetError(f"{ref.label}: bad option in {sorted(ref.options)} ({exc})") from exc
    result = apply(dataset, ref.preprocessing)
    if ref.kind != "keras":
        report(1.0, f"{ref.label}: {result.num_train} training samples")
    return result


def _sibling_y(x_path: Path) -> str:
    """``x.npy`` -> ``y.npy``, ``x_train.npy`` -> ``y_train.npy``, ``data_x.npy`` -> ``data_y.npy``."""
    stem = x_path.stem
    candidates = []
    if stem.startswith(("x", "X")):
        candidates.append(("y" if stem[0] == "x" else "Y") + stem[1:])
    if stem.endswith(("_x", "_X")):
        candidates.append(stem[:-1] + ("y" if stem[-1] == "x" else "Y"))
    for c in candidates:
        y_path = x_path.with_name(c + x_path.suffix)
        if y_path.exists():
            return str(y_path)
    raise DatasetError(
        f"no targets file found next to {x_path.name}; name it "
        f"{candidates[0] + '.npy' if candidates else 'y.npy'} or pass 'x.npy,y.npy'"
    )


def resolve(spec: str) -> DatasetRef:
    """Turn a command-line string into a ref.

    Accepts a bundled name (``digits``), ``keras:<name>``, a ``.csv``, ``.npz`` or ``.npy``
    path (``x.npy,y.npy`` names both files), or a folder of class sub-folders.
    """
    spec = spec.strip()
    if spec in BUNDLED:
        return DatasetRef("bundled", name=spec)
    if spec.startswith("keras:"):
        name = spec.split(":", 1)[1]
        if name not in KERAS_SETS:
            raise DatasetError(f"unknown Keras dataset {name!r}; known: {', '.join(KERAS_SETS)}")
        return DatasetRef("keras", name=name)
    if "," in spec and spec.lower().endswith(".npy"):
        x_path, y_path = (s.strip() for s in spec.split(",", 1))
        return DatasetRef("npy", path=x_path, options={"y_path": y_path})
    path = Path(spec).expanduser()
    if path.is_dir():
        return DatasetRef("folder", path=str(path))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".npy", ".npz"):
        if not path.exists():
            raise DatasetError(f"{path} does not exist")
        return DatasetRef(suffix[1:], path=str(path))  # type: ignore[arg-type]
    raise DatasetError(
        f"cannot read {spec!r} as a dataset; use a bundled name ({', '.join(BUNDLED)}), "
        "keras:<name>, or a path to a .csv, .npy, .npz file or an image folder"
    )
