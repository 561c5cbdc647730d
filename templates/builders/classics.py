"""The course's classic networks, built from the studio's own layers (``studio.layers``):
RBF networks, self-organising maps, a deep belief network of RBMs and DQN Q-networks.

Each trains in its own mode (``training["mode"]``, see ``studio.training.modes``): k-means
centres then ``fit`` for RBF, competitive learning for the SOM, CD-k pretraining then
fine-tuning for the DBN, Q-learning on CartPole for DQN. ``benchmarks/bench_classics.py``
measures them (``bench_templates.py`` measures plain ``fit`` and skips them).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from studio.layers.dueling import DuelingQ
from studio.layers.rbf import RBF
from studio.layers.rbm import RBM
from studio.layers.som import SelfOrganizingMap
from templates.builders import TemplateInfo, bundled, classify, regress, template, training

SOURCE = "course material: classic networks (RBF, SOM, RBM/DBN, DQN)"


def _mode(settings: dict[str, Any], mode: str, **options: Any) -> dict[str, Any]:
    return {**settings, "mode": mode, "mode_options": dict(options)}


def _extra(mode: str, family: str) -> dict[str, Any]:
    return {"training_mode": mode, "family": family}


@template(
    TemplateInfo(
        name="rbf_sine",
        title="RBF network: sine regression",
        description="x → 12 Gaussian RBF units → Dense(1) fits sin(x) on [-π, π] from noisy "
        "samples. The rbf mode places the centres by k-means on the inputs and sets each "
        "width from its cluster, then fit learns the output weights and the widths. "
        "The Classic view draws the centres over the data and the fitted curve.",
        task="tabular",
        dataset=bundled("sine_curve"),
        params=37,
        training=_mode(regress(100, 32, learning_rate=0.01), "rbf"),
        source=SOURCE,
        extra=_extra("rbf", "RBF network"),
    )
)
def rbf_sine() -> keras.Model:
    inputs = keras.Input((1,), name="x")
    x = RBF(12, name="rbf")(inputs)
    outputs = layers.Dense(1, name="output")(x)
    return keras.Model(inputs, outputs, name="rbf_sine")


@template(
    TemplateInfo(
        name="rbf_iris",
        title="RBF network: Iris classification",
        description="4 measurements → 12 Gaussian RBF units (k-means centres) → Dense(3, "
        "softmax). The Classic view projects flowers and centres onto the first two "
        "principal components.",
        task="tabular",
        dataset=bundled("iris"),
        params=99,
        training=_mode(classify(100, 16, learning_rate=0.05), "rbf", width_scale=1.5),
        source=SOURCE,
        real_dataset="sklearn:iris",
        extra=_extra("rbf", "RBF network"),
    )
)
def rbf_iris() -> keras.Model:
    inputs = keras.Input((4,), name="features")
    x = RBF(12, name="rbf")(inputs)
    outputs = layers.Dense(3, activation="softmax", name="species")(x)
    return keras.Model(inputs, outputs, name="rbf_iris")


@template(
    TemplateInfo(
        name="som_iris",
        title="Self-organising map: Iris",
        description="An 8×8 Kohonen map of the 4 Iris measurements, trained by competitive "
        "learning with a shrinking neighbourhood (no gradients). The plots show "
        "quantisation and topographic error per epoch; the Classic view shows the "
        "U-matrix, the hit map coloured by species and one component plane per feature.",
        task="tabular",
        dataset=bundled("iris"),
        params=256,
        training=_mode(training("MeanSquaredError", 40, 16, metrics=()), "som"),
        source=SOURCE,
        real_dataset="sklearn:iris",
        extra=_extra("som", "self-organising map"),
    )
)
def som_iris() -> keras.Model:
    inputs = keras.Input((4,), name="features")
    outputs = SelfOrganizingMap(8, 8, name="som")(inputs)
    return keras.Model(inputs, outputs, name="som_iris")


@template(
    TemplateInfo(
        name="som_digits",
        title="Self-organising map: handwritten digits",
        description="A 12×12 map of the 8×8 digit images (64 pixels each): similar digits "
        "land on neighbouring units. Each unit's prototype is drawn as an image in the "
        "Classic view, beside the U-matrix and the hit map coloured by digit.",
        task="images",
        dataset=bundled("digits"),
        params=9_216,
        training=_mode(training("MeanSquaredError", 10, 64, metrics=()), "som"),
        source=SOURCE,
        real_dataset="sklearn:digits",
        extra=_extra("som", "self-organising map"),
    )
)
def som_digits() -> keras.Model:
    inputs = keras.Input((8, 8, 1), name="image")
    x = layers.Flatten(name="pixels")(inputs)
    outputs = SelfOrganizingMap(12, 12, name="som")(x)
    return keras.Model(inputs, outputs, name="som_digits")


@template(
    TemplateInfo(
        name="dbn_digits",
        title="Deep belief network: digits",
        description="64 pixels → RBM(256) → RBM(128) → Dense(10, softmax). The rbm mode "
        "pretrains the RBMs greedily, one after the other, by contrastive divergence "
        "(CD-1; reconstruction error plotted per RBM), then fine-tunes the whole stack "
        "as a classifier. The Classic view shows each RBM's learned filters as images.",
        task="images",
        dataset=bundled("digits"),
        params=51_146,
        training=_mode(
            classify(40, 32, learning_rate=1e-2), "rbm", pretrain_epochs=15, learning_rate=0.05
        ),
        source=SOURCE,
        real_dataset="sklearn:digits",
        extra=_extra("rbm", "deep belief network"),
    )
)
def dbn_digits() -> keras.Model:
    inputs = keras.Input((8, 8, 1), name="image")
    x = layers.Flatten(name="pixels")(inputs)
    x = RBM(256, name="rbm_1")(x)
    x = RBM(128, name="rbm_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="dbn_digits")


_DQN_TRAINING = _mode(
    training("Huber", 600, 64, learning_rate=1e-3, metrics=()),
    "dqn",
    double=True,
    epsilon_decay_steps=5_000,
    target_update=250,
)


@template(
    TemplateInfo(
        name="dqn_cartpole",
        title="Double DQN: CartPole",
        description="The Q-network maps CartPole's 4 state values through Dense(64) → "
        "Dense(64) to one Q-value per action (left, right). The dqn mode plays "
        "CartPole-v1 with experience replay, a target network, epsilon-greedy "
        "exploration and Double DQN targets; one epoch is one episode. The training "
        "panel plots each episode's reward with its 100-episode mean; the Classic view "
        "replays an episode of the trained policy.",
        task="tabular",
        dataset=bundled("cartpole"),
        params=4_610,
        training=_DQN_TRAINING,
        source=SOURCE,
        trains_by_default=False,
        real_dataset="gymnasium:CartPole-v1",
        extra=_extra("dqn", "deep Q-network"),
    )
)
def dqn_cartpole() -> keras.Model:
    inputs = keras.Input((4,), name="state")
    x = layers.Dense(64, activation="relu", name="dense")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_1")(x)
    outputs = layers.Dense(2, name="q_values")(x)
    return keras.Model(inputs, outputs, name="dqn_cartpole")


@template(
    TemplateInfo(
        name="dueling_dqn_cartpole",
        title="Dueling Double DQN: CartPole",
        description="The DQN CartPole network with a DuelingQ head: a value stream V(s) and an "
        "advantage stream A(s, a), combined as Q = V + A − mean A, trained by the same "
        "dqn mode with Double DQN targets.",
        task="tabular",
        dataset=bundled("cartpole"),
        params=4_675,
        training=_DQN_TRAINING,
        source=SOURCE,
        trains_by_default=False,
        real_dataset="gymnasium:CartPole-v1",
        extra=_extra("dqn", "deep Q-network"),
    )
)
def dueling_dqn_cartpole() -> keras.Model:
    inputs = keras.Input((4,), name="state")
    x = layers.Dense(64, activation="relu", name="dense")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_1")(x)
    outputs = DuelingQ(2, name="q_values")(x)
    return keras.Model(inputs, outputs, name="dueling_dqn_cartpole")
