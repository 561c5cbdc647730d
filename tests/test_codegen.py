"""Generated scripts run on their own and build the same model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from studio.compile.codegen import generate, generate_script
from studio.interop.importer import import_model

RUN = """
import json, runpy, sys
model = runpy.run_path(sys.argv[1], run_name="generated")["build_model"]()
print(json.dumps({"params": model.count_params(), "layers": [l.name for l in model.layers]}))
"""


def run_script(path: Path) -> dict:
    env = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, str(path)], capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cnn() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.MaxPooling2D(name="pool1")(x)
    x = keras.layers.Conv2D(
        32, (3, 3), strides=2, kernel_regularizer=keras.regularizers.L2(1e-4), name="conv2"
    )(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.3, name="drop")(x)
    return keras.Model(
        inputs, keras.layers.Dense(10, activation="softmax", name="probs")(x), name="cnn"
    )


def multi_io() -> keras.Model:
    image = keras.Input((16, 16, 3), name="image")
    series = keras.Input((12, 4), name="series")
    x = keras.layers.Flatten(name="flat")(keras.layers.Conv2D(4, 3, name="conv")(image))
    seq, h, c = keras.layers.LSTM(8, return_state=True, name="lstm")(series)
    both = keras.layers.Concatenate(name="concat")([x, seq, h])
    label = keras.layers.Dense(3, activation="softmax", name="label")(both)
    value = keras.layers.Dense(1, name="value")(c)
    return keras.Model([image, series], [label, value], name="multi")


@pytest.mark.parametrize("make", [cnn, multi_io], ids=["cnn", "multi_io"])
@pytest.mark.slow
def test_generated_script_builds_the_same_model(make, tmp_path: Path) -> None:
    model = make()
    path = tmp_path / "model.py"
    path.write_text(generate_script(import_model(model).graph))
    built = run_script(path)
    assert built["params"] == model.count_params()
    assert built["layers"] == [layer.name for layer in model.layers]


def test_script_writes_only_non_default_parameters() -> None:
    text = generate_script(import_model(cnn()).graph)
    conv1 = text[text.index("conv1 = ") : text.index("(image)")]
    for part in ("filters=16", "kernel_size=(3, 3)", 'padding="same"', 'activation="relu"'):
        assert part in conv1
    assert "kernel_regularizer=keras.regularizers.L2(l2=0.0001)" in text
    assert "use_bias" not in text and "kernel_initializer" not in text
    assert 'if __name__ == "__main__":' in text and "model.summary()" in text
    compile(text, "generated.py", "exec")


def test_line_map_points_at_each_nodes_statement() -> None:
    graph = import_model(multi_io()).graph
    code = generate(graph)
    lines = code.text.splitlines()
    for node in graph.nodes:
        start, end = code.lines[node.id]
        block = "\n".join(lines[start - 1 : end])
        assert f'name="{node.name}"' in block, node.name
    lstm = graph.node_by_name("lstm")
    start, _ = code.lines[lstm.id]
    assert lines[start - 1].strip().startswith("lstm = keras.layers.LSTM(")


def test_opaque_node_is_written_as_deserialization() -> None:
    inputs = keras.Input((4,), name="x")
    backbone = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="inner")], name="backbone"
    )
    model = keras.Model(inputs, backbone(inputs), name="wrapped")
    text = generate_script(import_model(model).graph)
    assert "keras.saving.deserialize_keras_object(" in text
    namespace: dict = {}
    exec(compile(text, "generated.py", "exec"), namespace)
    assert namespace["build_model"]().count_params() == model.count_params()


@pytest.mark.slow
def test_mirrored_distribution_builds_under_the_strategy_scope(tmp_path) -> None:
    text = generate_script(import_model(cnn()).graph, distribute="mirrored")
    assert "tf.distribute.MirroredStrategy()" in text and "with distribution_scope():" in text
    script = tmp_path / "train.py"
    script.write_text(text)
    run = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Total params" in run.stdout
    multi = generate_script(import_model(cnn()).graph, distribute="multiworker")
    assert "MultiWorkerMirroredStrategy" in multi and "with distribution_scope():" in multi
    with pytest.raises(ValueError, match="distribute"):
        generate_script(import_model(cnn()).graph, distribute="tpu-pod")


def test_after_one_edit_only_that_layers_constructor_is_written_again(monkeypatch):
    """Code generation follows every edit in the app; for a large model it must redo the one
    changed layer, not build Keras layers for all of them, and say exactly what a fresh
    generation says."""
    from studio.checks import Analyzer
    from studio.compile import codegen
    from studio.graph import SetParams
    from tests.helpers import small_cnn

    graph, ids = small_cnn()
    analyzer = Analyzer(graph)
    codegen.generate(graph, analysis=analyzer.analysis())
    written: list[str] = []
    original = codegen._write_layer_parts

    def spy(node):
        written.append(node.name)
        return original(node)

    monkeypatch.setattr(codegen, "_write_layer_parts", spy)
    graph.apply(SetParams(ids[-1], {"units": 7}))
    analysis = analyzer.analysis()
    monkeypatch.setattr(
        "studio.checks.Analyzer", lambda *_a: pytest.fail("the given analysis was not used")
    )
    code = codegen.generate(graph, analysis=analysis)
    assert written == [graph.node(ids[-1]).name]
    monkeypatch.undo()
    assert code.text == codegen.generate(graph).text
    assert "units=7" in code.text
