"""Small sets for the classic networks: a 1-D noisy sine for RBF regression and CartPole
states for the DQN templates (whose real data is the environment itself)."""

from __future__ import annotations

import numpy as np

CARTPOLE_ACTIONS = ["push left", "push right"]


def make_sine_curve(n: int, seed: int = 0, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``x`` uniform in [-π, π] → ``sin(x)`` plus Gaussian noise: the textbook RBF regression."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, (n, 1)).astype(np.float32)
    y = (np.sin(x) + rng.normal(0.0, noise, x.shape)).astype(np.float32)
    return x, y


def make_cartpole_states(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``n`` CartPole-v1 states met while playing at random, each labelled with the action of
    a hand-written balancing rule (push towards where the pole falls: angle + ½·angular
    velocity). The DQN mode plays the environment itself; these states let the data and
    inspect views show what the Q-network sees, and train an imitation baseline."""
    import gymnasium

    env = gymnasium.make("CartPole-v1")
    rng = np.random.default_rng(seed)
    states = []
    state, _ = env.reset(seed=seed)
    while len(states) < n:
        states.append(state)
        state, _, terminated, truncated, _ = env.step(int(rng.integers(2)))
        if terminated or truncated:
            state, _ = env.reset(seed=int(rng.integers(1 << 31)))
    env.close()
    x = np.asarray(states, dtype=np.float32)
    y = (x[:, 2] + 0.5 * x[:, 3] > 0).astype(np.int64)
    return x, y, list(CARTPOLE_ACTIONS)
