"""Training on several devices or machines with the engines Keras already has.

``distribution_scope(kind)`` is the one entry point: the model must be built, compiled and
trained inside the ``with`` block, exactly as ``studio train --distribute`` does. Each backend
keeps its own mechanism rather than one of ours, so a run behaves like the Keras guides say:

- TensorFlow: ``tf.distribute.MirroredStrategy`` (every local GPU, or every logical CPU when
  ``STUDIO_LOGICAL_CPUS`` asks for them) and ``MultiWorkerMirroredStrategy`` driven by
  ``TF_CONFIG``. The batch size stays *global*: Keras splits each batch across the replicas and
  averages the loss, so a run matches a single-device run on the same batches.
- JAX: ``keras.distribution.DataParallel`` over every device, set with ``set_distribution`` and
  put back on exit; ``multiworker`` first calls ``keras.distribution.initialize`` (which starts
  ``jax.distributed``) from ``KERAS_DISTRIBUTION_*`` variables or, failing those, ``TF_CONFIG``.
- torch: refused with a message naming the alternatives.

Every refusal is a ``DistributeError`` whose message is one line a user can act on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

import keras

DistributeKind = Literal["mirrored", "multiworker"]
KINDS: tuple[str, ...] = ("mirrored", "multiworker")
LOGICAL_CPUS_ENV = "STUDIO_LOGICAL_CPUS"
_KERAS_ENV = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)
_TF_CONFIG_EXAMPLE = (
    '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
    '"task": {"type": "worker", "index": 0}}'
)

# tf.distribute's exported names for classes whose Python names differ.
_PUBLIC_NAMES = {"CollectiveAllReduceStrategy": "MultiWorkerMirroredStrategy"}

log = logging.getLogger(__name__)


class DistributeError(ValueError):
    """Distributed training cannot start as asked; the message says why and what to do."""


@dataclass(frozen=True)
class DistributionInfo:
    """Where a distributed run trains: what a log line or a run record needs to show."""

    backend: str
    strategy: str
    replicas: int
    workers: int
    devices: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.devices[:8]) + (", ..." if len(self.devices) > 8 else "")
        workers = f" across {self.workers} workers" if self.workers > 1 else ""
        return (
            f"{self.strategy} ({self.backend}): {self.replicas} "
            f"replica{'s' if self.replicas != 1 else ''}{workers} on {shown}"
        )


# ----- TF_CONFIG ------------------------------------------------------------------------------
def read_tf_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Parse and check ``TF_CONFIG`` so a typo fails here, not as a hang in gRPC later."""
    environ = os.environ if environ is None else environ
    raw = environ.get("TF_CONFIG", "").strip()
    if not raw:
        raise DistributeError(
            "multiworker training needs TF_CONFIG describing the cluster, "
            f"e.g. TF_CONFIG='{_TF_CONFIG_EXAMPLE}'"
        )
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DistributeError(
            f"TF_CONFIG is not valid JSON ({exc.msg} at character "
            f"{exc.pos}); expected e.g. '{_TF_CONFIG_EXAMPLE}'"
        ) from None
    if not isinstance(config, dict):
        raise DistributeError(f"TF_CONFIG must be a JSON object; received {raw[:80]!r}")
    cluster = config.get("cluster")
    if not isinstance(cluster, dict) or not cluster:
        raise DistributeError(
            f"TF_CONFIG has no \"cluster\" object listing the workers, e.g. '{_TF_CONFIG_EXAMPLE}'"
        )
    for job, addresses in cluster.items():
        if (
            not isinstance(addresses, list)
            or not addresses
            or not all(isinstance(a, str) and _is_address(a) for a in addresses)
        ):
            raise DistributeError(
                f"TF_CONFIG cluster job {job!r} must be a non-empty list of "
                f'"host:port" strings; received {addresses!r}'
            )
    if "worker" not in cluster and "chief" not in cluster:
        raise DistributeError(
            'TF_CONFIG cluster must have a "worker" (or "chief") job; '
            f"received jobs {sorted(cluster)}"
        )
    task = config.get("task")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise DistributeError(
            'TF_CONFIG needs a "task" with "type" and "index" saying '
            "which worker this machine is, e.g. "
            '{"type": "worker", "index": 0}'
        )
    job, index = task["type"], task["index"]
    if job not in cluster:
        raise DistributeError(
            f"TF_CONFIG task type {job!r} is not a job in the cluster {sorted(cluster)}"
        )
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(cluster[job]):
        raise DistributeError(
            f"TF_CONFIG task index must be an integer from 0 to "
            f"{len(cluster[job]) - 1} for job {job!r}; received "
            f"index={index!r}"
        )
    return config


def _is_address(text: str) -> bool:
    host, sep, port = text.rpartition(":")
    return bool(sep and host and port.isdigit() and 0 < int(port) < 65536)


# ----- TensorFlow -----------------------------------------------------------------------------
def _configure_logical_cpus_tf(tf: Any) -> None:
    """Split the CPU into ``STUDIO_LOGICAL_CPUS`` devices: a GPU-free rehearsal of mirroring.

    TensorFlow fixes its devices the first time it uses one, so this only works when it runs
    before any tensor was made; afterwards the request is refused rather than ignored.
    """
    count = _logical_cpu_request()
    if count is None:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == count:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        raise DistributeError(
            f"{LOGICAL_CPUS_ENV}={count} came too late: TensorFlow had "
            "already set up its devices; set it before starting the "
            "process"
        ) from None


def _logical_cpu_request() -> int | None:
    raw = os.environ.get(LOGICAL_CPUS_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise DistributeError(
            f"{LOGICAL_CPUS_ENV} must be a positive integer; received {LOGICAL_CPUS_ENV}={raw!r}"
        )
    return int(raw)


def _mirrored_strategy() -> Any:
    import tensorflow as tf

    _configure_logical_cpus_tf(tf)
    if tf.config.list_logical_devices("GPU"):
        return tf.distribute.MirroredStrategy()
    # Without GPUs, MirroredStrategy would use one CPU; several logical CPUs mean the user
    # asked (through STUDIO_LOGICAL_CPUS) to mirror across them.
    cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices=cpus)


def _multiworker_strategy() -> Any:
    import tensorflow as tf

    read_tf_config()

    class _KerasFriendlyMultiWorker(tf.distribute.MultiWorkerMirroredStrategy):
        """``MultiWorkerMirroredStrategy`` with ``reduce`` working the way Keras 3 calls it.

        Keras 3's TF trainer (keras-team/keras#20585) reduces a whole ``(x, y)`` batch at once
        to learn its shapes, and reduces scalar metrics with ``axis=0``; the collective
        strategy accepts neither. Reducing leaf by leaf, with no axis for scalars, is what
        both calls mean, and leaves every other use of ``reduce`` unchanged.
        """

        def reduce(self, reduce_op: Any, value: Any, axis: int | None = None) -> Any:
            parent = super().reduce

            def one(leaf: Any) -> Any:
                rank = self.experimental_local_results(leaf)[0].shape.rank
                return parent(reduce_op, leaf, axis if axis is None or rank else None)

            return tf.nest.map_structure(one, value)

    try:
        return _KerasFriendlyMultiWorker()
    except (ValueError, RuntimeError) as exc:
        raise DistributeError(
            f"multiworker training could not start: {str(exc).splitlines()[0]}"
        ) from None


# ----- JAX ------------------------------------------------------------------------------------
_jax_initialized = False


def _configure_logical_cpus_jax() -> None:
    """The JAX counterpart of logical CPUs: XLA's host device count, read when JAX starts."""
    count = _logical_cpu_request()
    if count is None:
        return
    flag = f"--xla_force_host_platform_device_count={count}"
    flags = os.environ.get("XLA_FLAGS", "")
    if flag not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {flag}".strip()


def _initialize_jax_cluster() -> None:
    """Join the JAX cluster once per process, from Keras's variables or from ``TF_CONFIG``."""
    global _jax_initialized
    if _jax_initialized:
        return
    if all(name in os.environ for name in _KERAS_ENV):
        keras.distribution.initialize()
    elif os.environ.get("TF_CONFIG", "").strip():
        config = read_tf_config()
        workers = [*config["cluster"].get("chief", []), *config["cluster"].get("worker", [])]
        task = config["task"]
        process_id = task["index"] + (
            len(config["cluster"].get("chief", [])) if task["type"] == "worker" else 0
        )
        keras.distribution.initialize(
            job_addresses=",".join(workers), num_processes=len(workers), process_id=process_id
        )
    else:
        raise DistributeError(
            "multiworker training on JAX needs the cluster: set KERAS_DISTRIBUTION_JOB_ADDRESSES "
            "(the coordinator's host:port), KERAS_DISTRIBUTION_NUM_PROCESSES and "
            "KERAS_DISTRIBUTION_PROCESS_ID on every machine, or TF_CONFIG"
        )
    _jax_initialized = True


@contextlib.contextmanager
def _keras_distribution(distribution: Any) -> Iterator[None]:
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(distribution)
    try:
        yield
    finally:
        keras.distribution.set_distribution(previous)


def _jax_scope(kind: str) -> AbstractContextManager[None]:
    _configure_logical_cpus_jax()
    if kind == "multiworker":
        try:
            _initialize_jax_cluster()
        except (ValueError, RuntimeError) as exc:
            if isinstance(exc, DistributeError):
                raise
            raise DistributeError(
                f"the JAX cluster could not start: {str(exc).splitlines()[0]}"
            ) from None
    devices = keras.distribution.list_devices()
    # Keras can only shard tf.data pipelines across processes; with arrays each process feeds
    # its own rows (see ``process_shard``), so Keras must not try to shard them again.
    return _keras_distribution(
        keras.distribution.DataParallel(devices=devices, auto_shard_dataset=kind != "multiworker")
    )


# ----- public API -----------------------------------------------------------------------------
def distribution_scope(kind: str) -> AbstractContextManager[Any]:
    """A context in which to build, compile and train a model across devices or machines.

    Everything that can be refused is checked now, before the ``with``, so a caller can turn a
    ``DistributeError`` into a one-line message before any work starts.
    """
    if kind not in KINDS:
        raise DistributeError(f"`kind` must be one of {list(KINDS)}; received kind={kind!r}")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        strategy = _mirrored_strategy() if kind == "mirrored" else _multiworker_strategy()
        scope: AbstractContextManager[Any] = strategy.scope()
    elif backend == "jax":
        scope = _jax_scope(kind)
    else:
        raise DistributeError(
            f"distributed training is not supported on the {backend} backend; use "
            f"--backend tensorflow (tf.distribute) or --backend jax (keras.distribution."
            f"DataParallel), or export the script with --format python --distribute {kind}"
        )
    return _Logged(scope, kind)


class _Logged(AbstractContextManager):
    """Enters the backend's scope and logs where training will run, once it is known."""

    def __init__(self, scope: AbstractContextManager[Any], kind: str) -> None:
        self._scope = scope
        self.kind = kind

    def __enter__(self) -> Any:
        value = self._scope.__enter__()
        log.info("distributed training: %s", describe_distribution())
        return value

    def __exit__(self, *exc_info: Any) -> bool | None:
        return self._scope.__exit__(*exc_info)


def current_distribution() -> DistributionInfo | None:
    """The distribution in force here, or None when training would use one device."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if not tf.distribute.has_strategy():
            return None
        strategy = tf.distribute.get_strategy()
        # Our multi-worker subclass is private; report the tf.distribute class it extends.
        name = next(c.__name__ for c in type(strategy).__mro__ if not c.__name__.startswith("_"))
        name = _PUBLIC_NAMES.get(name, name)
        devices = tuple(getattr(strategy.extended, "worker_devices", ()) or ())
        return DistributionInfo(
            backend, name, int(strategy.num_replicas_in_sync), _worker_count(strategy), devices
        )
    if backend == "jax":
        distribution = keras.distribution.distribution()
        if distribution is None:
            return None
        mesh = getattr(distribution, "device_mesh", None)
        devices = tuple(str(d) for d in getattr(mesh, "devices", []).flatten()) if mesh else ()
        import jax

        return DistributionInfo(
            backend,
            type(distribution).__name__,
            len(devices) or 1,
            int(jax.process_count()),
            devices,
        )
    return None


def _worker_count(strategy: Any) -> int:
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    return sum(len(v) for k, v in spec.items() if k in ("chief", "worker")) or 1


def process_shard(arrays: Any, batch_size: int) -> tuple[Any, int]:
    """This process's rows of in-memory data and its share of the global batch size.

    With JAX across several processes each process must feed only its own part of every
    global batch. Taking every n-th row (n processes) with a batch of ``batch_size / n`` makes
    global batch k hold exactly the rows of a single-device batch k, so a multi-process run
    sees the same batches as a single-device one. Elsewhere the data is returned unchanged.
    ``arrays`` is an array or a (nested) list/tuple of arrays, as ``fit`` takes them.
    """
    if keras.backend.backend() != "jax" or keras.distribution.distribution() is None:
        return arrays, batch_size
    import jax

    count, index = jax.process_count(), jax.process_index()
    if count == 1:
        return arrays, batch_size
    if batch_size % count:
        raise DistributeError(
            f"the batch size must divide evenly among the {count} processes; "
            f"received batch_size={batch_size}"
        )
    return keras.tree.map_structure(lambda a: a[index::count], arrays), batch_size // count


def describe_distribution() -> str:
    """One line for logs: the strategy, its replica count and devices, or a single device."""
    info = current_distribution()
    if info is None:
        from studio.training.device import describe_device

        return f"single device ({describe_device()})"
    return str(info)


def replica_count() -> int:
    """How many replicas share each global batch right now (1 without a distribution)."""
    info = current_distribution()
    return info.replicas if info else 1


__all__ = [
    "KINDS",
    "LOGICAL_CPUS_ENV",
    "DistributeError",
    "DistributionInfo",
    "current_distribution",
    "describe_distribution",
    "distribution_scope",
    "process_shard",
    "read_tf_config",
    "replica_count",
]
