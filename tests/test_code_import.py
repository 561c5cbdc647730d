"""Importing pasted Keras code: it runs in another process, and every failure is one line."""

from __future__ import annotations

import os

import pytest

from studio.interop.code_import import CodeImportError, import_from_code

FUNCTIONAL = """
import keras
from keras import layers

inputs = keras.Input(shape=(16, 16, 3), name="image")
x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a")(inputs)
y = layers.Conv2D(8, 3, padding="same", name="conv_b")(x)
x = layers.Add(name="skip")([x, y])
x = layers.MaxPooling2D(name="pool")(x)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax", name="classes")(x)
model = keras.Model(inputs, outputs, name="skip_net")

if __name__ == "__main__":
    raise SystemExit("training must not start during an import")
"""

SEQUENTIAL = """
import keras


def build_model():
    return keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(8, activation="relu", name="hidden"),
        keras.layers.Dense(3, activation="softmax", name="out"),
    ], name="iris_mlp")
"""


def _types(result) -> list[str]:
    return [node.type for node in result.graph.nodes]


@pytest.mark.slow
def test_functional_script_with_a_skip_connection_becomes_a_graph():
    result = import_from_code(FUNCTIONAL)
    graph = result.graph
    assert sorted(_types(result)) == sorted(
        ["Input", "Conv2D", "Conv2D", "Add", "MaxPooling2D", "Flatten", "Dense"]
    )
    add = graph.node_by_name("skip")
    assert {graph.node(e.src).name for e in graph.in_edges(add.id)} == {"conv_a", "conv_b"}
    assert graph.node_by_name("classes").params["units"] == 10
    assert "imported 'model'" in result.messages[0]


@pytest.mark.slow
def test_sequential_returned_by_build_model_is_imported_from_another_process():
    # The child's process id travels back in the model's name: the only channel it has.
    code = SEQUENTIAL.replace('name="iris_mlp"', 'name=f"iris_{os.getpid()}"')
    result = import_from_code("import os\n" + code)
    assert _types(result).count("Dense") == 2
    assert result.graph.node_by_name("hidden").params["units"] == 8
    assert "build_model()" in result.messages[0]
    assert result.graph.name.startswith("iris_")
    assert int(result.graph.name.split("_")[1]) != os.getpid()


@pytest.mark.slow
@pytest.mark.parametrize(
    "attack, refused",
    [
        ("open(MARK, 'w').write('x')", "writing"),
        ("os.system('touch ' + MARK)", "starting a process"),
        ("import subprocess; subprocess.run(['touch', MARK])", "starting a process"),
        ("import pathlib; pathlib.Path(MARK).touch()", "writing"),
        ("import shutil; shutil.copy(__file__, MARK)", "writing"),
        ("import socket; socket.create_connection(('127.0.0.1', 9))", "network"),
        ("import ctypes; ctypes.CDLL(None).system(('touch ' + MARK).encode())", "native code"),
    ],
)
def test_pasted_code_cannot_write_outside_start_processes_or_connect(tmp_path, attack, refused):
    marker = tmp_path / "MARK"
    code = f"import os\nMARK = {str(marker)!r}\n{attack}\n" + SEQUENTIAL
    with pytest.raises(CodeImportError, match=refused):
        import_from_code(code)
    assert not marker.exists()


@pytest.mark.slow
def test_pasted_code_may_use_its_own_temporary_folder():
    code = "import os\nopen('scratch.txt', 'w').write('ok')\nos.remove('scratch.txt')\n"
    result = import_from_code(code + SEQUENTIAL)
    assert _types(result).count("Dense") == 2


@pytest.mark.slow
def test_memory_limit_stops_a_huge_allocation():
    code = "import numpy as np\nblob = np.ones(64 * 1024**3 // 8)\n" + SEQUENTIAL
    with pytest.raises(CodeImportError, match="MemoryError"):
        import_from_code(code)


def test_syntax_error_names_the_line():
    with pytest.raises(CodeImportError, match=r"syntax error at line 3") as info:
        import_from_code("import keras\nx = 1\nmodel = keras.Sequential([\n")
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_endless_loop_stops_at_the_time_limit():
    with pytest.raises(CodeImportError, match=r"did not finish within 3 s"):
        import_from_code("while True:\n    pass\n", timeout=3)


@pytest.mark.slow
def test_code_without_a_model_says_what_to_define():
    with pytest.raises(CodeImportError, match=r"defines no Keras model.*`model`.*build_model"):
        import_from_code("units = 4\n")


@pytest.mark.slow
def test_exception_in_the_code_names_its_line():
    with pytest.raises(CodeImportError, match=r"line 2: ZeroDivisionError"):
        import_from_code("# a model would follow\nscale = 1 / 0\n")


@pytest.mark.slow
def test_subclassed_model_is_refused_with_the_reason():
    code = """
import keras


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


model = Net()
"""
    with pytest.raises(CodeImportError, match=r"subclassed model \(Net\)"):
        import_from_code(code)


@pytest.mark.slow
def test_pasted_custom_layer_arrives_as_a_stand_in_with_its_weights():
    code = """
import keras


class Gain(keras.layers.Layer):
    def build(self, shape):
        self.g = self.add_weight(shape=(shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.g


inputs = keras.Input((4,))
model = keras.Model(inputs, keras.layers.Dense(2)(Gain(name="gain")(inputs)))
"""
    result = import_from_code(code)
    gain = result.graph.node_by_name("gain")
    assert gain.opaque and gain.type == "Gain"
    assert any("Gain" in m and "not loaded" in m for m in result.messages)
    from studio.checks import Analyzer

    analysis = Analyzer(result.graph).analysis()
    assert analysis.ok and analysis.total_params == 4 + 10
