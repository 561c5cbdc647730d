"""AutoML search: the search space in the project file, trial designs, KerasTuner runs, CLI."""

import json

import pytest

from studio.cli import main
from studio.compile.compiler import compile_graph
from studio.graph.grouping import group_op
from studio.project import Project
from studio.training.runs import RunStore
from studio.tuning import Dimension, SearchSpace, SearchSpaceError, apply_op, trial_graph
from studio.tuning.objective import Objective, Scored, best, pareto_front
from studio.tuning.search import Search, SearchListener, SearchOptions, read_trials
from tests.helpers import chain


def mlp():
    return chain(
        ("Input", {"shape": [4]}),
        ("Dense", {"units": 8, "activation": "relu"}),
        ("Dropout", {"rate": 0.1}),
        ("Dense", {"units": 3, "activation": "softmax"}),
        name="mlp",
    )


def iris_project(tmp_path, dims):
    graph, ids = mlp()
    project = Project(
        graph,
        training={"epochs": 1, "batch_size": 32},
        dataset={"kind": "bundled", "name": "iris"},
    )
    project.search = SearchSpace(tuple(dims(ids))).to_dict()
    project.save(tmp_path / "mlp.studio.json")
    return project, ids


def units_and_lr(ids):
    return [
        Dimension("node", ids[1], "units", "int", low=2, high=12, step=2),
        Dimension(
            "training",
            "learning_rate",
            "learning_rate",
            "float",
            low=1e-3,
            high=1e-1,
            sampling="log",
        ),
    ]


# ----- the search space ---------------------------------------------------------------------
def test_search_space_round_trips_through_the_project_file(tmp_path):
    project, ids = iris_project(
        tmp_path,
        lambda ids: [
            *units_and_lr(ids),
            Dimension("node", ids[1], "activation", "choice", values=("relu", "tanh")),
            Dimension("block", ids[2], "optional", "bool"),
        ],
    )
    loaded = Project.load(project.path)
    space = SearchSpace.from_dict(loaded.search)
    assert space == SearchSpace.from_dict(project.search)
    assert [d.key for d in space.dimensions] == [
        f"node.{ids[1]}.units",
        "training.learning_rate",
        f"node.{ids[1]}.activation",
        f"block.{ids[2]}.optional",
    ]
    assert space.dimensions[1].sampling == "log"
    assert space.label(space.dimensions[0], loaded.graph) == "dense.units"


def test_a_project_without_a_search_saves_as_before(tmp_path):
    graph, _ = mlp()
    path = Project(graph).save(tmp_path / "plain.studio.json")
    data = json.loads(path.read_text())
    assert "search" not in data
    assert Project.load(path).search == {}
    assert not SearchSpace.from_dict(Project.load(path).search)


def test_an_impossible_range_is_refused_with_its_values():
    with pytest.raises(SearchSpaceError, match=r"lowest must not exceed highest; received 8..2"):
        Dimension("node", "n2", "units", "int", low=8, high=2)
    with pytest.raises(SearchSpaceError, match="log sampling needs a positive lowest"):
        Dimension("node", "n2", "rate", "float", low=0.0, high=0.5, sampling="log")


def test_a_malformed_search_section_is_a_message(tmp_path):
    graph, _ = mlp()
    path = Project(graph).save(tmp_path / "p.studio.json")
    data = json.loads(path.read_text())
    data["search"] = {"dimensions": [{"target": "node", "ref": "n2", "param": "units"}]}
    path.write_text(json.dumps(data))
    with pytest.raises(SearchSpaceError, match="malformed"):
        SearchSpace.from_dict(Project.load(path).search)


# ----- trial designs --------------------------------------------------------------------------
def test_a_left_out_block_is_bypassed_and_a_repeated_block_is_chained():
    graph, ids = chain(
        ("Input", {"shape": [6]}),
        ("Dense", {"units": 6, "activation": "relu"}),
        ("Dense", {"units": 6, "activation": "relu"}),
        ("Dropout", {"rate": 0.2}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    )
    op, gid = group_op(graph, [ids[2], ids[3]], "stage")
    graph.apply(op)
    space = SearchSpace(
        (
            Dimension("block", gid, "repeat", "int", low=1, high=3),
            Dimension("node", ids[2], "units", "choice", values=(6, 9)),
        )
    )
    three = trial_graph(graph, space, {f"block.{gid}.repeat": 3})
    model = compile_graph(three)
    assert [type(layer).__name__ for layer in model.layers].count("Dropout") == 3
    assert len(three.groups) == 3
    assert len(graph) == 5  # the design itself is untouched
    gone = trial_graph(
        graph,
        SearchSpace((Dimension("block", gid, "optional", "bool"),)),
        {f"block.{gid}.optional": False},
    )
    assert [type(layer).__name__ for layer in compile_graph(gone).layers] == [
        "InputLayer",
        "Dense",
        "Dense",
    ]


def test_a_block_that_gives_the_model_output_cannot_be_left_out():
    graph, ids = mlp()
    space = SearchSpace((Dimension("block", ids[3], "optional", "bool"),))
    with pytest.raises(SearchSpaceError, match="gives the model's output"):
        trial_graph(graph, space, {f"block.{ids[3]}.optional": False})


def test_apply_writes_layers_and_training_as_one_undoable_edit(tmp_path):
    project, ids = iris_project(
        tmp_path, lambda ids: [*units_and_lr(ids), Dimension("block", ids[2], "optional", "bool")]
    )
    before_graph = project.graph.to_dict()
    before_training = dict(project.training)
    space = SearchSpace.from_dict(project.search)
    values = {
        f"node.{ids[1]}.units": 10,
        "training.learning_rate": 0.02,
        f"block.{ids[2]}.optional": False,
    }
    inverse = project.graph.apply(apply_op(project, space, values, "Apply trial 3"))
    assert project.graph.node(ids[1]).params["units"] == 10
    assert ids[2] not in project.graph
    assert project.training["optimizer"]["params"]["learning_rate"] == 0.02
    assert project.training["epochs"] == 1
    project.graph.apply(inverse)
    assert project.graph.to_dict() == before_graph
    assert project.training == before_training


# ----- ranking ----------------------------------------------------------------------------------
def test_pareto_front_keeps_only_undominated_trials():
    trials = [
        Scored("0", 0.90, 500),
        Scored("1", 0.85, 100),
        Scored("2", 0.80, 300),
        Scored("3", 0.95, 900),
        Scored("4", 0.95, 800),
    ]
    objective = Objective.parse("val_accuracy")
    assert [t.trial_id for t in pareto_front(trials, objective)] == ["1", "0", "4"]
    assert best(trials, objective).trial_id == "4"  # equal accuracy: the smaller model
    assert Objective.parse("val_loss").direction == "min"


# ----- searching ----------------------------------------------------------------------------
def _search(project, folder, listener=None, **options):
    from studio.data import DatasetRef, load

    ref = DatasetRef.from_dict(project.dataset)
    return Search(
        project.graph,
        project.training,
        SearchSpace.from_dict(project.search),
        load(ref),
        folder,
        SearchOptions(**{"trials": 2, "seed": 3, **options}),
        run_store=RunStore(project.runs_dir),
        dataset_ref=ref.to_dict(),
        listener=listener,
    )


@pytest.mark.slow
def test_a_small_search_trains_each_trial_as_a_kept_run(tmp_path):
    project, ids = iris_project(tmp_path, units_and_lr)
    ended = []
    result = _search(project, tmp_path / "t", SearchListener(on_trial_end=ended.append)).run()
    assert result.status == "completed", result.message
    assert [t.trial_id for t in result.trials] == ["0", "1"] == [t.trial_id for t in ended]
    runs = {r.id: r for r in RunStore(project.runs_dir).list()}
    for trial in result.trials:
        assert trial.status == "completed"
        assert 0.0 <= trial.metric <= 1.0
        units = trial.values[f"node.{ids[1]}.units"]
        assert trial.params == (4 * units + units) + (3 * units + 3)  # Dense(4→u), Dense(u→3)
        run = runs[trial.run_id]
        lr = run.settings["optimizer"]["params"]["learning_rate"]
        assert lr == pytest.approx(trial.values["training.learning_rate"])
    assert result.best is not None
    assert [t.trial_id for t in read_trials(tmp_path / "t" / "random")] == ["0", "1"]


@pytest.mark.slow
def test_designs_over_the_parameter_budget_are_skipped_untrained(tmp_path):
    project, ids = iris_project(tmp_path, units_and_lr)
    result = _search(project, tmp_path / "t", max_params=10).run()
    assert result.status == "completed", result.message
    assert {t.status for t in result.trials} == {"over_budget"}
    assert all(t.run_id is None and "over the budget of 10" in t.message for t in result.trials)
    assert result.best is None
    assert RunStore(project.runs_dir).list() == []


@pytest.mark.slow
def test_a_stopped_search_resumes_where_it_was(tmp_path):
    project, _ = iris_project(tmp_path, units_and_lr)
    search = _search(project, tmp_path / "t", trials=3)
    search.listener.on_trial_end = lambda _t: search.stop()
    first = search.run()
    assert first.status == "stopped"
    assert [t.status for t in first.trials] == ["completed"]
    resumed = _search(project, tmp_path / "t", trials=3).run(resume=True)
    assert resumed.status == "completed", resumed.message
    assert [t.trial_id for t in resumed.trials] == ["0", "1", "2"]
    assert resumed.trials[0].metric == first.trials[0].metric  # kept, not trained again


@pytest.mark.slow
def test_resuming_after_the_space_changed_is_refused(tmp_path):
    project, ids = iris_project(tmp_path, units_and_lr)
    _search(project, tmp_path / "t", trials=1).run()
    project.search = SearchSpace(
        (Dimension("node", ids[1], "units", "int", low=2, high=4),)
    ).to_dict()
    result = _search(project, tmp_path / "t", trials=2).run(resume=True)
    assert result.status == "failed"
    assert "search space changed" in result.message


def test_a_search_with_nothing_marked_says_what_to_do(tmp_path):
    project, _ = iris_project(tmp_path, lambda ids: [])
    result = _search(project, tmp_path / "t").run()
    assert result.status == "failed" and "nothing is marked searchable" in result.message


# ----- the command line ---------------------------------------------------------------------
@pytest.mark.slow
def test_cli_tune_runs_trials_writes_json_and_applies_the_best(tmp_path, capsys):
    project, ids = iris_project(tmp_path, units_and_lr)
    log = tmp_path / "tune.json"
    code = main(
        [
            "tune",
            str(project.path),
            "--trials",
            "2",
            "--seed",
            "1",
            "--log-json",
            str(log),
            "--apply",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(log.read_text())
    assert {"status", "objective", "trials", "best", "pareto", "max_params"} <= set(data)
    assert len(data["trials"]) == 2 and data["objective"] == "val_accuracy"
    assert "trial 0: dense.units=" in captured.err
    assert f"best trial {data['best']['trial_id']}" in captured.out
    applied = Project.load(project.path)
    best_units = data["best"]["values"][f"node.{ids[1]}.units"]
    assert applied.graph.node(ids[1]).params["units"] == best_units
    assert (tmp_path / "mlp.tuning" / "random").is_dir()


def test_cli_tune_without_marks_is_one_line_error(tmp_path, capsys):
    project, _ = iris_project(tmp_path, lambda ids: [])
    assert main(["tune", str(project.path), "--trials", "1"]) == 2
    assert "nothing is marked searchable" in capsys.readouterr().err


@pytest.mark.slow
def test_a_distributed_search_splits_trials_between_workers(tmp_path):
    """KerasTuner's own chief/worker mode through ``studio tune`` (docs/distributed.md)."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    project, _ = iris_project(tmp_path, units_and_lr)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    root = str(Path(__file__).resolve().parent.parent)

    def start(tuner_id: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "PYTHONPATH": root,
            "KERASTUNER_TUNER_ID": tuner_id,
            "KERASTUNER_ORACLE_IP": "127.0.0.1",
            "KERASTUNER_ORACLE_PORT": port,
        }
        argv = [
            sys.executable,
            "-m",
            "studio",
            "tune",
            str(project.path),
            "--trials",
            "2",
            "--seed",
            "1",
            "--log-json",
            str(tmp_path / f"{tuner_id}.json"),
        ]
        return subprocess.Popen(
            argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    chief = start("chief")
    worker = start("tuner0")
    out, err = worker.communicate(timeout=300)
    assert worker.returncode == 0, err
    assert "distributed search as worker tuner0" in err
    chief_out, chief_err = chief.communicate(timeout=300)
    assert chief.returncode == 0, chief_err
    data = json.loads((tmp_path / "chief.json").read_text())
    assert [t["status"] for t in data["trials"]] == ["completed", "completed"]
    assert data["best"]["trial_id"] in chief_out


@pytest.mark.slow
def test_hyperband_continues_trials_from_the_tuners_checkpoints(tmp_path):
    project, _ = iris_project(tmp_path, units_and_lr)
    project.training["epochs"] = 3
    result = _search(project, tmp_path / "t", tuner="hyperband", trials=4).run()
    assert result.status == "completed", result.message
    assert len(result.trials) == 4
    assert {t.status for t in result.trials} == {"completed"}
    epochs = [len(r.epochs) for r in RunStore(project.runs_dir).list()]
    assert sum(epochs) < 4 * 3  # brackets train some trials for fewer epochs than the maximum


def test_data_that_cannot_fit_the_design_is_refused_before_any_trial(tmp_path):
    project, _ = iris_project(tmp_path, units_and_lr)
    project.dataset = {"kind": "bundled", "name": "wine"}  # 13 features, the design reads 4
    result = _search(project, tmp_path / "t").run()
    assert result.status == "failed"
    assert "does not fit the model" in result.message and not result.trials


def test_a_range_the_layer_refuses_is_named_before_the_search(tmp_path):
    project, ids = iris_project(
        tmp_path, lambda ids: [Dimension("node", ids[1], "units", "int", low=0, high=8)]
    )
    result = _search(project, tmp_path / "t").run()
    assert result.status == "failed" and not result.trials
    assert "dense.units: the searched value 0 is refused (units must be at least 1)" in (
        result.message
    )


def test_a_left_out_block_is_not_also_repeated():
    graph, ids = chain(
        ("Input", {"shape": [6]}),
        ("Dense", {"units": 6, "activation": "relu"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    )
    space = SearchSpace(
        (
            Dimension("block", ids[1], "repeat", "int", low=1, high=3),
            Dimension("block", ids[1], "optional", "bool"),
        )
    )
    values = {f"block.{ids[1]}.repeat": 3, f"block.{ids[1]}.optional": False}
    assert [type(x).__name__ for x in compile_graph(trial_graph(graph, space, values)).layers] == [
        "InputLayer",
        "Dense",
    ]
