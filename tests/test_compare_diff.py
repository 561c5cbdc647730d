"""Runs side by side and the architecture diff: the core and ``studio compare`` / ``diff``."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from studio.checks.sizes import param_sizes
from studio.cli import main
from studio.graph.diff import diff_graphs, format_diff
from studio.project import Project
from studio.training.compare import (
    compare_runs,
    format_comparison,
    load_run,
    load_run_graph,
    save_run_graph,
    settings_diff,
)
from studio.training.restore import restore_plan
from studio.training.runs import RunRecord, RunStore
from studio.training.settings import TrainingError, TrainingSettings
from tests.helpers import chain, small_cnn


# ----- architecture diff ------------------------------------------------------------------------
def _edited_cnn():
    """small_cnn with conv filters 8→16, the pooling removed and a Dropout before the Dense."""
    a, ids = small_cnn()
    for i, nid in enumerate(ids):  # left to right, as the editor lays a chain out
        a.move(nid, (i * 230.0, 0.0))
    b = a.copy()
    inp, conv, pool, flat, dense = ids
    b.set_params(conv, filters=16)
    b.remove(pool)
    b.connect(conv, flat)
    drop = b.add_layer("Dropout", {"rate": 0.5}, position=a.node(pool).position)
    b.disconnect(b.out_edges(flat)[0])
    b.connect(flat, drop)
    b.connect(drop, dense)
    return a, b


def test_diff_of_two_known_graphs_marks_added_removed_changed_and_param_deltas():
    a, b = _edited_cnn()
    diff = diff_graphs(a, b, "before", "after", sizes=param_sizes)
    status = {n.name: n.status for n in diff.nodes}
    assert status == {
        "input": "same",
        "conv2d": "changed",
        "flatten": "changed",
        "dropout": "added",
        "dense": "changed",
        "max_pooling2d": "removed",
    }
    conv = next(n for n in diff.nodes if n.name == "conv2d")
    assert [(c.name, c.before, c.after) for c in conv.changes] == [("filters", 8, 16)]
    # Conv2D 3x3x1: 8 filters = 80 params, 16 filters = 160.
    assert (conv.params_a, conv.params_b, conv.param_delta) == (80, 160, 80)
    dense = next(n for n in diff.nodes if n.name == "dense")
    # Without pooling the Dense sees 26*26*16 features instead of 13*13*8.
    assert dense.param_delta == (26 * 26 * 16 * 10 + 10) - (13 * 13 * 8 * 10 + 10)
    assert ("inputs", ["flatten"], ["dropout"]) in [
        (c.name, c.before, c.after) for c in dense.changes
    ]
    assert diff.total_a == 80 + 13 * 13 * 8 * 10 + 10
    assert diff.total_delta == diff.total_b - diff.total_a == sum(n.param_delta for n in diff.nodes)
    text = format_diff(diff)
    assert "+ dropout (Dropout)" in text and "- max_pooling2d (MaxPooling2D)" in text
    assert "filters: 8 -> 16" in text and "params +80" in text


def test_renamed_layer_is_matched_by_structure_and_defaults_are_not_differences():
    a, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3}), name="m")
    b = a.copy()
    b.rename(ids[1], "head")
    b.set_params(ids[1], use_bias=True)  # the default, spelled out
    diff = diff_graphs(a, b)
    head = next(n for n in diff.nodes if n.name == "head")
    assert head.status == "changed" and head.matched_by == "structure"
    assert [c.name for c in head.changes] == ["name"]
    assert not diff.added and not diff.removed
    assert diff_graphs(a, a.copy()).identical
    assert diff_graphs(a, b).total_a is None  # no sizes asked for, none given


# ----- runs ---------------------------------------------------------------------------------
def _tiny_model(units: int = 3) -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, name="dense")])
    model.compile("adam", "mse")
    return model


def _store_run(store: RunStore, run_id: str, losses, lr: float, units: int = 3) -> RunRecord:
    settings = TrainingSettings.from_dict({"optimizer": {"name": "Adam", "params": {}}})
    settings_dict = settings.to_dict()
    settings_dict["optimizer"]["params"]["learning_rate"] = lr
    epochs = [
        {
            "epoch": i + 1,
            "loss": loss,
            "val_loss": loss + 0.1,
            "accuracy": 1 - loss,
            "seconds": 1.5,
            "val_seconds": 0.5,
            "samples": 100,
        }
        for i, loss in enumerate(losses)
    ]
    record = RunRecord(
        id=run_id,
        started=f"2026-01-01T{run_id[9:11]}:00:00",
        finished=f"2026-01-01T{run_id[9:11]}:00:09",
        status="completed",
        settings=settings_dict,
        epochs=epochs,
        final_metrics={
            k: v
            for k, v in epochs[-1].items()
            if k not in ("epoch", "seconds", "val_seconds", "samples")
        },
    )
    store.save(record, _tiny_model(units))
    return record


@pytest.fixture
def two_runs(tmp_path):
    store = RunStore(tmp_path / "model.runs")
    _store_run(store, "20260101-100000-aaaaaa", [0.9, 0.5, 0.6], lr=0.001)
    _store_run(store, "20260101-110000-bbbbbb", [0.8, 0.3], lr=0.01, units=5)
    return store


def test_compare_table_has_final_and_best_metrics_time_params_and_settings_diff(two_runs):
    a = load_run("aaaaaa", two_runs.folder)
    b = load_run(two_runs.run_dir("20260101-110000-bbbbbb"))
    comparison = compare_runs([a, b])
    assert comparison.runs == ("run aaaaaa", "run bbbbbb")
    row_a, row_b = comparison.rows
    assert (
        row_a.final["loss"] == 0.6 and row_a.best["loss"] == 0.5 and row_a.best_epoch["loss"] == 2
    )
    assert row_a.best["accuracy"] == pytest.approx(0.5)  # higher is better for accuracy
    assert row_a.train_seconds == pytest.approx(6.0) and row_a.wall_seconds == 9.0
    assert (row_a.params, row_b.params) == (4 * 3 + 3, 4 * 5 + 5)
    assert [s.y for s in comparison.curves["loss"]] == [(0.9, 0.5, 0.6), (0.8, 0.3)]
    assert comparison.curves["loss"][0].x == (1.0, 2.0, 3.0)
    assert [(d.key, d.values) for d in comparison.settings] == [
        ("optimizer.params.learning_rate", (0.001, 0.01))
    ]
    text = format_comparison(comparison)
    assert "best loss" in text and "0.5 (ep 2)" in text and "learning_rate" in text


def test_settings_diff_ignores_options_of_callbacks_that_are_off_everywhere():
    one = TrainingSettings().to_dict()
    two = json.loads(json.dumps(one))
    two["callbacks"][0]["params"]["patience"] = 9  # EarlyStopping is off in both
    assert settings_diff([one, two]) == []
    two["callbacks"][0]["enabled"] = True
    keys = [d.key for d in settings_diff([one, two])]
    assert keys == ["callbacks.EarlyStopping.enabled", "callbacks.EarlyStopping.params.patience"]


def test_unknown_or_ambiguous_run_is_a_clear_error(two_runs):
    with pytest.raises(TrainingError, match="no run 'zzz'"):
        load_run("zzz", two_runs.folder)
    with pytest.raises(TrainingError, match="matches several runs"):
        load_run("20260101", two_runs.folder)
    with pytest.raises(TrainingError, match="at least two"):
        compare_runs([load_run("aaaaaa", two_runs.folder)])


def test_restore_plan_reads_a_runs_weights_per_node_without_touching_the_graph(two_runs):
    graph, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3}), name="m")
    run = load_run("aaaaaa", two_runs.folder)
    plan = restore_plan(run, graph)
    stored = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="dense")])
    stored.load_weights(two_runs.weights_path(run.id))
    np.testing.assert_allclose(plan.weights[ids[1]][0], stored.layers[0].get_weights()[0])
    assert plan.settings["optimizer"]["params"]["learning_rate"] == 0.001
    assert graph.weights == {}
    bigger, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 7}), name="m")
    with pytest.raises(TrainingError, match="do not fit"):
        restore_plan(run, bigger)


# ----- the CLI ------------------------------------------------------------------------------
def test_cli_compare_prints_text_and_json(two_runs, capsys):
    assert main(["compare", "aaaaaa", "bbbbbb", "--runs", str(two_runs.folder)]) == 0
    out = capsys.readouterr().out
    assert "run aaaaaa" in out and "run bbbbbb" in out and "final val_loss" in out
    assert main(["compare", "aaaaaa", "bbbbbb", "--runs", str(two_runs.folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"runs", "metrics", "table", "curves", "settings_diff"}
    assert data["table"][1]["best"]["loss"] == 0.3 and data["table"][1]["params"] == 25
    assert main(["compare", "aaaaaa", "nope", "--runs", str(two_runs.folder)]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_cli_diff_of_two_projects_text_and_json(tmp_path, capsys):
    a, b = _edited_cnn()
    pa = Project(a).save(tmp_path / "a.studio.json")
    pb = Project(b).save(tmp_path / "b.studio.json")
    assert main(["diff", str(pa), str(pb)]) == 0
    out = capsys.readouterr().out
    assert "+ dropout (Dropout)" in out and "1 added, 1 removed, 3 changed" in out
    assert main(["diff", str(pa), str(pb), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["added"], data["removed"], data["changed"]) == (1, 1, 3)
    assert data["total_param_delta"] == data["total_params_b"] - data["total_params_a"]
    assert main(["diff", str(pa), str(tmp_path / "missing.studio.json")]) == 2


def test_cli_diff_of_two_runs_uses_the_design_stored_with_each(two_runs, capsys):
    a, b = _edited_cnn()
    for run_id, graph in (("20260101-100000-aaaaaa", a), ("20260101-110000-bbbbbb", b)):
        save_run_graph(two_runs, run_id, graph)
    assert load_run_graph(load_run("aaaaaa", two_runs.folder)).to_dict() == a.to_dict()
    folder_a = two_runs.run_dir("20260101-100000-aaaaaa")
    folder_b = two_runs.run_dir("20260101-110000-bbbbbb")
    assert main(["diff", str(folder_a), str(folder_b), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 1
    (folder_b / "graph.json").unlink()
    assert main(["diff", str(folder_a), str(folder_b)]) == 2
    assert "no stored design" in capsys.readouterr().err


def test_studio_train_keeps_the_design_beside_the_run(tmp_path, capsys):
    graph, _ = chain(("Input", {"shape": [4]}), ("Dense", {"units": 3, "activation": "softmax"}))
    path = Project(
        graph,
        training={"epochs": 1, "batch_size": 32},
        dataset={"kind": "bundled", "name": "iris"},
    ).save(tmp_path / "iris.studio.json")
    assert main(["train", str(path)]) == 0
    (run_dir,) = (tmp_path / "iris.runs").iterdir()
    assert load_run_graph(load_run(run_dir)).to_dict() == graph.to_dict()
