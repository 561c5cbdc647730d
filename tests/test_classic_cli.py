"""``studio train`` runs each classic-network template headless in its own mode; the trained
model exports to ``.keras`` and loads back with the same outputs."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from studio.cli import main
from studio.compile.compiler import compile_graph
from studio.project import Project

FAST = {  # a few steps each: the mode runs end to end, not to convergence
    "rbf_sine": ({"size": 100}, {}),
    "som_digits": ({"size": 200}, {}),
    "dbn_digits": ({"size": 200}, {"pretrain_epochs": 1}),
    "dqn_cartpole": ({"size": 50}, {"learning_starts": 20, "max_steps": 40}),
    "dueling_dqn_cartpole": ({"size": 50}, {"learning_starts": 20, "max_steps": 40}),
}


@pytest.mark.parametrize("name", list(FAST))
def test_template_trains_headless_and_exports_a_loadable_keras_file(name, tmp_path, capsys):
    path = tmp_path / f"{name}.studio.json"
    assert main(["new", "--template", name, "-o", str(path)]) == 0
    data_options, mode_options = FAST[name]
    project = Project.load(path)
    project.dataset = {**project.dataset, "options": data_options}
    project.training = {
        **project.training,
        "mode_options": {**project.training.get("mode_options", {}), **mode_options},
    }
    project.save()
    log = tmp_path / "log.json"
    argv = ["train", str(path), "--epochs", "2", "--save-weights", "--log-json", str(log)]
    assert main(argv) == 0, capsys.readouterr().err
    summary = json.loads(log.read_text())
    assert summary["status"] == "completed"
    assert summary["epochs"], "no epoch reported"
    out = tmp_path / f"{name}.keras"
    assert main(["export", str(path), "--format", "keras", "-o", str(out)]) == 0
    trained = compile_graph(Project.load(path).graph)
    loaded = keras.models.load_model(out)
    x = np.random.default_rng(0).random((3, *trained.inputs[0].shape[1:]), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), trained.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    stored = Project.load(path).graph.weights  # --save-weights kept the trained weights
    assert stored and sum(len(w) for w in stored.values()) == len(loaded.get_weights())
