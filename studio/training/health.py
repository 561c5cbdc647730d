"""Training health per layer: gradient norm, dead ReLU units, saturation, NaN/Inf.

``HealthMonitor`` is a Keras callback that now and then (every ``interval`` seconds, and never
more than ``budget`` of the training time) runs one small probe batch through the model: a
forward pass that returns every layer's output and one gradient of the loss with respect to
every trainable weight. It listens only to ``on_train_batch_begin``, whose logs are empty, so
it never forces Keras to read metric tensors (the sync the engine works to avoid); between
samples it costs one clock read per batch.

When training fails with a NaN or infinite loss, ``explain_failure`` runs the probe again on
the last weights that were healthy and on the broken ones and names the first layer (in graph
order) whose output is not finite, which is where to look: the data (an input), an overflow,
a division, a learning rate too high for that layer.

Layer names are the graph's node names (the compiler names layers after nodes), so a sample
maps straight onto the canvas.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import keras
import numpy as np

from studio.training.health_measures import (
    activation_kind,
    batches_of,
    dead_share,
    feed,
    functional,
    layer_gradient_norms,
    saturation,
)

log = logging.getLogger(__name__)

HealthLevel = Literal["ok", "warn", "bad"]

DEAD_WARN = 0.5  # half the ReLU units never fire on the probe batch
SATURATION_WARN = 0.5  # half the sigmoid/tanh outputs sit at their limits
VANISHING = 1e-7
EXPLODING = 1e3


@dataclass(frozen=True)
class NodeHealth:
    """What one sample found for one layer; ``None`` where the measure does not apply."""

    name: str
    grad_norm: float | None = None
    dead_share: float | None = None
    saturation: float | None = None
    nonfinite: bool = False

    @property
    def problems(self) -> list[str]:
        out = []
        if self.nonfinite:
            out.append("output is NaN/Inf")
        if self.grad_norm is not None:
            if not math.isfinite(self.grad_norm):
                out.append("gradient is NaN/Inf")
            elif self.grad_norm > EXPLODING:
                out.append(f"gradient norm {self.grad_norm:.3g} is exploding")
            elif self.grad_norm < VANISHING:
                out.append(f"gradient norm {self.grad_norm:.2g} is vanishing")
        if self.dead_share is not None and self.dead_share >= DEAD_WARN:
            out.append(f"{self.dead_share:.0%} of ReLU units are dead")
        if self.saturation is not None and self.saturation >= SATURATION_WARN:
            out.append(f"{self.saturation:.0%} of outputs are saturated")
        return out

    @property
    def level(self) -> HealthLevel:
        if self.nonfinite or (self.grad_norm is not None and not math.isfinite(self.grad_norm)):
            return "bad"
        return "warn" if self.problems else "ok"

    @property
    def badge(self) -> str:
        """A few characters for the canvas: the most telling figure."""
        if self.nonfinite:
            return "NaN"
        parts = []
        if self.grad_norm is not None:
            finite = math.isfinite(self.grad_norm)
            parts.append(f"∇{self.grad_norm:.1e}" if finite else "∇NaN")
        if self.dead_share is not None:
            parts.append(f"dead {self.dead_share:.0%}")
        if self.saturation is not None:
            parts.append(f"sat {self.saturation:.0%}")
        return " ".join(parts)

    def describe(self) -> str:
        lines = [f"{self.name}:"]
        if self.grad_norm is not None:
            lines.append(f"gradient norm {self.grad_norm:.4g}")
        if self.dead_share is not None:
            lines.append(f"dead ReLU units {self.dead_share:.1%}")
        if self.saturation is not None:
            lines.append(f"saturated outputs {self.saturation:.1%}")
        lines.append("output has NaN/Inf" if self.nonfinite else "output finite")
        lines.extend(f"⚠ {p}" for p in self.problems)
        return "\n".join(lines)


@dataclass(frozen=True)
class HealthSample:
    """One probe of the whole model; ``nodes`` is keyed by layer (= node) name."""

    epoch: int
    batch: int
    seconds: float  # training time when the sample was taken
    nodes: dict[str, NodeHealth] = field(default_factory=dict)
    order: tuple[str, ...] = ()

    @property
    def first_nonfinite(self) -> str | None:
        return next((n for n in self.order if self.nodes[n].nonfinite), None)


class HealthProbe:
    """Measures a model on a fixed probe batch; shares the model's weights."""

    def __init__(self, model: keras.Model, x: Any, y: Any) -> None:
        self.model = model
        self.x = x
        self.y = y
        graph_model = functional(model)
        self._input_layers = [
            layer.name for layer in graph_model.layers if isinstance(layer, keras.layers.InputLayer)
        ]
        names, outputs = [], []
        for layer in graph_model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            try:
                out = layer.output
            except (AttributeError, ValueError, RuntimeError):
                continue  # a layer never called in this graph has nothing to measure
            outputs.append(out[0] if isinstance(out, (list, tuple)) else out)
            names.append(layer.name)
        self._names = names
        self._submodel = keras.Model(graph_model.inputs, outputs, name="health_probe")
        self._kinds = {layer.name: activation_kind(layer) for layer in graph_model.layers}

    def measure(self, epoch: int = 0, batch: int = 0, seconds: float = 0.0) -> HealthSample:
        batches = batches_of(self.x)
        outs = self._submodel(batches, training=False)  # built on the list of inputs
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        outputs = {n: keras.ops.convert_to_numpy(o) for n, o in zip(self._names, outs)}
        try:
            grads = layer_gradient_norms(self.model, feed(batches), self.y)
        except Exception:  # noqa: BLE001 - a missing gradient only blanks that figure
            log.debug("health gradients failed", exc_info=True)
            grads = {}
        nodes: dict[str, NodeHealth] = {}
        order: list[str] = []
        for name, data in zip(self._input_layers, batches):
            floating = np.issubdtype(data.dtype, np.floating)
            nodes[name] = NodeHealth(name, nonfinite=floating and not bool(np.isfinite(data).all()))
            order.append(name)
        for name, out in outputs.items():
            kind = self._kinds.get(name)
            finite = bool(np.isfinite(out).all()) if np.issubdtype(out.dtype, np.floating) else True
            nodes[name] = NodeHealth(
                name,
                grad_norm=grads.get(name),
                dead_share=dead_share(out) if kind == "relu" and finite else None,
                saturation=saturation(out, kind) if kind in ("sigmoid", "tanh") else None,
                nonfinite=not finite,
            )
            order.append(name)
        return HealthSample(epoch, batch, seconds, nodes, tuple(order))


def probe_batch(x: Any, y: Any, size: int = 32) -> tuple[Any, Any]:
    """The first ``size`` rows of the training data (every input / target sliced alike)."""

    def head(a: Any) -> Any:
        if isinstance(a, (list, tuple)):
            return type(a)(head(v) for v in a)
        if isinstance(a, dict):
            return {k: head(v) for k, v in a.items()}
        return np.asarray(a)[:size]

    return head(x), head(y)


class HealthMonitor(keras.callbacks.Callback):
    """Samples layer health at a low rate during ``fit``; ``on_sample`` gets each sample.

    ``on_sample`` runs on the training thread; a UI hands it over to its own thread. The next
    sample waits at least ``interval`` seconds and at least ``last_cost / budget`` seconds,
    so however slow a probe is on a big model, it takes at most ``budget`` of the time.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        *,
        interval: float = 2.0,
        budget: float = 0.01,
        on_sample: Callable[[HealthSample], None] | None = None,
        probe_size: int = 32,
    ) -> None:
        super().__init__()
        self.x, self.y = probe_batch(x, y, probe_size)
        self.interval = interval
        self.budget = budget
        self.on_sample = on_sample
        self.samples: list[HealthSample] = []
        self.seconds_spent = 0.0
        self._probe: HealthProbe | None = None
        self._next = 0.0
        self._started = 0.0
        self._epoch = 0
        self._healthy_weights: list[np.ndarray] | None = None
        self._start_weights: list[np.ndarray] | None = None

    # -- keras hooks (batch begin only: its logs are empty, so reading them costs nothing) --
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self._probe is not None and self._probe.model is not self.model:
            self._probe = None
        self._healthy_weights = None
        self._start_weights = self.model.get_weights()
        self._started = time.perf_counter()
        # The first sample waits one interval too: a short run pays nothing.
        self._next = self._started + self.interval

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        now = time.perf_counter()
        if now >= self._next:
            self.sample(batch)

    # -- sampling ----------------------------------------------------------------------------
    def _ensure_probe(self) -> HealthProbe:
        if self._probe is None or self._probe.model is not self.model:
            self._probe = HealthProbe(self.model, self.x, self.y)
        return self._probe

    def sample(self, batch: int = 0) -> HealthSample | None:
        started = time.perf_counter()
        try:
            result = self._ensure_probe().measure(self._epoch, batch, started - self._started)
        except Exception:  # noqa: BLE001 - health is advice; it must never stop training
            log.debug("health sample failed", exc_info=True)
            result = None
        if result is not None:
            if result.first_nonfinite is None and all(
                n.level != "bad" for n in result.nodes.values()
            ):
                self._healthy_weights = self.model.get_weights()
            self.samples.append(result)
            if self.on_sample is not None:
                self.on_sample(result)
        cost = time.perf_counter() - started
        self.seconds_spent += cost
        self._next = time.perf_counter() + max(self.interval, cost / self.budget)
        return result

    def explain_failure(self) -> str:
        """A sentence naming the first layer whose output is not finite, or ``""``.

        The last healthy weights are tried first (the step that broke began from them); when
        they still give finite outputs, the broken weights show where NaN/Inf appears now.
        The model's weights are left as they were.
        """
        if self.model is None:
            return ""
        current = self.model.get_weights()
        tries: list[tuple[str, list[np.ndarray]]] = []
        if self._healthy_weights is not None:
            tries.append(("with the last healthy weights", self._healthy_weights))
        elif self._start_weights is not None:
            tries.append(("with the weights training started from", self._start_weights))
        tries.append(("after the failing step", current))
        found: HealthSample | None = None
        try:
            for when, weights in tries:
                self.model.set_weights(weights)
                found = self._ensure_probe().measure(self._epoch)
                self.samples.append(found)
                if self.on_sample is not None:
                    self.on_sample(found)
                name = found.first_nonfinite
                if name is not None:
                    layer = _layer_type(self.model, name)
                    where = "the input data" if layer == "InputLayer" else f"{layer} layer"
                    return (
                        f"The first layer whose output went non-finite {when} is "
                        f"{name!r} ({where})."
                    )
            if found is not None:
                return _gradient_blame(found)
        except Exception:  # noqa: BLE001 - the original failure message still stands
            log.debug("could not explain the failure", exc_info=True)
        finally:
            self.model.set_weights(current)
        return ""


def _gradient_blame(sample: HealthSample) -> str:
    """Every output is finite: the loss or its gradient overflowed. Backprop runs from the
    loss backwards, so the broken gradient nearest the loss is where it started."""
    broken = [
        n
        for n in sample.order
        if sample.nodes[n].grad_norm is not None and not math.isfinite(sample.nodes[n].grad_norm)
    ]
    if not broken:
        return (
            "Every layer's output is finite on a probe batch, so the loss itself overflowed: "
            "check the targets and that the loss suits the output layer."
        )
    return (
        "Every layer's output is finite on a probe batch; the gradient first goes non-finite "
        f"at {broken[-1]!r} (nearest the loss)."
    )


def _layer_type(model: keras.Model, name: str) -> str:
    try:
        return type(model.get_layer(name)).__name__
    except ValueError:
        return "layer"


__all__ = [
    "HealthMonitor",
    "HealthProbe",
    "HealthSample",
    "NodeHealth",
    "dead_share",
    "layer_gradient_norms",
    "probe_batch",
    "saturation",
]
