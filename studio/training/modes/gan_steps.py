"""The adversarial train step on each backend, behind one ``keras.Model`` that ``fit`` runs.

TensorFlow and PyTorch take stateful steps (``GradientTape`` / ``backward``); JAX takes a
pure one with ``stateless_call`` and ``stateless_apply``, which is why the two optimizers sit
behind one :class:`PairedOptimizer` whose variables the JAX trainer carries as its state.
See ``studio.training.modes.gan`` for the step itself and how a project holds the two models.
"""

from __future__ import annotations

from typing import Any

import keras

from studio.training.settings import TrainingError

METRICS = ("d_loss", "g_loss", "d_real", "d_fake")


class PairedOptimizer(keras.optimizers.Optimizer):
    """The discriminator's and the generator's optimizers seen as one by ``compile``.

    The trainer steps each itself; this object exists so the JAX trainer, which carries
    ``optimizer.variables`` through its pure train step, carries both optimizers' state.
    """

    def __init__(self, d_optimizer, g_optimizer, d_variables, g_variables, **kwargs) -> None:
        super().__init__(learning_rate=0.0, name="paired_optimizer", **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self._d_vars = d_variables
        self._g_vars = g_variables

    def build(self, var_list) -> None:  # noqa: ARG002 - each side builds on its own model
        if not self.d_optimizer.built:
            self.d_optimizer.build(self._d_vars)
        if not self.g_optimizer.built:
            self.g_optimizer.build(self._g_vars)
        self.built = True

    @property
    def variables(self):
        return [*self.d_optimizer.variables, *self.g_optimizer.variables]

    def get_config(self):
        return {"name": self.name}


def _bce(target: float, probability, from_logits: bool):
    loss = keras.losses.binary_crossentropy(
        keras.ops.full_like(probability, target), probability, from_logits=from_logits
    )
    return keras.ops.mean(loss)


class GANTrainer(keras.Model):
    """Trains ``generator`` against ``discriminator``; ``fit(images)`` runs the adversarial step."""

    def __init__(self, generator, discriminator, seed: int | None = None, **kwargs) -> None:
        super().__init__(name="gan_trainer", **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_shape = tuple(int(d) for d in generator.inputs[0].shape[1:])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in METRICS}
        self.d_loss_fn = self.g_loss_fn = None
        self.from_logits = False
        self.built = True

    def compile(self, d_optimizer, g_optimizer, loss, from_logits: bool = False) -> None:
        super().compile(
            optimizer=PairedOptimizer(
                d_optimizer,
                g_optimizer,
                self.discriminator.trainable_variables,
                self.generator.trainable_variables,
            )
        )
        self.loss_name = loss
        self.from_logits = from_logits

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training: bool = False):
        return self.discriminator(self.generator(inputs, training=training), training=training)

    # -- shared arithmetic ---------------------------------------------------------------
    def _noise(self, batch):
        return keras.random.normal((batch, *self.latent_shape), seed=self.seed_generator)

    def _scores(self, logits):
        return keras.ops.sigmoid(logits) if self.from_logits else logits

    def _d_loss(self, real_scores, fake_scores):
        return _bce(1.0, real_scores, self.from_logits) + _bce(0.0, fake_scores, self.from_logits)

    def _g_loss(self, fake_scores):
        return _bce(1.0, fake_scores, self.from_logits)

    def _logs(self, d_loss, g_loss, real_scores, fake_scores) -> dict[str, Any]:
        values = {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": keras.ops.mean(self._scores(real_scores)),
            "d_fake": keras.ops.mean(self._scores(fake_scores)),
        }
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # -- one step ------------------------------------------------------------------------
    def train_step(self, *args):
        backend = keras.backend.backend()
        if backend == "jax":
            return self._jax_step(*args)
        if backend == "tensorflow":
            return self._tf_step(*args)
        if backend == "torch":
            return self._torch_step(*args)
        raise TrainingError(f"GAN training does not support the {backend!r} backend")

    @staticmethod
    def _real(data):
        return data[0] if isinstance(data, (tuple, list)) else data

    def _tf_step(self, data):
        import tensorflow as tf

        real = self._real(data)
        batch = keras.ops.shape(real)[0]
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator(self._noise(batch), training=True)
            real_scores = self.discriminator(real, training=True)
            fake_scores = self.discriminator(fake, training=True)
            d_loss = self._d_loss(real_scores, fake_scores)
        self.optimizer.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)
        with tf.GradientTape() as tape:
            scores = self.discriminator(
                self.generator(self._noise(batch), training=True), training=True
            )
            g_loss = self._g_loss(scores)
        self.optimizer.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)
        return self._logs(d_loss, g_loss, real_scores, fake_scores)

    def _torch_step(self, data):
        import torch

        real = self._real(data)
        batch = keras.ops.shape(real)[0]
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        self.zero_grad()
        fake = self.generator(self._noise(batch), training=True)
        real_scores = self.discriminator(real, training=True)
        fake_scores = self.discriminator(fake.detach(), training=True)
        d_loss = self._d_loss(real_scores, fake_scores)
        d_loss.backward()
        with torch.no_grad():
            self.optimizer.d_optimizer.apply([v.value.grad for v in d_vars], d_vars)
        self.zero_grad()
        scores = self.discriminator(
            self.generator(self._noise(batch), training=True), training=True
        )
        g_loss = self._g_loss(scores)
        g_loss.backward()
        with torch.no_grad():
            self.optimizer.g_optimizer.apply([v.value.grad for v in g_vars], g_vars)
        return self._logs(
            d_loss.detach(), g_loss.detach(), real_scores.detach(), fake_scores.detach()
        )

    def _jax_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_vars, metrics_vars = state
        real = self._real(data)
        batch = real.shape[0]
        t_index = {id(v): k for k, v in enumerate(self.trainable_variables)}
        n_index = {id(v): k for k, v in enumerate(self.non_trainable_variables)}

        def pick(values, index, variables):
            return [values[index[id(v)]] for v in variables]

        def put(values, index, variables, new):
            values = list(values)
            for v, value in zip(variables, new, strict=True):
                values[index[id(v)]] = value
            return values

        g, d = self.generator, self.discriminator
        with keras.StatelessScope(
            state_mapping=list(zip(self.non_trainable_variables, non_trainable))
        ) as scope:
            noise_d, noise_g = self._noise(batch), self._noise(batch)
        non_trainable = [scope.get_current_value(v) for v in self.non_trainable_variables]

        def d_loss_fn(d_t, d_n, g_t, g_n):
            fake, g_n = g.stateless_call(g_t, g_n, noise_d, training=True)
            real_scores, d_n = d.stateless_call(d_t, d_n, real, training=True)
            fake_scores, d_n = d.stateless_call(d_t, d_n, fake, training=True)
            return self._d_loss(real_scores, fake_scores), (d_n, g_n, real_scores, fake_scores)

        (d_loss, (d_n, g_n, real_scores, fake_scores)), d_grads = jax.value_and_grad(
            d_loss_fn, has_aux=True
        )(
            pick(trainable, t_index, d.trainable_variables),
            pick(non_trainable, n_index, d.non_trainable_variables),
            pick(trainable, t_index, g.trainable_variables),
            pick(non_trainable, n_index, g.non_trainable_variables),
        )
        split = len(self.optimizer.d_optimizer.variables)
        d_opt, g_opt = optimizer_vars[:split], optimizer_vars[split:]
        d_t, d_opt = self.optimizer.d_optimizer.stateless_apply(
            d_opt, d_grads, pick(trainable, t_index, d.trainable_variables)
        )
        trainable = put(trainable, t_index, d.trainable_variables, d_t)

        def g_loss_fn(g_t, g_n, d_n):
            fake, g_n = g.stateless_call(g_t, g_n, noise_g, training=True)
            scores, d_n = d.stateless_call(d_t, d_n, fake, training=True)
            return self._g_loss(scores), (g_n, d_n)

        (g_loss, (g_n, d_n)), g_grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
            pick(trainable, t_index, g.trainable_variables), g_n, d_n
        )
        g_t, g_opt = self.optimizer.g_optimizer.stateless_apply(
            g_opt, g_grads, pick(trainable, t_index, g.trainable_variables)
        )
        trainable = put(trainable, t_index, g.trainable_variables, g_t)
        non_trainable = put(non_trainable, n_index, g.non_trainable_variables, g_n)
        non_trainable = put(non_trainable, n_index, d.non_trainable_variables, d_n)
        with keras.StatelessScope(
            state_mapping=list(zip(self.metrics_variables, metrics_vars))
        ) as scope:
            logs = self._logs(d_loss, g_loss, real_scores, fake_scores)
        metrics_vars = [scope.get_current_value(v) for v in self.metrics_variables]
        return logs, (trainable, non_trainable, [*d_opt, *g_opt], metrics_vars)

    def test_step(self, *args):
        raise TrainingError("GAN training has no validation step; set validation_split to 0")
