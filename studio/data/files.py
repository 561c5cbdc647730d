"""Reading the user's own data: CSV tables, NumPy arrays and folders of images.

Every problem a user can cause (a missing column, a folder without images, samples of different
shapes) becomes a :class:`DatasetError` that names the file and what is wrong with it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from studio.data.dataset import Dataset, Task
from studio.data.errors import DatasetError
from studio.data.labels import infer_labels

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
ColorMode = Literal["rgb", "grayscale"]


@dataclass(frozen=True)
class CsvPreview:
    """The header and first rows of a CSV, as text, for column pickers and a table view."""

    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class ArrayPreview:
    """One array of a ``.npy``/``.npz`` file: its name, shape, dtype and first samples."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    head: np.ndarray


def _existing(path: str | Path, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise DatasetError(f"{what} {p} does not exist")
    return p


# --- CSV -------------------------------------------------------------------------------------


def _read_csv(path: str | Path, delimiter: str, limit: int | None = None):
    p = _existing(path, "CSV file")
    try:
        with p.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            header = next(reader, None)
            rows = []
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                rows.append(row)
                if limit is not None and len(rows) >= limit:
                    break
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{p.name}: cannot read as CSV ({exc})") from exc
    if not header:
        raise DatasetError(f"{p.name} is empty; expected a header row with column names")
    return p, [h.strip() for h in header], rows


def csv_columns(path: str | Path, delimiter: str = ",") -> list[str]:
    return _read_csv(path, delimiter, limit=0)[1]


def preview_csv(path: str | Path, rows: int = 5, delimiter: str = ",") -> CsvPreview:
    _, header, body = _read_csv(path, delimiter, limit=rows)
    return CsvPreview(header, body)


def load_csv(
    path: str | Path,
    target: str | None = None,
    features: Sequence[str] | None = None,
    task: Task | None = None,
    delimiter: str = ",",
) -> Dataset:
    """Features and one target column, by name; ``target=None`` means the last column.

    Feature columns must be numeric. A text target becomes class indices with ``class_names``.
    """
    p, header, rows = _read_csv(path, delimiter)
    if not rows:
        raise DatasetError(f"{p.name} has a header but no data rows")
    target = target or header[-1]
    if target not in header:
        raise DatasetError(f"{p.name} has no column {target!r}; columns: {', '.join(header)}")
    features = list(features) if features else [c for c in header if c != target]
    missing = [c for c in features if c not in header]
    if missing:
        raise DatasetError(f"{p.name} has no column {missing[0]!r}; columns: {', '.join(header)}")
    if target in features:
        raise DatasetError(f"{p.name}: column {target!r} is both the target and a feature")
    for i, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise DatasetError(
                f"{p.name} line {i} has {len(row)} fields, the header has {len(header)}"
            )
    table = np.array(rows, dtype=str)
    x = np.empty((len(rows), len(features)), dtype=np.float32)
    for j, name in enumerate(features):
        column = np.char.strip(table[:, header.index(name)])
        blank = np.flatnonzero(column == "")
        if len(blank):
            raise DatasetError(f"{p.name}: column {name!r} is empty on line {blank[0] + 2}")
        try:
            x[:, j] = column.astype(np.float32)
        except ValueError:
            bad = next(v for v in column if not _is_number(v))
            raise DatasetError(
                f"{p.name}: feature column {name!r} is not numeric (found {bad!r}); "
                "make it the target or leave it out of the features"
            ) from None
    raw_target = np.char.strip(table[:, header.index(target)])
    if (raw_target == "").any():
        line = int(np.flatnonzero(raw_target == "")[0]) + 2
        raise DatasetError(f"{p.name}: target column {target!r} is empty on line {line}")
    labels = infer_labels(raw_target, task)
    return Dataset(
        name=p.stem,
        x_train=x,
        y_train=labels.y,
        task=labels.task,
        class_names=labels.class_names,
        one_hot=labels.one_hot,
        description=f"{p.name}: {len(features)} features -> {target}",
        metadata={"source": "csv", "path": str(p), "feature_names": features, "target": target},
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- NumPy -----------------------------------------------------------------------------------


def _load_array(path: Path, key: str | None = None) -> np.ndarray:
    label = f"{path.name}[{key!r}]" if key else path.name
    try:
        data = np.load(path, allow_pickle=False)
        array = data[key] if key else data
    except ValueError as exc:
        raise DatasetError(
            f"{label} holds ragged or object arrays; every sample must have the same shape"
        ) from exc
    except OSError as exc:
        raise DatasetError(f"{label}: not a NumPy file ({exc})") from exc
    if array.dtype == object:
        raise DatasetError(f"{label} holds object arrays; every sample must have the same shape")
    if array.ndim == 0:
        raise DatasetError(f"{label} is a single value; expected one row per sample")
    return array


def _as_inputs(x: np.ndarray) -> np.ndarray:
    """Integer inputs stay integers (token ids for an Embedding); the rest becomes float32."""
    return x if np.issubdtype(x.dtype, np.integer) and x.ndim == 2 else x.astype(np.float32)


def _check_pair(x: np.ndarray, y: np.ndarray, where: str) -> None:
    if len(x) != len(y):
        raise DatasetError(f"{where}: x has {len(x)} samples but y has {len(y)}")


def load_npy(x_path: str | Path, y_path: str | Path, task: Task | None = None) -> Dataset:
    """Inputs and targets from two ``.npy`` files with one row per sample."""
    xp, yp = _existing(x_path, "NumPy file"), _existing(y_path, "NumPy file")
    x, y = _load_array(xp), _load_array(yp)
    _check_pair(x, y, f"{xp.name} and {yp.name}")
    labels = infer_labels(y, task)
    return Dataset(
        name=xp.stem,
        x_train=_as_inputs(x),
        y_train=labels.y,
        task=labels.task,
        class_names=labels.class_names,
        one_hot=labels.one_hot,
        description=f"{xp.name} -> {yp.name}",
        metadata={"source": "npy", "path": str(xp), "y_path": str(yp)},
    )


def load_npz(path: str | Path, task: Task | None = None) -> Dataset:
    """An ``.npz`` with ``x``/``y``, or ``x_train``/``y_train`` plus optional test or val pairs."""
    p = _existing(path, "NumPy archive")
    try:
        with np.load(p, allow_pickle=False) as archive:
            keys = set(archive.files)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{p.name}: not a NumPy .npz archive ({exc})") from exc
    if {"x_train", "y_train"} <= keys:
        x, y = _load_array(p, "x_train"), _load_array(p, "y_train")
        held_out = next((s for s in ("test", "val") if {f"x_{s}", f"y_{s}"} <= keys), None)
    elif {"x", "y"} <= keys:
        x, y = _load_array(p, "x"), _load_array(p, "y")
        held_out = None
    else:
        raise DatasetError(
            f"{p.name} has keys {sorted(keys)}; expected 'x' and 'y', or 'x_train' and 'y_train'"
            " (with optional 'x_test' and 'y_test')"
        )
    _check_pair(x, y, f"{p.name} training arrays")
    x_val = y_val = None
    if held_out:
        x_val, y_val = _load_array(p, f"x_{held_out}"), _load_array(p, f"y_{held_out}")
        _check_pair(x_val, y_val, f"{p.name} {held_out} arrays")
        if x_val.shape[1:] != x.shape[1:]:
            raise DatasetError(
                f"{p.name}: ragged shapes, x_train samples are {x.shape[1:]} but "
                f"x_{held_out} samples are {x_val.shape[1:]}"
            )
    both = y if y_val is None else np.concatenate([y, y_val])
    labels = infer_labels(both, task)
    return Dataset(
        name=p.stem,
        x_train=_as_inputs(x),
        y_train=labels.y[: len(y)],
        x_val=None if x_val is None else _as_inputs(x_val),
        y_val=None if y_val is None else labels.y[len(y) :],
        task=labels.task,
        class_names=labels.class_names,
        one_hot=labels.one_hot,
        description=p.name,
        metadata={"source": "npz", "path": str(p)},
    )


def preview_arrays(path: str | Path, rows: int = 3) -> list[ArrayPreview]:
    """Name, shape, dtype and the first ``rows`` samples of each array in a .npy or .npz."""
    p = _existing(path, "NumPy file")
    if p.suffix.lower() == ".npz":
        with np.load(p, allow_pickle=False) as archive:
            names = list(archive.files)
        arrays = [(n, _load_array(p, n)) for n in names]
    else:
        arrays = [(p.stem, _load_array(p))]
    return [ArrayPreview(n, tuple(a.shape), str(a.dtype), a[:rows]) for n, a in arrays]


# --- Image folders ---------------------------------------------------------------------------


def _class_folders(root: Path) -> list[tuple[str, list[Path]]]:
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DatasetError(
            f"{root} has no class sub-folders; put each class's images in its own folder"
        )
    found = [
        (d.name, sorted(f for f in d.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES))
        for d in classes
    ]
    if not any(files for _, files in found):
        raise DatasetError(f"no images found in the class folders of {root}")
    empty = [name for name, files in found if not files]
    if empty:
        raise DatasetError(f"{root}: class folder {empty[0]!r} has no images")
    return found


def _read_image(path: Path, size: tuple[int, int], color: ColorMode) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("L" if color == "grayscale" else "RGB")
            img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            array = np.asarray(img, dtype=np.uint8)
    except (OSError, UnidentifiedImageError) as exc:
        raise DatasetError(f"{path}: not a readable image ({exc})") from exc
    return array[..., None] if array.ndim == 2 else array


def load_folder(
    path: str | Path, image_size: tuple[int, int] = (32, 32), color: ColorMode = "rgb"
) -> Dataset:
    """Images from ``root/<class>/<image>``, resized to ``image_size`` (height, width), 0..1."""
    if color not in ("rgb", "grayscale"):
        raise DatasetError(f"color must be 'rgb' or 'grayscale', got color={color!r}")
    root = Path(path).expanduser()
    found = _class_folders(root)
    images: list[np.ndarray] = []
    labels: list[int] = []
    for index, (_, files) in enumerate(found):
        for f in files:
            images.append(_read_image(f, image_size, color))
            labels.append(index)
    names = [name for name, _ in found]
    return Dataset(
        name=root.name,
        x_train=np.stack(images).astype(np.float32) / 255.0,
        y_train=np.array(labels, dtype=np.int64),
        task="binary" if len(names) == 2 else "classification",
        class_names=names,
        description=f"{len(images)} images in {len(names)} classes from {root.name}/",
        metadata={"source": "folder", "path": str(root)},
    )


def preview_folder(
    path: str | Path, per_class: int = 3, image_size: tuple[int, int] = (64, 64)
) -> list[tuple[str, np.ndarray]]:
    """A few ``(class name, uint8 image)`` pairs per class, without reading the whole folder."""
    return [
        (name, _read_image(f, image_size, "rgb"))
        for name, files in _class_folders(Path(path).expanduser())
        for f in files[:per_class]
    ]
