"""What a person sees of a loaded dataset: a one-line summary and a few samples.

Kept free of Qt so that the dataset panel only has to draw what these functions return, and so
that the command line can print the same summary.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from studio.data.dataset import Dataset

PreviewKind = Literal["images", "table", "sequence"]


def _first(arrays) -> np.ndarray:
    return arrays[0] if isinstance(arrays, list) else arrays


def preview_kind(dataset: Dataset) -> PreviewKind:
    """Images are (h, w, 1|3|4) per sample; float vectors are table rows; the rest sequences."""
    x = _first(dataset.x_train)
    if x.ndim == 4 and x.shape[-1] in (1, 3, 4):
        return "images"
    if x.ndim == 2 and not np.issubdtype(x.dtype, np.integer):
        return "table"
    return "sequence"


def label_text(dataset: Dataset, index: int) -> str:
    """The training target of sample ``index`` as a person would name it."""
    y = _first(dataset.y_train)[index]
    if dataset.class_names:
        k = int(np.argmax(y)) if dataset.one_hot else int(np.asarray(y).reshape(-1)[0])
        return dataset.class_names[k] if 0 <= k < len(dataset.class_names) else str(k)
    values = np.asarray(y).reshape(-1)
    return ", ".join(f"{v:.3g}" for v in values[:4]) + (" ..." if values.size > 4 else "")


def describe(dataset: Dataset) -> str:
    """``train 1600 · validation 400 · input (28, 28, 1) float32 · 4 classes: circle, ...``"""
    x = _first(dataset.x_train)
    parts = [f"train {dataset.num_train}"]
    if dataset.x_val is not None:
        parts.append(f"validation {len(_first(dataset.x_val))}")
    inputs = (
        " + ".join(str(tuple(a.shape[1:])) for a in dataset.x_train)
        if isinstance(dataset.x_train, list)
        else str(dataset.input_shape)
    )
    parts.append(f"input {inputs} {x.dtype}")
    if dataset.class_names:
        names = ", ".join(dataset.class_names[:6]) + (", ..." if dataset.num_classes > 6 else "")
        labels = "one-hot" if dataset.one_hot else "integer labels"
        parts.append(f"{dataset.num_classes} classes ({labels}): {names}")
    else:
        y = _first(dataset.y_train)
        parts.append(f"{dataset.task} target {tuple(y.shape[1:]) or (1,)}")
    return " · ".join(parts)


def image_samples(dataset: Dataset, count: int = 12) -> list[tuple[str, np.ndarray]]:
    """``(label, uint8 image)`` pairs; each image is stretched to 0..255 so it is visible
    whatever scaling was applied."""
    x = _first(dataset.x_train)
    samples = []
    for i in range(min(count, len(x))):
        img = np.asarray(x[i], dtype=np.float32)
        low, high = float(img.min()), float(img.max())
        img = (img - low) / (high - low) if high > low else np.zeros_like(img)
        img = (img * 255).astype(np.uint8)
        samples.append((label_text(dataset, i), img[..., 0] if img.shape[-1] == 1 else img))
    return samples


def table_rows(dataset: Dataset, count: int = 8) -> tuple[list[str], list[list[str]]]:
    """Column names (features then target) and the first ``count`` rows as text."""
    x = _first(dataset.x_train)
    names = dataset.metadata.get("feature_names") or [f"x{i}" for i in range(x.shape[1])]
    rows = [
        [f"{v:.4g}" for v in x[i]] + [label_text(dataset, i)] for i in range(min(count, len(x)))
    ]
    return [*names, dataset.metadata.get("target", "target")], rows


def sequence_text(dataset: Dataset, count: int = 6) -> str:
    """A few samples as text: token ids as they are, numeric steps as range and first values."""
    x = _first(dataset.x_train)
    lines = []
    for i in range(min(count, len(x))):
        sample = np.asarray(x[i])
        label = label_text(dataset, i)
        if np.issubdtype(sample.dtype, np.integer):
            lines.append(f"[{label}] " + " ".join(str(int(t)) for t in sample.reshape(-1)[:40]))
            continue
        flat = sample.reshape(-1)
        head = ", ".join(f"{v:.2f}" for v in flat[:8])
        lines.append(
            f"[{label}] {sample.shape} range {flat.min():.2f}..{flat.max():.2f} · {head}, ..."
        )
    return "\n".join(lines)
