"""Which device the active Keras backend trains on, in words a user recognises.

Only the active backend is imported: asking JAX about GPUs while TensorFlow trains would load a
second framework and may grab GPU memory.
"""

from __future__ import annotations

import logging

import keras

log = logging.getLogger(__name__)


def _tensorflow_device() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(gpus[0])
    return str(details.get("device_name", gpus[0].name))


def _jax_device() -> str:
    import jax

    device = jax.devices()[0]
    if device.platform == "cpu":
        return "CPU"
    return str(getattr(device, "device_kind", device.platform.upper()))


def _torch_device() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "Apple MPS"
    return "CPU"


def backend_name() -> str:
    """The Keras backend in use ("tensorflow", "jax" or "torch")."""
    return keras.backend.backend()


def describe_device() -> str:
    """ "CPU" or the first accelerator's name; never raises, since it only labels the UI."""
    probes = {"tensorflow": _tensorflow_device, "jax": _jax_device, "torch": _torch_device}
    probe = probes.get(keras.backend.backend())
    if probe is None:
        return "CPU"
    try:
        return probe()
    except Exception:  # noqa: BLE001 - a label must not break training
        log.debug("describe_device: handled exception", exc_info=True)
        return "unknown device"
