"""Training modes for the classic networks, each for a few steps through the real engine:
k-means RBF centres, SOM competitive learning, CD-k and DBN fine-tuning, DQN; plus the
session's pause/stop and the options' error messages."""

from __future__ import annotations

import threading

import keras
import numpy as np
import pytest

from studio.data.bundled import load_bundled
from studio.data.dataset import Dataset
from studio.layers.rbf import RBF
from studio.layers.rbm import RBM
from studio.layers.som import SelfOrganizingMap
from studio.training.engine import TrainingEngine, TrainingListener
from studio.training.modes import mode_names
from studio.training.modes.dqn import DQNOptions, ReplayBuffer, epsilon_at, td_targets
from studio.training.modes.rbf import kmeans_centres
from studio.training.modes.som import grid_of, quantization_error, topographic_error
from studio.training.settings import TrainingSettings


def _settings(**changes) -> TrainingSettings:
    base = {"loss": {"name": "MeanSquaredError", "params": {}}, "metrics": [], "epochs": 2,
            "batch_size": 32, "seed": 0}  # fmt: skip
    return TrainingSettings.from_dict({**base, **changes})


def _blobs(n: int = 300) -> Dataset:
    rng = np.random.default_rng(0)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0]], dtype="float32")
    y = rng.integers(0, 3, n)
    x = (centres[y] + rng.normal(0, 0.3, (n, 2))).astype("float32")
    return Dataset("blobs", x, y, class_names=["a", "b", "c"])


def test_every_classic_mode_is_registered() -> None:
    assert {"rbf", "som", "rbm", "dqn"} <= set(mode_names())


def test_kmeans_finds_the_clusters_and_sizes_widths_by_their_spread() -> None:
    data = _blobs()
    centres, widths = kmeans_centres(data.x_train, 3)
    found = sorted(map(tuple, np.round(centres)))
    assert found == [(-4.0, 0.0), (0.0, 5.0), (4.0, 0.0)]
    # RMS radius of a 2-D Gaussian with sigma 0.3 is 0.3 * sqrt(2)
    np.testing.assert_allclose(widths, 0.3 * np.sqrt(2), rtol=0.2)


def test_rbf_mode_puts_kmeans_centres_then_fits() -> None:
    keras.utils.set_random_seed(0)  # the output layer's start decides how fast 3 epochs go
    data = _blobs()
    inputs = keras.Input((2,))
    # Fixed centres (the two-stage RBF network): what fit trains is the widths and the output.
    rbf = RBF(3, trainable_centers=False)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(rbf(inputs)))
    settings = _settings(
        epochs=6, mode="rbf", loss={"name": "SparseCategoricalCrossentropy", "params": {}},
        optimizer={"name": "Adam", "params": {"learning_rate": 0.05}}, metrics=["accuracy"],
    )  # fmt: skip
    result = TrainingEngine().run(model, data, settings)
    assert result.status == "completed", result.message
    assert "k-means placed 3 centres" in result.message
    centres = sorted(map(tuple, keras.ops.convert_to_numpy(rbf.centers).tolist()))
    np.testing.assert_allclose(centres, [(-4.0, 0.0), (0.0, 5.0), (4.0, 0.0)], atol=0.1)
    assert [row["epoch"] for row in result.record.epochs] == [1, 2, 3, 4, 5, 6]
    assert result.record.final_metrics["accuracy"] > 0.9


def test_rbf_mode_without_an_rbf_layer_says_what_to_add() -> None:
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    result = TrainingEngine().run(model, _blobs(), _settings(mode="rbf"))
    assert result.status == "failed" and "no RBF layer" in result.message


def test_som_mode_orders_the_map_and_reports_both_errors_every_epoch() -> None:
    data = load_bundled("iris")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, SelfOrganizingMap(5, 5, name="som")(inputs))
    settings = _settings(epochs=4, batch_size=16, mode="som", mode_options={"init": "samples"})
    result = TrainingEngine().run(model, data, settings)
    assert result.status == "completed", result.message
    rows = result.record.epochs
    assert [row["epoch"] for row in rows] == [1, 2, 3, 4]
    for row in rows:
        assert {"quantization_error", "topographic_error", "val_quantization_error",
                "val_topographic_error"} <= set(row)  # fmt: skip
        assert 0 <= row["topographic_error"] <= 1
    assert rows[-1]["quantization_error"] < rows[0]["quantization_error"]
    prototypes = np.asarray(model.layers[1].prototypes)
    assert quantization_error(data.x_train, prototypes) == pytest.approx(
        rows[-1]["quantization_error"], rel=1e-5
    )


def test_topographic_error_counts_samples_whose_two_best_units_are_not_neighbours() -> None:
    grid = grid_of(1, 3)  # three units in a row: 0 - 1 - 2
    prototypes = np.array([[0.0], [10.0], [1.0]], dtype="float32")
    # 0.4: best unit 0, second unit 2 (two cells apart); 9.0: best 1, second 2 (adjacent)
    x = np.array([[0.4], [9.0]], dtype="float32")
    assert topographic_error(x, prototypes, grid) == pytest.approx(0.5)


@pytest.mark.slow
def test_rbm_mode_lowers_reconstruction_error_then_fine_tunes_numbered_after() -> None:
    data = load_bundled("digits", size=400)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(inputs)
    x = RBM(32, name="rbm_1")(x)
    x = RBM(16, name="rbm_2")(x)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    settings = _settings(
        epochs=2, mode="rbm", mode_options={"pretrain_epochs": 3, "learning_rate": 0.1},
        loss={"name": "SparseCategoricalCrossentropy", "params": {}}, metrics=["accuracy"],
    )  # fmt: skip
    result = TrainingEngine().run(model, data, settings)
    assert result.status == "completed", result.message
    rows = result.record.epochs
    assert [row["epoch"] for row in rows] == list(range(1, 9))
    first = [row["rbm_1_reconstruction_error"] for row in rows[:3]]
    assert first[-1] < first[0]
    assert "rbm_2_reconstruction_error" in rows[3] and "loss" in rows[6] and "loss" in rows[7]
    assert "then fine-tuned" in result.message


def test_rbm_refuses_inputs_outside_zero_to_one() -> None:
    rng = np.random.default_rng(0)
    data = Dataset("wide", rng.normal(0, 3, (64, 5)).astype("float32"), rng.integers(0, 2, 64))
    inputs = keras.Input((5,))
    model = keras.Model(inputs, RBM(3, name="rbm")(inputs))
    result = TrainingEngine().run(model, data, _settings(mode="rbm",
                                                         mode_options={"fine_tune": False}))  # fmt: skip
    assert result.status == "failed"
    assert "RBM 'rbm'" in result.message and "0..1" in result.message


def test_double_dqn_targets_use_the_online_choice_and_the_target_value() -> None:
    q = np.zeros((2, 2), "float32")
    q_next_target = np.array([[1.0, 5.0], [2.0, 3.0]], "float32")
    q_next_online = np.array([[9.0, 0.0], [0.0, 9.0]], "float32")
    args = (np.array([0, 1]), np.array([1.0, 1.0], "float32"), np.array([0.0, 1.0], "float32"))
    plain = td_targets(q, q_next_target, None, *args, gamma=0.5)
    double = td_targets(q, q_next_target, q_next_online, *args, gamma=0.5)
    np.testing.assert_allclose(plain, [[1 + 0.5 * 5, 0], [0, 1.0]])  # max; terminal: r only
    np.testing.assert_allclose(double, [[1 + 0.5 * 1, 0], [0, 1.0]])  # online picks action 0


def test_replay_buffer_wraps_around_and_epsilon_falls_linearly() -> None:
    buffer = ReplayBuffer(3, 1)
    for i in range(5):
        buffer.add([i], 0, float(i), [i + 1], False)
    assert buffer.size == 3 and sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0]
    options = DQNOptions(epsilon_start=1.0, epsilon_end=0.1, epsilon_decay_steps=10)
    assert [epsilon_at(s, options) for s in (0, 5, 10, 20)] == pytest.approx([1, 0.55, 0.1, 0.1])


def _q_network(out: int = 2) -> keras.Model:
    inputs = keras.Input((4,))
    x = keras.layers.Dense(16, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(out)(x))


def test_dqn_mode_plays_episodes_and_reports_reward_and_its_mean() -> None:
    settings = _settings(
        epochs=4, batch_size=16, mode="dqn", loss={"name": "Huber", "params": {}},
        mode_options={"learning_starts": 30, "target_update": 20, "max_steps": 60},
    )  # fmt: skip
    model = _q_network()
    result = TrainingEngine().run(model, load_bundled("cartpole", size=50), settings)
    assert result.status == "completed", result.message
    rows = result.record.epochs
    assert len(rows) == 4
    assert all(1 <= row["reward"] <= 60 for row in rows)
    assert rows[-1]["reward_mean_100"] == pytest.approx(np.mean([r["reward"] for r in rows]))
    assert "loss" in rows[-1] and rows[0]["epsilon"] > rows[-1]["epsilon"]
    assert "Double DQN" in result.message


def test_dqn_mode_names_the_shapes_a_q_network_needs() -> None:
    settings = _settings(mode="dqn", loss={"name": "Huber", "params": {}})
    result = TrainingEngine().run(_q_network(out=3), load_bundled("cartpole", size=50), settings)
    assert result.status == "failed"
    assert "(4,) to (3,)" in result.message and "2 units" in result.message


@pytest.mark.parametrize(
    ("mode", "options", "text"),
    [
        ("nonsense", {}, "Unknown training mode 'nonsense'; known: supervised"),
        ("som", {"radius": 2}, "Unknown option 'radius' for training mode 'som'"),
        ("som", {"learning_rate": "fast"}, "must be a float; received learning_rate='fast'"),
        ("som", {"init": "grid"}, "received init='grid'"),
        ("dqn", {"gamma": 1.5}, "received gamma=1.5"),
        ("rbm", {"cd_k": 0}, "received cd_k=0"),
    ],
)
def test_bad_mode_or_option_fails_the_run_naming_it(mode, options, text) -> None:
    inputs = keras.Input((4,))
    model = keras.Model(inputs, SelfOrganizingMap(2, 2)(inputs))
    result = TrainingEngine().run(
        model, load_bundled("iris"), _settings(mode=mode, mode_options=options)
    )
    assert result.status == "failed" and text in result.message


def test_stop_ends_a_mode_run_after_the_current_epoch() -> None:
    engine = TrainingEngine()
    engine.listener = TrainingListener(on_epoch_end=lambda *a: engine.stop())
    inputs = keras.Input((4,))
    model = keras.Model(inputs, SelfOrganizingMap(3, 3)(inputs))
    result = engine.run(model, load_bundled("iris"), _settings(epochs=5, mode="som"))
    assert result.status == "stopped" and len(result.record.epochs) == 1


def test_pause_holds_a_mode_run_until_resumed_and_says_so() -> None:
    seen_paused = threading.Event()
    engine = TrainingEngine(progress_interval=0.0)

    def on_batch(progress, _logs) -> None:
        if progress.paused:
            seen_paused.set()
            threading.Timer(0.05, engine.resume).start()

    def on_epoch_end(epoch, *_args) -> None:
        if epoch == 1:
            engine.pause()

    engine.listener = TrainingListener(on_batch=on_batch, on_epoch_end=on_epoch_end)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, SelfOrganizingMap(3, 3)(inputs))
    result = engine.run(model, load_bundled("iris"), _settings(epochs=2, mode="som"))
    assert seen_paused.is_set()
    assert result.status == "completed" and len(result.record.epochs) == 2
