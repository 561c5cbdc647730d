"""Each private Keras access in ``studio.common.keras_compat`` still does what we rely on.

These are the tests that go red first when a Keras release moves its internals."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from studio.common import keras_compat


def _mlp() -> keras.Model:
    inp = keras.Input((3,), name="x")
    hidden = keras.layers.Dense(4, name="hidden")(inp)
    drop = keras.layers.Dropout(0.5, name="drop")(hidden)
    return keras.Model(inp, keras.layers.Dense(2, name="out")(drop))


def test_unsafe_deserialization_allows_a_lambda_only_inside_the_block() -> None:
    inp = keras.Input((1,))
    text = keras.Model(inp, keras.layers.Lambda(lambda t: t * 2, name="double")(inp)).to_json()
    with pytest.raises(ValueError, match="[Uu]nsafe|safe_mode"):
        keras.models.model_from_json(text)
    with keras_compat.unsafe_deserialization():
        rebuilt = keras.models.model_from_json(text)
    assert float(rebuilt(np.ones((1, 1), "float32"))[0, 0]) == 2.0
    with pytest.raises(ValueError, match="[Uu]nsafe|safe_mode"):
        keras.models.model_from_json(text)


def test_deferred_variables_are_dropped_after_the_scope() -> None:
    from keras.src.backend.common import global_state

    before = len(global_state.get_global_attribute("uninitialized_variables", None) or [])
    with keras_compat.deferred_variables_dropped():
        layer = keras.layers.Dense(3)
        layer(keras.KerasTensor((None, 5)))
    after = len(global_state.get_global_attribute("uninitialized_variables", None) or [])
    assert after == before


def test_producing_layer_names_the_layer_behind_a_symbolic_tensor() -> None:
    model = _mlp()
    assert keras_compat.producing_layer(model.output).name == "out"
    assert keras_compat.producing_layer(np.zeros(2)) is None


def test_is_functional_tells_functional_from_subclassed() -> None:
    class Sub(keras.Model):
        def call(self, x):
            return x

    assert keras_compat.is_functional(_mlp())
    assert not keras_compat.is_functional(Sub())


def test_run_through_graph_calls_the_hook_for_every_layer() -> None:
    model = _mlp()
    seen: list[str] = []

    def operation_fn(op):
        seen.append(op.name)
        return op

    out = keras_compat.run_through_graph(model, [np.ones((2, 3), "float32")], operation_fn)
    assert tuple(np.asarray(out).shape) == (2, 2)
    assert seen == ["hidden", "drop", "out"]


def test_takes_training_argument_is_read_from_the_layer() -> None:
    model = _mlp()
    assert keras_compat.takes_training_argument(model.get_layer("drop"))
    assert not keras_compat.takes_training_argument(object())
