"""Adversarial training (GAN): a generator and a discriminator in one project, trained in turn.

**How a project holds the two models.** One graph holds both as two separate chains on the
same canvas, each in its own block (a group named ``generator`` and one named
``discriminator`` in the templates): the generator runs from a latent-noise ``Input`` to an
image, the discriminator from an image ``Input`` to one real/fake score. Nothing connects the
two chains; they are told apart by their outputs — the generator is the chain whose output has
the shape of the other chain's input — or named in ``mode_options`` by their output layers
(``generator_output``, ``discriminator_output``) when the shapes alone cannot say. Compiled,
the graph is one functional model with two inputs and two outputs; :func:`split_gan` cuts it
into the two models, which share its layers, so training either trains the project.

**The step** (the course's DCGAN step, on every backend). For each batch of real images:
the discriminator is shown real images (target 1) and ``G(z)`` for fresh noise (target 0) and
takes one step of its own optimizer on ``loss(1, D(x)) + loss(0, D(G(z)))``; then the
generator takes one step of *its* optimizer on ``loss(1, D(G(z)))`` for new noise, with the
discriminator held fixed. Both optimizers are built from the project's optimizer settings
(the template: Adam(1e-4) each); ``generator_learning_rate`` / ``discriminator_learning_rate``
override one side. Logged: ``d_loss``, ``g_loss``, ``d_real`` = mean D(x) and ``d_fake`` =
mean D(G(z)) — at balance both scores drift towards 0.5.

TensorFlow and PyTorch take stateful steps (``GradientTape`` / ``backward``); JAX takes a
pure one with ``stateless_call`` and ``stateless_apply``, which is why the two optimizers sit
behind one :class:`PairedOptimizer` whose variables the JAX trainer carries as its state.

Options (``mode_options``): ``sample_every`` (epochs between grids, 1), ``samples`` (images
per grid, 16), ``sample_seed`` (0), ``rescale`` (``auto``: map data in [0, 1] to [-1, 1] when
the generator ends in tanh; ``none`` to leave the data alone), the two learning rates and the
two output names above.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import keras
import numpy as np

from studio.data.dataset import Dataset
from studio.training.modes import register_mode
from studio.training.modes.base import (
    ModeRun,
    SampleGridCallback,
    fixed_latent,
    last_activation,
    option,
)
from studio.training.samples import SampleLog
from studio.training.settings import (
    OptimizerSettings,
    TrainingError,
    TrainingSettings,
    build_loss,
    build_optimizer,
)

log = logging.getLogger(__name__)

METRICS = ("d_loss", "g_loss", "d_real", "d_fake")


def _output_name(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    return history[0].name if history else str(tensor.name)


def _shape(tensor: Any) -> tuple:
    return tuple(tensor.shape[1:])


def _chains(model: keras.Model) -> list[tuple[int, int]]:
    """(input index, output index) pairs where the output depends on that input alone."""
    pairs = []
    for j, out in enumerate(model.outputs):
        for i, inp in enumerate(model.inputs):
            try:
                keras.Model(inp, out)
            except ValueError:
                continue
            pairs.append((i, j))
    return pairs


def split_gan(model: keras.Model, options: dict[str, Any] | None = None):
    """``(generator, discriminator)`` sharing ``model``'s layers; TrainingError if it is no GAN."""
    options = options or {}
    if len(model.inputs) != 2 or len(model.outputs) != 2:
        raise TrainingError(
            "GAN training needs a graph with two separate chains — a generator (noise Input → "
            "image) and a discriminator (image Input → score) — so two inputs and two outputs; "
            f"this one has {len(model.inputs)} input(s) and {len(model.outputs)} output(s)."
        )
    chains = _chains(model)
    if len(chains) != 2 or {i for i, _ in chains} != {0, 1}:
        raise TrainingError(
            "GAN training needs the generator and the discriminator as two unconnected chains, "
            "each from its own Input to its own output; here they share layers or inputs."
        )
    names = [_output_name(out) for out in model.outputs]
    by_output = {j: i for i, j in chains}
    wanted_g, wanted_d = options.get("generator_output"), options.get("discriminator_output")
    for key, wanted in (("generator_output", wanted_g), ("discriminator_output", wanted_d)):
        if wanted is not None and wanted not in names:
            raise TrainingError(
                f"mode option `{key}` names no output of the graph; received {key}={wanted!r}, "
                f"outputs are {names}"
            )
    if wanted_g is not None or wanted_d is not None:
        g_out = names.index(wanted_g) if wanted_g is not None else 1 - names.index(wanted_d)
    else:
        fits = [
            j for j in (0, 1) if _shape(model.outputs[j]) == _shape(model.inputs[by_output[1 - j]])
        ]
        if len(fits) != 1:
            raise TrainingError(
                "Cannot tell the generator from the discriminator by their shapes (outputs "
                f"{[_shape(o) for o in model.outputs]}, inputs "
                f"{[_shape(i) for i in model.inputs]}); name the generator's output layer in "
                "the mode option `generator_output`."
            )
        g_out = fits[0]
    d_out = 1 - g_out
    g_in, d_in = by_output[g_out], by_output[d_out]
    if _shape(model.outputs[g_out]) != _shape(model.inputs[d_in]):
        raise TrainingError(
            f"The generator '{names[g_out]}' makes {_shape(model.outputs[g_out])} but the "
            f"discriminator reads {_shape(model.inputs[d_in])}; make the two shapes equal."
        )
    generator = keras.Model(model.inputs[g_in], model.outputs[g_out], name="generator")
    discriminator = keras.Model(model.inputs[d_in], model.outputs[d_out], name="discriminator")
    return generator, discriminator


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


def _optimizer(settings: TrainingSettings, learning_rate: float | None):
    if learning_rate is None:
        return build_optimizer(settings)
    params = {**settings.optimizer.params, "learning_rate": learning_rate}
    return build_optimizer(
        replace(settings, optimizer=OptimizerSettings(settings.optimizer.name, params))
    )


def _images(x: Any) -> np.ndarray:
    if isinstance(x, list):
        raise TrainingError("GAN training reads one array of real images; the data has several")
    return np.asarray(x, dtype="float32")


class GanMode:
    """``mode: "gan"`` — see the module docstring."""

    name = "gan"
    title = "Adversarial (GAN)"
    metrics = METRICS

    def check(self, model: keras.Model, dataset: Dataset) -> list[str]:
        """Problems that would stop a run, in words; empty when it can start."""
        try:
            _, discriminator = split_gan(model, {})
        except TrainingError as exc:
            return [str(exc)]
        images = dataset.x_train if not isinstance(dataset.x_train, list) else None
        want = _shape(discriminator.inputs[0])
        if images is None or tuple(images.shape[1:]) != want:
            got = "several arrays" if images is None else tuple(images.shape[1:])
            return [f"the discriminator reads images of shape {want}; the data has {got}"]
        return []

    def prepare(self, model: keras.Model, dataset: Dataset, settings: TrainingSettings) -> ModeRun:
        options = settings.mode_options
        generator, discriminator = split_gan(model, options)
        problems = self.check(model, dataset)
        if problems:
            raise TrainingError(problems[0])
        d_activation = last_activation(discriminator)
        if d_activation not in ("sigmoid", "linear", None):
            raise TrainingError(
                "The discriminator's last layer should end in sigmoid (a probability) or "
                f"nothing (a logit); it uses {d_activation!r}"
            )
        if settings.loss.name not in ("BinaryCrossentropy", "BinaryFocalCrossentropy"):
            raise TrainingError(
                "GAN training uses binary cross-entropy for both players; set the loss to "
                f"BinaryCrossentropy (received loss={settings.loss.name!r})"
            )
        build_loss(settings)  # refuses bad loss parameters with a message
        from_logits = d_activation in ("linear", None) or bool(
            settings.loss.params.get("from_logits", False)
        )
        x = _images(dataset.x_train)
        tanh = last_activation(generator) == "tanh"
        rescale = str(options.get("rescale", "auto"))
        if rescale not in ("auto", "none"):
            raise TrainingError(f"mode option `rescale` must be auto or none; received {rescale!r}")
        if rescale == "auto" and tanh and x.size and float(x.min()) >= 0.0:
            x = x * 2.0 - 1.0  # the generator draws in [-1, 1]; show it real images alike
        value_range = (-1.0, 1.0) if tanh else (0.0, 1.0)
        trainer = GANTrainer(generator, discriminator, seed=settings.seed)
        trainer.compile(
            _optimizer(settings, option(options, "discriminator_learning_rate", None, float)),
            _optimizer(settings, option(options, "generator_learning_rate", None, float)),
            settings.loss.name,
            from_logits=from_logits,
        )
        samples = SampleLog("Generated samples (fixed noise)")
        latent = fixed_latent(
            trainer.latent_shape,
            option(options, "samples", 16, int),
            option(options, "sample_seed", 0, int),
        )
        callback = SampleGridCallback(
            lambda z: generator(z, training=False),
            latent,
            samples,
            every=option(options, "sample_every", 1, int),
            value_range=value_range,
        )
        return ModeRun(
            trainer=trainer,
            x=x,
            saved_model=model,
            callbacks=[callback],
            monitor=None,  # a GAN's losses do not rank its weights; keep the last ones
            samples=samples,
            parts={"generator": generator, "discriminator": discriminator},
        )


register_mode(GanMode())
