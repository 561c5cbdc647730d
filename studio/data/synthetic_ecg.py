"""ECG-like heartbeats, normal and abnormal, for anomaly detection by reconstruction error.

Each sample is one beat of 140 steps (the length of the ECG5000 beats the course uses), scaled
to [0, 1]: a P wave, the QRS complex and a T wave as Gaussian bumps with beat-to-beat jitter in
timing, height and width, on a wandering baseline with noise. Abnormal beats break the rhythm
the way the course's anomalous classes do: a missing or inverted T wave, a widened QRS, an
ST elevation, or an extra (premature) beat. An autoencoder trained on normal beats only
reconstructs them well and the abnormal ones badly, so the reconstruction error separates them.

The set is for reconstruction: the training part holds normal beats only (targets = inputs);
the validation part mixes normal and abnormal beats, and ``metadata["val_labels"]`` says which
is which (0 normal, 1 abnormal).
"""

from __future__ import annotations

import numpy as np

from studio.data.dataset import Dataset

BEAT_LENGTH = 140
ABNORMAL_KINDS = ("no_t_wave", "inverted_t", "wide_qrs", "st_elevation", "premature_beat")
CLASS_NAMES = ["normal", "abnormal"]


def _bump(t: np.ndarray, centre: np.ndarray, width: np.ndarray, height: np.ndarray) -> np.ndarray:
    return height[:, None] * np.exp(-0.5 * ((t[None, :] - centre[:, None]) / width[:, None]) ** 2)


def make_beats(
    n: int, abnormal_fraction: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(beats (n, 140) in [0, 1], labels (n,) 0/1, kind index (n,), -1 for normal)``."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, BEAT_LENGTH, dtype=np.float64)
    labels = (rng.random(n) < abnormal_fraction).astype(np.int64)
    kinds = np.where(labels == 1, rng.integers(0, len(ABNORMAL_KINDS), n), -1)

    def jitter(mean: float, spread: float) -> np.ndarray:
        return mean + rng.normal(0.0, spread, n)

    qrs_width = jitter(0.012, 0.0015)
    t_height = jitter(0.35, 0.04)
    st = np.zeros(n)
    wide = kinds == ABNORMAL_KINDS.index("wide_qrs")
    qrs_width[wide] *= rng.uniform(2.5, 3.5, wide.sum())
    t_height[kinds == ABNORMAL_KINDS.index("no_t_wave")] = 0.0
    inverted = kinds == ABNORMAL_KINDS.index("inverted_t")
    t_height[inverted] = -np.abs(t_height[inverted])
    elevated = kinds == ABNORMAL_KINDS.index("st_elevation")
    st[elevated] = rng.uniform(0.2, 0.3, elevated.sum())

    r_at = jitter(0.35, 0.01)
    x = _bump(t, jitter(0.2, 0.01), jitter(0.025, 0.003), jitter(0.15, 0.02))  # P
    x -= _bump(t, r_at - 0.03, qrs_width, jitter(0.15, 0.02))  # Q
    x += _bump(t, r_at, qrs_width, jitter(1.0, 0.06))  # R
    x -= _bump(t, r_at + 0.03, qrs_width, jitter(0.25, 0.03))  # S
    x += _bump(t, jitter(0.62, 0.015), jitter(0.05, 0.005), t_height)  # T
    segment = (t[None, :] > r_at[:, None] + 0.04) & (t[None, :] < r_at[:, None] + 0.22)
    x += st[:, None] * segment
    premature = kinds == ABNORMAL_KINDS.index("premature_beat")
    if premature.any():
        k = premature.sum()
        x[premature] += _bump(t, rng.uniform(0.8, 0.88, k), np.full(k, 0.018), np.full(k, 0.8))
    baseline = 0.05 * np.sin(2 * np.pi * (t[None, :] * rng.uniform(0.5, 1.5, (n, 1))))
    x += baseline * rng.uniform(0.0, 1.0, (n, 1)) + rng.normal(0.0, 0.015, x.shape)
    lo, hi = -0.6, 1.4  # one fixed scale for every beat, so amplitudes stay comparable
    beats = np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)
    return beats, labels, kinds


def load_ecg(size: int | None = None, seed: int = 0, description: str = "") -> Dataset:
    """``size`` beats (default 2,500): 80% normal ones to train on, the rest to validate on
    with 40% abnormal beats among them."""
    n = int(size or 2500)
    n_val = max(2, n // 5)
    train, _, _ = make_beats(n - n_val, 0.0, seed)
    val, labels, kinds = make_beats(n_val, 0.4, seed + 1)
    return Dataset(
        name="ecg",
        x_train=train,
        y_train=train,
        x_val=val,
        y_val=val,
        task="reconstruction",
        description=description,
        metadata={
            "source": "bundled",
            "val_labels": labels,
            "val_kinds": kinds,
            "label_names": list(CLASS_NAMES),
            "abnormal_kinds": list(ABNORMAL_KINDS),
        },
    )


__all__ = ["ABNORMAL_KINDS", "BEAT_LENGTH", "load_ecg", "make_beats"]
