"""How much memory training will take, against what the training device has free.

The estimate has four parts, all from the graph's checks (Keras's own shapes and parameter
counts), so it needs no compiled model and is cheap enough to show before every Train:

* parameters: every weight, at its dtype's size (float32 unless told);
* gradients: one value per trainable weight, alive during the update;
* optimizer state: slots per trainable weight (Adam keeps two moments, momentum SGD one, ...);
* activations: each layer's output for the whole batch, kept for the backward pass, plus the
  gradients flowing back through them (``ACTIVATION_FACTOR``) and the batch of data itself.

``RUNTIME_OVERHEAD`` is what the framework adds regardless of the model (the traced train
step, kernels' scratch space). It and ``ACTIVATION_FACTOR`` were fitted (TensorFlow 2.21 on
CPU) to the measured peaks of six templates (mnist_softmax, dense_autoencoder,
conv_autoencoder, mnist_cnn_bn_dropout, conv1d_activity, resnet_cifar) and checked on three
others by ``benchmarks/bench_memory.py``, which prints estimate against measurement. Free memory is the GPU's when the backend trains on one, else the machine's
available RAM.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from studio.graph import Graph

log = logging.getLogger(__name__)

MiB = 1024 * 1024
ACTIVATION_FACTOR = 1.8  # stored outputs + the gradients of them during backprop
RUNTIME_OVERHEAD = 40 * MiB  # framework scratch; measured by benchmarks/bench_memory.py
SAFETY = 0.9  # leave a tenth of the free memory to everything else

# Slots of state per trainable weight, by Keras optimizer class name.
OPTIMIZER_SLOTS: dict[str, int] = {
    "SGD": 0,
    "Adam": 2,
    "AdamW": 2,
    "Adamax": 2,
    "Nadam": 2,
    "Lamb": 2,
    "Adadelta": 2,
    "Ftrl": 2,
    "Adagrad": 1,
    "RMSprop": 1,
    "Lion": 1,
    "Adafactor": 2,
    "Muon": 2,
    "LossScaleOptimizer": 2,
}

_DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "mixed_float16": 2}


def optimizer_slots(name: str, params: dict[str, Any] | None = None) -> int:
    """State values per weight; momentum SGD and centered RMSprop keep one more."""
    params = params or {}
    slots = OPTIMIZER_SLOTS.get(name, 2)
    if name == "SGD" and float(params.get("momentum", 0.0) or 0.0) > 0:
        slots = 1
    if name == "RMSprop":
        slots += int(bool(params.get("centered"))) + int(
            float(params.get("momentum", 0.0) or 0.0) > 0
        )
    if params.get("amsgrad"):
        slots += 1
    return slots


@dataclass(frozen=True)
class DeviceMemory:
    """Free bytes on the device that will train, and what that device is."""

    free: int | None
    device: str  # "GPU ..." or "RAM"


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes each part takes for ``batch_size``; ``free`` is ``None`` when unknown."""

    batch_size: int
    parameters: int
    gradients: int
    optimizer_state: int
    activations: int
    data: int
    overhead: int
    per_sample: int  # activation + data bytes one more sample adds
    free: int | None = None
    device: str = "RAM"

    @property
    def fixed(self) -> int:
        """What does not grow with the batch."""
        return self.parameters + self.gradients + self.optimizer_state + self.overhead

    @property
    def total(self) -> int:
        return self.fixed + self.activations + self.data

    @property
    def fits(self) -> bool | None:
        return None if self.free is None else self.total <= self.free * SAFETY

    @property
    def largest_batch(self) -> int | None:
        """The largest batch whose estimate fits in the free memory (0: not even one)."""
        if self.free is None or self.per_sample <= 0:
            return None
        room = self.free * SAFETY - self.fixed
        return max(0, int(room // self.per_sample))

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_size": self.batch_size,
            "parameters": self.parameters,
            "gradients": self.gradients,
            "optimizer_state": self.optimizer_state,
            "activations": self.activations,
            "data": self.data,
            "overhead": self.overhead,
            "total": self.total,
            "free": self.free,
            "device": self.device,
            "fits": self.fits,
            "largest_batch": self.largest_batch,
        }

    def describe(self) -> str:
        """One line for the Train tab."""
        parts = (
            f"params {mib(self.parameters)}, optimizer {mib(self.optimizer_state)}, "
            f"gradients {mib(self.gradients)}, activations {mib(self.activations + self.data)}"
        )
        text = f"Memory for batch {self.batch_size}: ~{mib(self.total)} ({parts})"
        if self.free is not None:
            text += f" of {mib(self.free)} free {self.device}"
        return text


def mib(value: int | float) -> str:
    if value >= 1024 * MiB:
        return f"{value / (1024 * MiB):.2f} GiB"
    return f"{value / MiB:.1f} MiB"


def _elements(shape: tuple[int | None, ...]) -> int:
    return math.prod(d for d in shape[1:] if d is not None) if len(shape) > 1 else 1


def estimate_memory(
    graph: Graph,
    batch_size: int,
    optimizer: str = "Adam",
    optimizer_params: dict[str, Any] | None = None,
    *,
    analysis: Any = None,
    dtype: str = "float32",
    device: DeviceMemory | None = None,
) -> MemoryEstimate:
    """Estimate training memory of ``graph`` at ``batch_size``.

    ``analysis`` is the graph's ``Analysis`` when the caller already has one (the editor
    does); layers the checks could not size count as zero.
    """
    if analysis is None:
        from studio.checks import Analyzer

        analysis = Analyzer(graph).analysis()
    width = _DTYPE_BYTES.get(dtype, 4)
    params = analysis.total_params
    trainable = analysis.trainable_params
    outputs = 0
    data = 0
    for node in graph.nodes:
        info = analysis.infos.get(node.id)
        if info is None:
            continue
        size = sum(_elements(tuple(o.shape)) for o in info.outputs)
        if node.type == "Input":
            data += size
        else:
            outputs += size
    per_sample_act = int(outputs * width * ACTIVATION_FACTOR)
    per_sample_data = data * width
    return MemoryEstimate(
        batch_size=batch_size,
        parameters=params * width,
        gradients=trainable * width,
        optimizer_state=trainable * width * optimizer_slots(optimizer, optimizer_params),
        activations=per_sample_act * batch_size,
        data=per_sample_data * batch_size,
        overhead=RUNTIME_OVERHEAD,
        per_sample=per_sample_act + per_sample_data,
        free=device.free if device is not None else None,
        device=device.device if device is not None else "RAM",
    )


def estimate_for_settings(
    graph: Graph, settings: Any, *, analysis: Any = None, device: DeviceMemory | None = None
) -> MemoryEstimate:
    """``estimate_memory`` with batch size and optimizer from ``TrainingSettings``."""
    return estimate_memory(
        graph,
        settings.batch_size,
        settings.optimizer.name,
        settings.optimizer.params,
        analysis=analysis,
        device=device,
    )


# ----- free memory ------------------------------------------------------------------------------
def available_ram() -> int | None:
    """Bytes the OS could give this process now without swapping."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        log.debug("no free-RAM figure on this system", exc_info=True)
        return None


def _gpu_free_jax() -> DeviceMemory | None:
    import jax

    device = jax.devices()[0]
    if device.platform == "cpu":
        return None
    stats = device.memory_stats() or {}
    limit, used = stats.get("bytes_limit"), stats.get("bytes_in_use", 0)
    if limit is None:
        return None
    return DeviceMemory(int(limit - used), f"GPU ({getattr(device, 'device_kind', 'GPU')})")


def _gpu_free_torch() -> DeviceMemory | None:
    import torch

    if not torch.cuda.is_available():
        return None
    free, _total = torch.cuda.mem_get_info(0)
    return DeviceMemory(int(free), f"GPU ({torch.cuda.get_device_name(0)})")


def gpu_free_from_smi(gpu_line: str, apps: str, own_pid: int, own_use: int) -> tuple[int, str]:
    """Free bytes on GPU 0 for this process, from ``nvidia-smi`` output.

    TensorFlow reserves most of the card for itself up front, so the driver's "free" figure
    says nothing about room for training: the card's total minus what other processes use
    minus what this process actually holds (``own_use``) does.
    ``gpu_line`` is ``"TOTAL_MIB, NAME"``; ``apps`` holds ``"PID, USED_MIB"`` lines.
    """
    total_text, name = (part.strip() for part in gpu_line.split(",", 1))
    others = 0
    for line in apps.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            if int(parts[0]) != own_pid:
                others += int(parts[1]) * MiB
    return max(0, int(total_text) * MiB - others - own_use), name


def _gpu_free_tensorflow() -> DeviceMemory | None:
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        return None
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None

    def query(*args: str) -> str:
        return subprocess.run(
            [smi, *args, "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout

    gpu_line = query("--query-gpu=memory.total,name", "--id=0").splitlines()[0]
    apps = query("--query-compute-apps=pid,used_memory")
    try:
        own = int(tf.config.experimental.get_memory_info("GPU:0").get("current", 0))
    except ValueError:  # no GPU op has run yet: nothing held
        own = 0
    free, name = gpu_free_from_smi(gpu_line, apps, os.getpid(), own)
    return DeviceMemory(free, f"GPU ({name})")


def device_memory() -> DeviceMemory:
    """Free memory of the device the active backend trains on (GPU if any, else RAM)."""
    import keras

    probes = {
        "tensorflow": _gpu_free_tensorflow,
        "jax": _gpu_free_jax,
        "torch": _gpu_free_torch,
    }
    probe = probes.get(keras.backend.backend())
    if probe is not None:
        try:
            gpu = probe()
            if gpu is not None:
                return gpu
        except Exception:  # noqa: BLE001 - no GPU figure: fall back to RAM
            log.debug("could not read free GPU memory", exc_info=True)
    return DeviceMemory(available_ram(), "RAM")


__all__ = [
    "ACTIVATION_FACTOR",
    "DeviceMemory",
    "MemoryEstimate",
    "RUNTIME_OVERHEAD",
    "available_ram",
    "device_memory",
    "estimate_for_settings",
    "estimate_memory",
    "mib",
    "optimizer_slots",
]
