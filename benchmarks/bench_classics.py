"""Train the classic-network templates in their own training modes and print what they reach,
each beside a baseline measured in the same run:

* RBF sine regression: validation MSE, vs always predicting the training mean;
* SOM on Iris (and digits): quantisation error, vs the same map before training (PCA start);
* DBN on digits: held-out accuracy (the 20 % validation split the model never trains on),
  vs the same network fine-tuned from random weights without RBM pretraining;
* DQN on CartPole-v1: episodes until the 100-episode mean reward reaches 195 (or the best
  100-episode mean within the episode budget), vs a random policy's mean reward.

    python benchmarks/bench_classics.py                       # all but the dueling DQN
    python benchmarks/bench_classics.py dbn_digits --out benchmarks/classic_results.json
    python templates/build_all.py rbf_sine ... --accuracy-from benchmarks/classic_results.json

``--out`` writes ``expected_accuracy`` records in ``bench_templates.py``'s format.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

DEFAULT = ["rbf_sine", "rbf_iris", "som_iris", "som_digits", "dbn_digits", "dqn_cartpole"]
ALL = [*DEFAULT, "dueling_dqn_cartpole"]


def _prepare(name: str, seed: int):
    import keras

    from studio.compile.compiler import compile_graph
    from studio.data import DatasetRef, load
    from studio.gallery.templates import new_from_template
    from studio.training.settings import TrainingSettings

    keras.utils.set_random_seed(seed)
    project = new_from_template(name)
    settings = replace(TrainingSettings.from_dict(project.training), seed=seed)
    ref = DatasetRef.from_dict(project.dataset)
    return compile_graph(project.graph), load(ref), settings, ref.label


def _train(model, data, settings):
    from studio.training.engine import TrainingEngine

    start = time.perf_counter()
    result = TrainingEngine().run(model, data, settings)
    if not result.ok:
        raise SystemExit(f"training failed: {result.message}")
    return result, time.perf_counter() - start


def _record(metric: str, value: float, settings, label: str, data, seconds: float, **extra):
    return {
        "metric": metric,
        "value": round(float(value), 4),
        "epochs": settings.epochs,
        "dataset": label,
        "train_samples": int(data.num_train),
        "seconds": round(seconds, 1),
        "device": "CPU",
        **extra,
    }


def bench_rbf(name: str, seed: int) -> dict[str, Any]:
    model, data, settings, label = _prepare(name, seed)
    result, seconds = _train(model, data, settings)
    if name == "rbf_sine":
        mse = float(np.mean((model.predict(data.x_val, verbose=0) - data.y_val) ** 2))
        baseline = float(np.mean((data.y_train.mean() - data.y_val) ** 2))
        print(f"{name}: validation MSE {mse:.5f} vs {baseline:.4f} predicting the mean "
              f"({baseline / mse:.0f}x lower; noise floor 0.0025) in {seconds:.1f} s")  # fmt: skip
        return _record("val_mse", mse, settings, label, data, seconds, baseline_mse=baseline)
    acc = result.record.final_metrics["val_accuracy"]
    chance = np.bincount(data.y_val).max() / len(data.y_val)
    print(f"{name}: val_accuracy {acc:.4f} vs {chance:.3f} for the commonest class "
          f"in {seconds:.1f} s")  # fmt: skip
    return _record("val_accuracy", acc, settings, label, data, seconds)


def bench_som(name: str, seed: int) -> dict[str, Any]:
    from studio.layers.som import SelfOrganizingMap
    from studio.training.modes.som import grid_of, initial_prototypes, quantization_error

    model, data, settings, label = _prepare(name, seed)
    layer = next(lay for lay in model.layers if isinstance(lay, SelfOrganizingMap))
    x = data.x_train.reshape(len(data.x_train), -1)
    start = initial_prototypes(x, layer.rows, layer.columns, "pca", np.random.default_rng(seed))
    before = quantization_error(x, start)
    result, seconds = _train(model, data, settings)
    qe = result.record.final_metrics["quantization_error"]
    te = result.record.final_metrics["topographic_error"]
    assert grid_of(layer.rows, layer.columns).shape[0] == layer.units
    print(f"{name}: quantisation error {qe:.4f} (untrained map {before:.4f}, "
          f"{before / qe:.1f}x lower), topographic error {te:.3f} in {seconds:.1f} s")  # fmt: skip
    return _record("quantization_error", qe, settings, label, data, seconds,
                   topographic_error=round(te, 4), untrained_quantization_error=round(before, 4))  # fmt: skip


def bench_dbn(name: str, seed: int) -> dict[str, Any]:
    model, data, settings, label = _prepare(name, seed)
    _, seconds = _train(model, data, settings)
    acc = float(model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)["accuracy"])
    plain, _, _, _ = _prepare(name, seed)
    _train(plain, data, replace(settings, mode="supervised", mode_options={}))
    base = float(plain.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)["accuracy"])
    print(f"{name}: held-out accuracy {acc:.4f} (target >= 0.95) vs {base:.4f} without RBM "
          f"pretraining, same epochs, in {seconds:.1f} s")  # fmt: skip
    return _record("val_accuracy", acc, settings, label, data, seconds,
                   without_pretraining=round(base, 4))  # fmt: skip


def _random_policy_mean(episodes: int = 100, seed: int = 0) -> float:
    import gymnasium

    env = gymnasium.make("CartPole-v1")
    rng = np.random.default_rng(seed)
    totals = []
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
            total += reward
            done = terminated or truncated
        totals.append(total)
    return float(np.mean(totals))


def bench_dqn(name: str, seed: int, episodes: int | None) -> dict[str, Any]:
    from studio.training.modes.dqn import play_episode

    model, data, settings, label = _prepare(name, seed)
    if episodes:
        settings = replace(settings, epochs=episodes)
    result, seconds = _train(model, data, settings)
    rows = result.record.epochs
    means = [row["reward_mean_100"] for row in rows]
    solved = next((i + 1 for i, m in enumerate(means) if i >= 99 and m >= 195), None)
    best = max(means[9:] or means)
    greedy = [play_episode(model, seed=10_000 + i).reward for i in range(10)]
    random_mean = _random_policy_mean()
    steps = sum(row["samples"] for row in rows)
    what = f"solved after {solved} episodes" if solved else f"not solved in {len(rows)} episodes"
    print(f"{name}: {what}; best 100-episode mean {best:.1f}; trained greedy policy "
          f"{np.mean(greedy):.1f} over 10 episodes vs {random_mean:.1f} for a random policy; "
          f"{steps} steps in {seconds:.1f} s")  # fmt: skip
    if solved:
        return _record("episodes_to_mean_195", solved, settings, label, data, seconds,
                       greedy_reward=float(np.mean(greedy)), random_reward=random_mean)  # fmt: skip
    return _record("best_mean_100_reward", best, settings, label, data, seconds,
                   greedy_reward=float(np.mean(greedy)), random_reward=random_mean)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"templates to measure (default: {DEFAULT})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=None, help="DQN episode budget")
    parser.add_argument("--out", type=Path, default=None, help="results.json to update")
    args = parser.parse_args(argv)
    names = args.names or DEFAULT
    unknown = sorted(set(names) - set(ALL))
    if unknown:
        parser.error(f"unknown template(s) {unknown}; known: {', '.join(ALL)}")
    results: dict[str, Any] = {}
    if args.out is not None and args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    for name in names:
        if name.startswith("rbf"):
            record = bench_rbf(name, args.seed)
        elif name.startswith("som"):
            record = bench_som(name, args.seed)
        elif name.startswith("dbn"):
            record = bench_dbn(name, args.seed)
        else:
            record = bench_dqn(name, args.seed, args.episodes)
        sys.stdout.flush()
        results[name] = {"expected_accuracy": record}
        if args.out is not None:
            args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
