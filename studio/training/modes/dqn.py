"""The ``dqn`` training mode: deep Q-learning on a gymnasium environment (CartPole-v1 by
default), with the project's graph as the Q-network (state in, one Q-value per action out).

* Experience replay: transitions go into a ring buffer of ``buffer_size``; each learning step
  fits a random mini-batch of ``batch_size`` of them, which breaks the correlation between
  consecutive steps.
* Target network: a copy of the Q-network, refreshed every ``target_update`` environment
  steps, gives the bootstrap targets r + γ·max_a' Q_target(s', a'), so the targets do not chase
  the weights being trained.
* Epsilon-greedy: a random action with probability ε, which falls linearly from
  ``epsilon_start`` to ``epsilon_end`` over ``epsilon_decay_steps`` steps.
* ``double`` (Double DQN, van Hasselt et al. 2016): the online network picks a' and the target
  network scores it, which removes max-operator overestimation.
* Dueling DQN is an architecture: end the Q-network with a ``DuelingQ`` layer (palette, Classic
  networks) instead of ``Dense(actions)``; this mode trains either.

An epoch is one episode; its metrics are the episode's reward, the mean reward of the last 100
episodes, epsilon and the mean TD loss. With ``stop_when_solved`` the run ends once that mean
reaches ``solved_reward``; with ``keep_best`` the model ends with the weights it had when the
100-episode mean was highest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.layers.dueling import DuelingQ
from studio.training.modes import register_mode
from studio.training.modes.session import ModeSession, layers_of, positive, read_options
from studio.training.settings import TrainingError, TrainingSettings, compile_model

log = logging.getLogger(__name__)
DEFAULT_ENVIRONMENT = "CartPole-v1"
WINDOW = 100


@dataclass(frozen=True)
class DQNOptions:
    environment: str = ""  # empty: the dataset's environment, else CartPole-v1
    gamma: float = 0.99
    buffer_size: int = 50_000
    learning_starts: int = 1_000
    train_every: int = 1
    target_update: int = 500
    epsilon_start: float = 1.0
    epsilon_end: float = 0.02
    epsilon_decay_steps: int = 10_000
    double: bool = True
    max_steps: int = 500
    solved_reward: float = 195.0
    stop_when_solved: bool = True
    keep_best: bool = True

    def validate(self) -> None:
        for name in ("buffer_size", "train_every", "target_update", "epsilon_decay_steps",
                     "max_steps"):  # fmt: skip
            positive(name, getattr(self, name), "dqn")
        for name in ("gamma", "epsilon_start", "epsilon_end"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise TrainingError(
                    f"Option {name!r} of training mode 'dqn' must be in [0, 1]; "
                    f"received {name}={value!r}"
                )


@dataclass
class ReplayBuffer:
    """Fixed-size ring of transitions (s, a, r, s', terminal) as numpy arrays."""

    capacity: int
    state_size: int
    size: int = 0
    _next: int = 0
    states: np.ndarray = field(init=False)
    actions: np.ndarray = field(init=False)
    rewards: np.ndarray = field(init=False)
    next_states: np.ndarray = field(init=False)
    terminal: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.states = np.zeros((self.capacity, self.state_size), "float32")
        self.next_states = np.zeros((self.capacity, self.state_size), "float32")
        self.actions = np.zeros(self.capacity, "int64")
        self.rewards = np.zeros(self.capacity, "float32")
        self.terminal = np.zeros(self.capacity, "float32")

    def add(self, state, action: int, reward: float, next_state, terminal: bool) -> None:
        i = self._next
        self.states[i], self.actions[i], self.rewards[i] = state, action, reward
        self.next_states[i], self.terminal[i] = next_state, float(terminal)
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        idx = rng.integers(0, self.size, n)
        return (self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx],
                self.terminal[idx])  # fmt: skip


def epsilon_at(step: int, options: DQNOptions) -> float:
    fraction = min(1.0, step / options.epsilon_decay_steps)
    return options.epsilon_start + fraction * (options.epsilon_end - options.epsilon_start)


def td_targets(
    q: np.ndarray,
    q_next_target: np.ndarray,
    q_next_online: np.ndarray | None,
    actions: np.ndarray,
    rewards: np.ndarray,
    terminal: np.ndarray,
    gamma: float,
) -> np.ndarray:
    """Q-values to fit: ``q`` with the taken action's entry set to the TD target.

    With ``q_next_online`` (Double DQN) the online network chooses the next action and the
    target network values it; without, the target network does both (max).
    """
    if q_next_online is not None:
        best = np.argmax(q_next_online, axis=1)
        next_value = q_next_target[np.arange(len(best)), best]
    else:
        next_value = q_next_target.max(axis=1)
    targets = np.array(q, dtype="float32", copy=True)
    targets[np.arange(len(actions)), actions] = rewards + gamma * (1.0 - terminal) * next_value
    return targets


def environment_name(options: DQNOptions, dataset: Dataset | None) -> str:
    if options.environment:
        return options.environment
    meta = getattr(dataset, "metadata", None) or {}
    return str(meta.get("environment") or DEFAULT_ENVIRONMENT)


def make_environment(name: str, render_mode: str | None = None):
    import gymnasium

    try:
        return gymnasium.make(name, render_mode=render_mode)
    except Exception as exc:  # noqa: BLE001 - gymnasium raises several kinds for a bad name
        log.debug("gymnasium.make(%r) failed", name, exc_info=True)
        raise TrainingError(f"Environment {name!r} could not be created: {exc}") from None


def check_network(model: keras.Model, env) -> tuple[int, int]:
    """(state size, actions) after checking that the model maps one to the other."""
    import gymnasium

    obs, act = env.observation_space, env.action_space
    if not isinstance(act, gymnasium.spaces.Discrete) or len(obs.shape or ()) != 1:
        raise TrainingError("DQN needs an environment with vector states and discrete actions.")
    state_size, actions = int(obs.shape[0]), int(act.n)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise TrainingError("A Q-network has one input (the state) and one output (Q-values).")
    got_in, got_out = tuple(model.inputs[0].shape[1:]), tuple(model.outputs[0].shape[1:])
    if got_in != (state_size,) or got_out != (actions,):
        raise TrainingError(
            f"The Q-network maps {got_in} to {got_out}; {env.spec.id} needs ({state_size},) "
            f"states to ({actions},) Q-values, one per action. Set the Input shape to "
            f"[{state_size}] and the last layer to {actions} units."
        )
    return state_size, actions


@dataclass(frozen=True)
class Episode:
    """One greedy run of a policy: the states seen (first included), actions and the reward."""

    environment: str
    states: np.ndarray
    actions: np.ndarray
    reward: float


def play_episode(
    model: keras.Model, environment: str = DEFAULT_ENVIRONMENT, seed: int = 0, max_steps: int = 500
) -> Episode:
    """Run the greedy policy of ``model`` for one episode (no exploration, no learning)."""
    env = make_environment(environment)
    check_network(model, env)
    state, _ = env.reset(seed=seed)
    states, actions, total = [state], [], 0.0
    for _ in range(max_steps):
        q = np.asarray(model.predict_on_batch(state[None].astype("float32")))
        action = int(np.argmax(q[0]))
        state, reward, terminated, truncated, _ = env.step(action)
        states.append(state)
        actions.append(action)
        total += float(reward)
        if terminated or truncated:
            break
    env.close()
    return Episode(environment, np.asarray(states, "float32"), np.asarray(actions), total)


class DQNMode:
    name = "dqn"
    options_type = DQNOptions
    title = "deep Q-learning"
    checks_targets = False  # the environment is the data

    def run(
        self, model: keras.Model, dataset: Dataset, settings: TrainingSettings, session: ModeSession
    ) -> str:
        options = read_options(DQNOptions, settings)
        env = make_environment(environment_name(options, dataset))
        try:
            return self._train(model, env, settings, options, session)
        finally:
            env.close()

    def _train(self, model, env, settings, options, session) -> str:
        state_size, actions = check_network(model, env)
        compile_model(model, settings)
        target = keras.models.clone_model(model)
        target.set_weights(model.get_weights())
        buffer = ReplayBuffer(options.buffer_size, state_size)
        rng = np.random.default_rng(settings.seed)
        session.plan(settings.epochs)
        rewards: list[float] = []
        best_mean = -np.inf
        step = 0
        solved_at: int | None = None
        for episode in range(settings.epochs):
            session.start_epoch(options.max_steps)
            seed = None if settings.seed is None else settings.seed + episode
            state, _ = env.reset(seed=seed)
            total, losses, epsilon = 0.0, [], epsilon_at(step, options)
            for t in range(options.max_steps):
                epsilon = epsilon_at(step, options)
                if rng.random() < epsilon:
                    action = int(rng.integers(actions))
                else:
                    q = model.predict_on_batch(np.asarray(state, "float32")[None])
                    action = int(np.argmax(np.asarray(q)[0]))
                next_state, reward, terminated, truncated, _ = env.step(action)
                buffer.add(state, action, float(reward), next_state, terminated)
                state = next_state
                total += float(reward)
                step += 1
                if step >= options.learning_starts and step % options.train_every == 0:
                    losses.append(self._learn(model, target, buffer, settings, options, rng))
                if step % options.target_update == 0:
                    target.set_weights(model.get_weights())
                if not session.step(t + 1) or terminated or truncated:
                    break
            rewards.append(total)
            mean = float(np.mean(rewards[-WINDOW:]))
            metrics = {"reward": total, f"reward_mean_{WINDOW}": mean, "epsilon": epsilon}
            if losses:
                metrics["loss"] = float(np.mean(losses))
            session.end_epoch(metrics, t + 1)
            if len(rewards) >= min(WINDOW, 10) and mean > best_mean:
                best_mean = mean
                session.best_weights = model.get_weights()
            if session.stop_requested:
                break
            if len(rewards) >= WINDOW and mean >= options.solved_reward and solved_at is None:
                solved_at = episode + 1
                if options.stop_when_solved:
                    break
        if options.keep_best and session.best_weights is not None:
            model.set_weights(session.best_weights)
        variant = ("Double " if options.double else "") + (
            "Dueling " if layers_of(model, DuelingQ) else ""
        )
        if solved_at is not None:
            return (
                f"{variant}DQN solved {env.spec.id} after {solved_at} episodes "
                f"({WINDOW}-episode mean ≥ {options.solved_reward:g})."
            )
        best = best_mean if np.isfinite(best_mean) else float(np.mean(rewards or [0.0]))
        return f"{variant}DQN best {WINDOW}-episode mean reward {best:.1f}."

    @staticmethod
    def _learn(model, target, buffer, settings, options, rng) -> float:
        s, a, r, s2, done = buffer.sample(settings.batch_size, rng)
        if options.double:
            both = np.asarray(model.predict_on_batch(np.concatenate([s, s2])))
            q, q_next_online = both[: len(s)], both[len(s) :]
        else:
            q, q_next_online = np.asarray(model.predict_on_batch(s)), None
        q_next_target = np.asarray(target.predict_on_batch(s2))
        y = td_targets(q, q_next_target, q_next_online, a, r, done, options.gamma)
        logs = model.train_on_batch(s, y, return_dict=True)
        return float(logs["loss"])


register_mode(DQNMode())
