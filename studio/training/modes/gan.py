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
behind one ``PairedOptimizer`` (``gan_steps``) whose variables the JAX trainer carries.

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
from studio.training.modes.gan_steps import METRICS, GANTrainer
from studio.training.samples import SampleLog
from studio.training.settings import (
    OptimizerSettings,
    TrainingError,
    TrainingSettings,
    build_loss,
    build_optimizer,
)

log = logging.getLogger(__name__)


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
