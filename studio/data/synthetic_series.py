"""Sequence and token sets generated with numpy, for recurrent, 1-D conv and Embedding models.

Each generator is seeded and returns ``(x, y)`` plus class names where there are classes.
"""

from __future__ import annotations

import numpy as np

WAVE_NAMES = ["sine", "square", "sawtooth"]
SENTIMENT_NAMES = ["negative", "positive"]

# Token ids: 0 pads, 1..10 are "positive" words, 11..20 "negative", the rest neutral.
POSITIVE_TOKENS = np.arange(1, 11)
NEGATIVE_TOKENS = np.arange(11, 21)


def make_sine_windows(n: int, seed: int = 0, window: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Windows of a noisy sine with random frequency, phase and amplitude -> the next value.

    Each window comes from its own wave, so a model has to read the period from the window
    instead of memorising one curve.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(window + 1, dtype=np.float32)[None]
    freq = rng.uniform(0.05, 0.25, (n, 1)).astype(np.float32)
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1)).astype(np.float32)
    amp = rng.uniform(0.5, 1.5, (n, 1)).astype(np.float32)
    wave = amp * np.sin(2 * np.pi * freq * t + phase)
    wave = wave + rng.normal(0.0, 0.05, wave.shape).astype(np.float32)
    x = wave[:, :window, None].astype(np.float32)
    y = wave[:, window:].astype(np.float32)
    return x, y


def make_waveforms(
    n: int, seed: int = 0, steps: int = 64
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sine, square and sawtooth waves with random period, phase, amplitude and noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(WAVE_NAMES), n)
    t = np.arange(steps, dtype=np.float32)[None]
    period = rng.uniform(8.0, 32.0, (n, 1)).astype(np.float32)
    phase = rng.uniform(0.0, 1.0, (n, 1)).astype(np.float32)
    amp = rng.uniform(0.5, 1.5, (n, 1)).astype(np.float32)
    cycle = (t / period + phase) % 1.0
    waves = np.stack(
        [np.sin(2 * np.pi * cycle), np.where(cycle < 0.5, 1.0, -1.0), 2.0 * cycle - 1.0]
    )
    x = amp * waves[y, np.arange(n)]
    x = x + rng.normal(0.0, 0.15, x.shape)
    return x[..., None].astype(np.float32), y.astype(np.int64), WAVE_NAMES


def make_token_sentiment(
    n: int, seed: int = 0, length: int = 20, vocab_size: int = 100
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Token sequences labelled positive when they hold more positive than negative words.

    Sequences have random lengths and are padded with 0 at the end, like tokenised text. The
    label is decided by counts, so order-blind models (Embedding + pooling) can learn it too.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = np.zeros((n, length), dtype=np.int32)
    for i in range(n):
        used = int(rng.integers(length // 2, length + 1))
        winners = int(rng.integers(1, 5))
        losers = int(rng.integers(0, winners))
        pos, neg = (winners, losers) if y[i] == 1 else (losers, winners)
        words = np.concatenate(
            [
                rng.choice(POSITIVE_TOKENS, pos),
                rng.choice(NEGATIVE_TOKENS, neg),
                rng.integers(21, vocab_size, used - pos - neg),
            ]
        )
        x[i, :used] = rng.permutation(words)
    return x, y.astype(np.int64), SENTIMENT_NAMES
