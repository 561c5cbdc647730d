"""Every use of Keras's private API, in one place.

Keras 3 keeps some things we need outside its public API (``keras.src``): the scope that
switches safe mode off for one load, the list of deferred variables a stateless scope leaves
behind, a symbolic tensor's producing layer, the Functional class, and running a Functional
graph with a hook on every operation. Each can move between releases (``_run_through_graph``
gained ``call_fn`` in Keras 3.14), so each is wrapped here once, with a test per function in
``tests/test_keras_compat.py`` that fails on the Keras release that breaks it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def unsafe_deserialization() -> Iterator[None]:
    """Safe mode off for the duration of the block only (the public switch is global)."""
    from keras.src.saving.serialization_lib import SafeModeScope

    with SafeModeScope(False):
        yield


@contextmanager
def deferred_variables_dropped() -> Iterator[None]:
    """A stateless scope whose deferred variables are dropped afterwards, not initialized:
    Keras keeps them in a per-thread list that would otherwise grow with every analysis."""
    import keras
    from keras.src.backend.common import global_state

    before = list(global_state.get_global_attribute("uninitialized_variables", None) or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        global_state.set_global_attribute("uninitialized_variables", before)


def producing_layer(tensor: Any) -> Any | None:
    """The layer (or operation) that produced a symbolic tensor, or None."""
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def is_functional(model: Any) -> bool:
    """A model built with the Functional API (not a subclassed or Sequential-only one)."""
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def run_through_graph(
    functional: Any, inputs: list[Any], operation_fn: Callable[[Any], Callable[..., Any]]
) -> Any:
    """Run a Functional model's graph on ``inputs`` with ``operation_fn(op)`` wrapping each
    operation's call (used to capture and perturb one layer's activation for Grad-CAM)."""
    method = functional._run_through_graph
    if "operation_fn" in inspect.signature(method).parameters:
        return method(inputs, operation_fn=operation_fn)
    return method(inputs, operation_fn)


def takes_training_argument(operation: Any) -> bool:
    """Whether a layer's ``call`` takes ``training`` (Keras records it per layer)."""
    return "training" in getattr(operation, "_call_context_args", ())
