"""The VAE's reparameterisation step as a layer: ``z = μ + exp(½·log σ²)·ε``, ε ~ N(0, I).

Sampling this way keeps the path from the encoder's outputs to ``z`` differentiable, so the
encoder learns through the random draw. It draws while training; at inference (``predict``,
validation, export checks) it passes ``z_mean`` through unless ``always_sample`` is set, so a
trained VAE reconstructs an input the same way every time — random images come from the
decoder fed random codes. The layer holds no weights; its random state is a
Keras ``SeedGenerator`` so the same graph trains on TensorFlow, JAX and PyTorch. The KL term
that pulls the code towards N(0, I) is part of the VAE training mode
(``studio.training.modes.vae``), which finds this layer's two inputs in the model; a model
that uses the layer outside that mode still runs, trained only on what its loss says.
"""

from __future__ import annotations

import keras

from studio.layers.registry import studio_layer


@studio_layer(
    "Generative",
    help="VAE reparameterisation: z = z_mean + exp(z_log_var / 2) · ε with ε ~ N(0, 1). "
    "Connect the encoder's mean to the first port and its log-variance to the second.",
    key_params=("seed", "always_sample"),
    inputs=("z_mean", "z_log_var"),
)
class Sampling(keras.layers.Layer):
    """Draws a latent code from N(z_mean, exp(z_log_var)) with the reparameterisation trick."""

    def __init__(self, seed: int | None = None, always_sample: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.always_sample = bool(always_sample)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"`seed` must be a whole number or None; received seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "Sampling takes two inputs, [z_mean, z_log_var]; "
                f"received {len(inputs) if isinstance(inputs, (list, tuple)) else 1}"
            )
        z_mean, z_log_var = inputs
        if not (training or self.always_sample):
            return z_mean + 0.0 * z_log_var  # both inputs stay in the graph
        epsilon = keras.random.normal(keras.ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        mean_shape, log_var_shape = input_shape
        if tuple(mean_shape[1:]) != tuple(log_var_shape[1:]):
            raise ValueError(
                "Sampling needs z_mean and z_log_var of the same shape; received "
                f"{tuple(mean_shape)} and {tuple(log_var_shape)}"
            )
        return mean_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "always_sample": self.always_sample}
