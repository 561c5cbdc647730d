"""GAN and VAE training modes, the Sampling layer, sample grids, parts and `studio train`."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from studio.data import load_bundled
from studio.training.engine import TrainingEngine, TrainingListener
from studio.training.runs import RunStore
from studio.training.samples import load_samples, tile
from studio.training.settings import LossSettings, TrainingError, TrainingSettings
from tests.generative_models import LATENT, tiny_gan, tiny_vae

ROOT = Path(__file__).resolve().parent.parent


def _settings(mode: str, loss: str = "BinaryCrossentropy", **kw) -> TrainingSettings:
    base = {"metrics": [], "epochs": 2, "batch_size": 32, "seed": 1}
    return TrainingSettings(loss=LossSettings(loss), mode=mode, **{**base, **kw})


@pytest.fixture(scope="module")
def digits():
    return load_bundled("mnist_like", size=96)


# -- the Sampling layer ------------------------------------------------------------------
def test_sampling_layer_is_in_the_palette_with_two_named_ports() -> None:
    from studio.catalog import get_spec

    spec = get_spec("Sampling")
    assert spec is not None and spec.category == "Generative"
    assert (spec.min_inputs, spec.max_inputs, spec.port_names) == (2, 2, ("z_mean", "z_log_var"))
    assert "seed" in [p.name for p in spec.params]


def test_sampling_draws_around_the_mean_with_the_given_spread() -> None:
    from studio.layers.sampling import Sampling

    mean = np.full((4000, 2), 3.0, "float32")
    log_var = np.full((4000, 2), np.log(0.25), "float32")
    z = keras.ops.convert_to_numpy(Sampling(seed=0)([mean, log_var], training=True))
    assert abs(z.mean() - 3.0) < 0.05 and abs(z.std() - 0.5) < 0.05
    # at inference the mean passes through, unless the layer is told to keep sampling
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(Sampling()([mean, log_var])), mean)
    z = keras.ops.convert_to_numpy(Sampling(seed=0, always_sample=True)([mean, log_var]))
    assert abs(z.std() - 0.5) < 0.05


def test_sampling_refuses_a_bad_seed_naming_it() -> None:
    from studio.layers.sampling import Sampling

    with pytest.raises(ValueError, match="seed"):
        Sampling(seed="x")


@pytest.mark.slow
def test_vae_exported_as_keras_loads_after_importing_studio_layers(tmp_path) -> None:
    model = tiny_vae()
    path = tmp_path / "vae.keras"
    model.save(path)
    code = (
        "import keras, numpy as np, studio.layers\n"
        f"m = keras.saving.load_model({str(path)!r})\n"
        "print(type(m.get_layer('z')).__name__, m(np.zeros((2, 28, 28, 1), 'float32')).shape)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": keras.backend.backend()}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "Sampling (2, 28, 28, 1)"


# -- GAN -----------------------------------------------------------------------------------
def test_split_gan_finds_generator_by_shapes_and_by_name() -> None:
    from studio.training.modes.gan import split_gan

    model = tiny_gan()
    generator, discriminator = split_gan(model)
    assert tuple(generator.inputs[0].shape[1:]) == (LATENT,)
    assert tuple(discriminator.outputs[0].shape[1:]) == (1,)
    generator2, _ = split_gan(model, {"discriminator_output": "score"})
    assert generator2.outputs[0].shape == generator.outputs[0].shape
    with pytest.raises(TrainingError, match="generator_output.*'nope'"):
        split_gan(model, {"generator_output": "nope"})


def test_a_single_chain_is_refused_with_what_a_gan_needs(digits) -> None:
    result = TrainingEngine().run(tiny_vae(), digits, _settings("gan"))
    assert result.status == "failed"
    assert "two separate chains" in result.message


@pytest.mark.slow
def test_gan_trains_both_players_and_logs_their_scores(digits, tmp_path) -> None:
    model = tiny_gan()
    before = model.get_weights()
    grids: list[tuple[int, tuple]] = []
    listener = TrainingListener(on_samples=lambda epoch, grid: grids.append((epoch, grid.shape)))
    result = TrainingEngine(listener).run(
        model, digits, _settings("gan"), run_store=RunStore(tmp_path)
    )
    assert result.status == "completed", result.message
    metrics = result.record.final_metrics
    assert set(metrics) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(math.isfinite(v) for v in metrics.values())
    assert 0.0 <= metrics["d_real"] <= 1.0 and 0.0 <= metrics["d_fake"] <= 1.0
    changed = {
        w.path: not np.array_equal(a, w.numpy())
        for w, a in zip(model.weights, before)
        if w.trainable  # BatchNorm's moving statistics change without any optimizer step
    }
    assert any(c for n, c in changed.items() if n.startswith("g_"))  # generator stepped
    assert any(c for n, c in changed.items() if n.startswith("d_"))  # discriminator too
    assert [e for e, _ in grids] == [0, 1, 2]  # before training, then every epoch
    assert grids[0][1] == tile(np.zeros((16, 28, 28, 1))).shape
    run_dir = tmp_path / result.record.id
    assert (run_dir / "samples" / "epoch_0002.png").is_file()
    assert sorted(load_samples(run_dir)) == [0, 1, 2]
    assert result.record.monitor == ""  # GAN losses rank nothing: last weights are kept


@pytest.mark.slow
def test_exported_generator_samples_images_on_its_own(digits, tmp_path) -> None:
    result = TrainingEngine().run(
        tiny_gan(), digits, _settings("gan", epochs=1), run_store=RunStore(tmp_path)
    )
    path = tmp_path / result.record.id / "parts" / "generator.keras"
    assert "parts/generator.keras" in result.record.outputs
    generator = keras.saving.load_model(path)
    images = keras.ops.convert_to_numpy(generator(np.random.normal(size=(3, LATENT))))
    assert images.shape == (3, 28, 28, 1) and images.min() >= -1.0 and images.max() <= 1.0


def test_gan_loss_must_be_binary_cross_entropy(digits) -> None:
    result = TrainingEngine().run(tiny_gan(), digits, _settings("gan", loss="MeanSquaredError"))
    assert result.status == "failed" and "BinaryCrossentropy" in result.message


def test_gan_mode_options_are_checked_by_name(digits) -> None:
    settings = _settings("gan", mode_options={"sample_every": "often"})
    result = TrainingEngine().run(tiny_gan(), digits, settings)
    assert result.status == "failed" and "sample_every" in result.message


def test_unknown_mode_is_a_message_not_a_crash(digits) -> None:
    result = TrainingEngine().run(tiny_vae(), digits, _settings("diffusion"))
    assert result.status == "failed" and "diffusion" in result.message and "gan" in result.message


# -- VAE -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_vae_trains_with_reconstruction_and_kl_terms(digits, tmp_path) -> None:
    model = tiny_vae()
    grids: list[int] = []
    listener = TrainingListener(on_samples=lambda epoch, grid: grids.append(epoch))
    result = TrainingEngine(listener).run(
        model, digits, _settings("vae", epochs=3), run_store=RunStore(tmp_path)
    )
    assert result.status == "completed", result.message
    rows = result.record.epochs
    for key in ("loss", "reconstruction_loss", "kl_loss", "val_loss", "val_kl_loss"):
        assert math.isfinite(rows[-1][key]), key
    for row in rows:  # loss = reconstruction + beta * KL, beta = 1
        assert row["loss"] == pytest.approx(row["reconstruction_loss"] + row["kl_loss"], rel=1e-3)
    assert rows[-1]["loss"] < rows[0]["loss"]
    assert grids == [0, 1, 2, 3]
    assert result.record.monitor == "val_loss" and result.record.best_epoch is not None
    outputs = result.record.outputs
    assert {"parts/encoder.keras", "parts/decoder.keras", "parts/vae.keras"} <= set(outputs)
    decoder = keras.saving.load_model(tmp_path / result.record.id / "parts" / "decoder.keras")
    assert decoder(np.zeros((2, 2), "float32")).shape == (2, 28, 28, 1)
    # the run's best weights load back into the project's own model
    RunStore(tmp_path).load_weights_into(tiny_vae(), result.record.id, "best")


def test_beta_zero_leaves_the_kl_term_out_of_the_loss(digits) -> None:
    result = TrainingEngine().run(
        tiny_vae(), digits, _settings("vae", epochs=1, mode_options={"beta": 0.0})
    )
    row = result.record.epochs[-1]
    assert row["loss"] == pytest.approx(row["reconstruction_loss"], rel=1e-4)
    assert row["kl_loss"] > 0


def test_vae_without_sampling_layer_is_refused(digits) -> None:
    from tests.generative_models import tiny_denoiser

    result = TrainingEngine().run(tiny_denoiser(), digits, _settings("vae"))
    assert result.status == "failed" and "Sampling" in result.message


# -- every installed backend ---------------------------------------------------------------
BACKENDS = [b for b in ("jax", "torch") if importlib.util.find_spec(b) is not None]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_modes_train_a_few_steps_on_other_backends(backend: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scripts" / "generative_steps.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend
    for mode in ("gan", "vae"):
        run = report[mode]
        assert run["status"] == "completed", run["message"]
        assert run["finite"] and run["grids"] == [0, 1, 2]
        assert run["changed_weights"], mode
        assert any(p.startswith("samples/") for p in run["outputs"])
    changed = report["gan"]["changed_weights"]
    assert any(p.startswith("g_") for p in changed)  # the generator took optimizer steps
    assert any(p.startswith("d_") for p in changed)  # and so did the discriminator


# -- studio train ----------------------------------------------------------------------------
@pytest.mark.slow
def test_studio_train_runs_a_gan_project_and_writes_sample_pngs(tmp_path, capsys) -> None:
    from studio.cli import main
    from studio.graph import Graph
    from studio.interop.importer import import_model
    from studio.project import Project

    graph: Graph = import_model(tiny_gan()).graph
    project = Project(
        graph=graph,
        training=_settings("gan", epochs=1).to_dict(),
        dataset={"kind": "bundled", "name": "mnist_like", "options": {"size": 64}},
    )
    path = project.save(tmp_path / "gan.studio.json")
    assert main(["train", str(path)]) == 0
    captured = capsys.readouterr()
    assert "d_loss=" in captured.out and "samples/epoch_0001.png" in captured.err
    (run_dir,) = (tmp_path / "gan.runs").iterdir()
    pngs = sorted(p.name for p in (run_dir / "samples").iterdir())
    assert pngs == ["epoch_0000.png", "epoch_0001.png"]
    from PIL import Image

    assert Image.open(run_dir / "samples" / "epoch_0001.png").size == (117 * 3, 117 * 3)


def test_studio_train_says_why_a_gan_project_cannot_start(tmp_path, capsys) -> None:
    from studio.cli import main
    from studio.interop.importer import import_model
    from studio.project import Project

    project = Project(
        graph=import_model(tiny_vae()).graph,
        training=_settings("gan").to_dict(),
        dataset={"kind": "bundled", "name": "mnist_like", "options": {"size": 64}},
    )
    path = project.save(tmp_path / "notgan.studio.json")
    assert main(["train", str(path)]) == 2
    assert "two separate chains" in capsys.readouterr().err


@pytest.mark.slow
def test_imported_vae_keeps_sampling_as_a_palette_layer_and_codegen_rebuilds_it(tmp_path):
    from studio.compile.codegen import generate_script
    from studio.compile.compiler import compile_graph
    from studio.interop.importer import import_model

    graph = import_model(tiny_vae()).graph
    node = graph.node_by_name("z")
    assert node.type == "Sampling" and not node.opaque  # editable like any palette layer
    assert compile_graph(graph).count_params() == tiny_vae().count_params()
    script = generate_script(graph)
    assert "import studio.layers" in script  # registers Sampling with Keras
    assert "z = " in script and "'class_name': 'Sampling'" in script
    path = tmp_path / "vae_script.py"
    path.write_text(script + "\nprint('params', build_model().count_params())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": keras.backend.backend()}
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"params {tiny_vae().count_params()}" in out.stdout


@pytest.mark.slow
def test_a_gan_loss_turning_nan_stops_the_run_naming_it(digits) -> None:
    from dataclasses import replace

    broken = replace(digits, x_train=np.full_like(digits.x_train, np.nan))
    result = TrainingEngine(sample_interval=0.0).run(tiny_gan(), broken, _settings("gan"))
    assert result.status == "failed"
    assert "d_loss became NaN" in result.message
