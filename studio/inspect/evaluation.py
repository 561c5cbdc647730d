"""How good the trained model is on held-out data, in the forms people read results in.

Per-class precision/recall/F1 are computed here from the confusion matrix (no sklearn at
run time) and checked against scikit-learn in the tests; a class never predicted gets
precision 0, as sklearn's ``zero_division=0`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.inspect.activations import ActivationProbe

Split = Literal["val", "train"]


@dataclass(frozen=True)
class ClassReport:
    """Per-class scores, index-aligned with ``names``."""

    names: list[str]
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    @property
    def macro_f1(self) -> float:
        return float(self.f1.mean()) if self.f1.size else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Everything the evaluation view shows for one split.

    For classification ``y_true``/``y_pred`` are integer labels and ``scores`` the model's
    per-class outputs; for regression they are flat values and ``residuals`` is
    ``y_pred - y_true``. ``order`` lists sample indices misclassified first (most confident
    mistakes first), or by largest absolute residual for regression.
    """

    task: str
    split: str
    loss: float | None
    metrics: dict[str, float]
    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray | None = None
    confusion: np.ndarray | None = None
    report: ClassReport | None = None
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    residuals: np.ndarray | None = None
    note: str = ""

    @property
    def is_classification(self) -> bool:
        return self.confusion is not None

    @property
    def confusion_normalised(self) -> np.ndarray | None:
        return None if self.confusion is None else normalise_confusion(self.confusion)

    @property
    def misclassified(self) -> np.ndarray:
        if not self.is_classification:
            return np.zeros(0, int)
        return np.flatnonzero(self.y_true != self.y_pred)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts with true classes on rows and predicted classes on columns (sklearn's layout)."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


def normalise_confusion(cm: np.ndarray) -> np.ndarray:
    """Each row divided by its total: the share of each true class predicted as each class."""
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros(cm.shape, "float64"), where=totals > 0)


def class_report(cm: np.ndarray, names: list[str] | None = None) -> ClassReport:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    tp = np.diag(cm).astype("float64")
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    names = names or [str(i) for i in range(cm.shape[0])]
    return ClassReport(list(names), precision, recall, f1, actual.astype(np.int64))


def misclassified_first(
    y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray | None
) -> np.ndarray:
    """Wrong predictions first, the most confident of them first; then the right ones."""
    wrong = (np.asarray(y_true) != np.asarray(y_pred)).astype(int)
    confidence = np.zeros(len(wrong)) if scores is None else scores.max(axis=-1)
    # lexsort sorts by the last key first: wrong before right, then by confidence descending.
    return np.lexsort((-confidence, -wrong))


def labels_from_outputs(outputs: np.ndarray, binary_threshold: float | None = None) -> np.ndarray:
    """Class labels from model outputs: argmax, or a threshold for one-unit binary outputs.

    The threshold defaults to 0.5 for outputs within [0, 1] (a sigmoid) and 0 otherwise (logits).
    """
    outputs = np.asarray(outputs)
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        flat = outputs.reshape(len(outputs))
        if binary_threshold is None:
            binary_threshold = 0.5 if flat.min() >= 0 and flat.max() <= 1 else 0.0
        return (flat > binary_threshold).astype(np.int64)
    return outputs.argmax(axis=-1).astype(np.int64)


def _labels_from_targets(y: np.ndarray, one_hot: bool) -> np.ndarray:
    y = np.asarray(y)
    if one_hot or (y.ndim == 2 and y.shape[-1] > 1):
        return y.argmax(axis=-1).astype(np.int64)
    return y.reshape(len(y)).astype(np.int64)


def _first(a):
    return a[0] if isinstance(a, list) else a


def split_arrays(dataset: Dataset, split: Split = "val") -> tuple[object, object, str]:
    """(x, y, split used); falls back to the training data when there is no validation set."""
    if split == "val" and dataset.x_val is not None and dataset.y_val is not None:
        return dataset.x_val, dataset.y_val, "val"
    return dataset.x_train, dataset.y_train, "train"


def _compiled_metrics(
    model: keras.Model, x, y, batch_size: int
) -> tuple[float | None, dict[str, float], str]:
    """Loss and compiled metrics, or why there are none (uncompiled, targets that misfit)."""
    if not getattr(model, "compiled", False) or getattr(model, "loss", None) is None:
        return None, {}, "model not compiled: no loss"
    try:
        result = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    except (ValueError, TypeError) as exc:
        return None, {}, f"loss unavailable: {exc}"
    loss = result.pop("loss", None)
    metrics = {k: float(v) for k, v in result.items()}
    return (None if loss is None else float(loss)), metrics, ""


def evaluate(
    model: keras.Model,
    dataset: Dataset,
    split: Split = "val",
    batch_size: int = 256,
    max_samples: int | None = None,
) -> Evaluation:
    """Loss/metrics (when compiled) and the classification or regression breakdown."""
    x, y, used = split_arrays(dataset, split)
    notes = [] if used == split else ["no validation data: showing the training split"]
    if max_samples is not None:
        x = [a[:max_samples] for a in x] if isinstance(x, list) else x[:max_samples]
        y = [a[:max_samples] for a in y] if isinstance(y, list) else y[:max_samples]
    loss, metrics, why = _compiled_metrics(model, x, y, batch_size)
    note = "; ".join(notes + ([why] if why else []))
    outputs = _first(model.predict(x, batch_size=batch_size, verbose=0))
    y0 = _first(y)
    if dataset.task in ("classification", "binary"):
        y_true = _labels_from_targets(y0, dataset.one_hot)
        y_pred = labels_from_outputs(outputs)
        n = max(dataset.num_classes or 0, int(y_true.max()) + 1, int(y_pred.max()) + 1, 2)
        cm = confusion_matrix(y_true, y_pred, n)
        names = (
            dataset.class_names if dataset.class_names and len(dataset.class_names) == n else None
        )
        scores = np.asarray(outputs).reshape(len(outputs), -1)
        metrics.setdefault("accuracy", float(np.mean(y_true == y_pred)))
        return Evaluation(
            dataset.task,
            used,
            loss,
            metrics,
            y_true,
            y_pred,
            scores,
            cm,
            class_report(cm, names),
            misclassified_first(y_true, y_pred, scores),
            note=note,
        )
    y_true = np.asarray(y0, "float64").reshape(-1)
    y_pred = np.asarray(outputs, "float64").reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Predictions have {y_pred.size} values but targets have {y_true.size}; "
            "regression view needs one value per target."
        )
    residuals = y_pred - y_true
    metrics.setdefault("mae", float(np.mean(np.abs(residuals))))
    metrics.setdefault("rmse", float(np.sqrt(np.mean(residuals**2))))
    return Evaluation(
        dataset.task,
        used,
        loss,
        metrics,
        y_true,
        y_pred,
        residuals=residuals,
        order=np.argsort(-np.abs(residuals)),
        note=note,
    )


@dataclass(frozen=True)
class Projection:
    """2-D PCA coordinates of one layer's activations, with labels to colour them by."""

    layer_name: str
    points: np.ndarray
    labels: np.ndarray | None
    explained_variance_ratio: np.ndarray


def pca_2d(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project rows onto their first two principal components (numpy SVD, centred data)."""
    f = np.asarray(features, "float64").reshape(len(features), -1)
    f = f - f.mean(axis=0)
    _, s, vt = np.linalg.svd(f, full_matrices=False)
    k = min(2, vt.shape[0])
    points = np.zeros((len(f), 2))
    points[:, :k] = f @ vt[:k].T
    var = s**2
    ratio = np.zeros(2)
    if var.sum() > 0:
        ratio[:k] = var[:k] / var.sum()
    return points, ratio


def activation_projection(
    probe: ActivationProbe,
    layer_name: str,
    x,
    labels: np.ndarray | None = None,
    batch_size: int = 256,
) -> Projection:
    """PCA of ``layer_name``'s activations over the samples ``x``, in batches."""
    n = len(_first(x))
    chunks = []
    for start in range(0, n, batch_size):
        part = (
            [a[start : start + batch_size] for a in x]
            if isinstance(x, list)
            else x[start : start + batch_size]
        )
        acts = probe.run(part)
        if layer_name not in acts:
            raise KeyError(f"Layer {layer_name!r} is not in model {probe.model.name!r}.")
        chunks.append(acts[layer_name].reshape(len(acts[layer_name]), -1))
    points, ratio = pca_2d(np.concatenate(chunks))
    return Projection(layer_name, points, None if labels is None else np.asarray(labels), ratio)


def project_layer(
    model: keras.Model, dataset: Dataset, n: int, layer: str, labels: np.ndarray | None
) -> tuple[str, Projection, np.ndarray | None]:
    """The PCA tab's work: ``layer``'s activations for the first ``n`` samples in 2-D."""
    from studio.inspect.activations import probe_for

    x, _, _ = split_arrays(dataset)
    x = [a[:n] for a in x] if isinstance(x, list) else x[:n]
    return layer, activation_projection(probe_for(model), layer, x, labels), labels


def evaluate_with_projection(
    model: keras.Model, dataset: Dataset, n: int, layer: str
) -> tuple[Evaluation, tuple[str, Projection, np.ndarray | None] | None]:
    """Evaluate's work: predictions and scores, then the PCA of ``layer`` (none if empty)."""
    result = evaluate(model, dataset, max_samples=n)
    if not layer:
        return result, None
    labels = result.y_true if result.is_classification else None
    return result, project_layer(model, dataset, n, layer, labels)
