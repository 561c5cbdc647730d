"""Hostile project content never becomes code in a generated script.

Each case puts a payload that would create a marker file into a place where a script generator
might paste text (the model's name, a layer's name, an opaque type, an initializer's class or
config keys, a recorded call's keywords). The script must compile, build its model, and leave no
marker, whether run in this process or through ``studio export --format python``. Verifying an
export runs the script in the contained child, which refuses writes outside its folder even for
a script that was not written by us.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.cli import main as cli_main
from studio.compile.codegen import generate_script
from studio.graph import Graph, Node
from studio.interop.export import _read_python
from studio.project import Project


def payload(marker: Path) -> str:
    return f'__import__("builtins").open({str(marker)!r}, "w")'


def _dense_graph(name: str = "model", layer_name: str = "dense", **dense_params) -> Graph:
    graph = Graph(name)
    x = graph.add_layer("Input", {"shape": [4]})
    d = graph.add_layer("Dense", {"units": 2, **dense_params}, name=layer_name)
    graph.connect(x, d)
    return graph


def cases(marker: Path) -> dict[str, Graph]:
    code = payload(marker)
    out: dict[str, Graph] = {
        "graph name breaks the docstring": _dense_graph(f'x"""+str({code})+"""'),
        "graph name breaks a string": _dense_graph(f"x\"+str({code})+\"'+str({code})+'"),
        "layer name": _dense_graph(layer_name=f'd"); {code}; ("'),
        "layer name with newline": _dense_graph(layer_name=f"d\n{code}\n"),
        "initializer class": _dense_graph(
            kernel_initializer={
                "module": "keras.initializers",
                "class_name": f"Zeros(); {code}; keras.initializers.Zeros",
                "config": {},
                "registered_name": None,
            }
        ),
        "initializer config key": _dense_graph(
            kernel_initializer={
                "module": "keras.initializers",
                "class_name": "Constant",
                "config": {f"value=0.0, x={code}, y": 1},
                "registered_name": None,
            }
        ),
    }
    graph = Graph("opaque")
    x = graph.add_layer("Input", {"shape": [4]})
    node = Node(
        "n9",
        f"Dense\n{code}\n#",
        f"o'''\n{code}",
        {
            "module": "keras.layers",
            "class_name": "Dense",
            "config": {"units": 2, f"k={code}": 1},
            "registered_name": None,
            "call": {"args": [{"__tensor__": 0}], "kwargs": {f"a={code},b": 1}},
        },
        opaque=True,
    )
    graph._insert_node(node)
    graph.connect(x, node.id)
    out["opaque type, name, config key and call keyword"] = graph
    return out


CASES = sorted(cases(Path("MARK")))


@pytest.mark.parametrize("case", CASES)
def test_generated_script_holds_payloads_only_as_text(case, tmp_path: Path) -> None:
    marker = tmp_path / "MARK"
    graph = cases(marker)[case]
    text = generate_script(graph)
    code = compile(text, "generated.py", "exec")
    namespace: dict = {"__name__": "generated"}
    try:
        exec(code, namespace)
        namespace["build_model"]()
    except Exception:  # noqa: BLE001 - a hostile config may be refused by Keras: that is fine
        pass
    assert not marker.exists(), text


@pytest.mark.slow
def test_cli_export_of_a_hostile_project_creates_no_marker(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative marker: Keras refuses '/' in a model's name
    marker = tmp_path / "MARK"
    graph = cases(Path("MARK"))["graph name breaks the docstring"]
    project = tmp_path / "hostile.studio.json"
    Project(graph=graph).save(project)
    status = cli_main(["export", str(project), "--format", "python", "-o", str(tmp_path / "m.py")])
    assert status == 0, capsys.readouterr().err
    assert not marker.exists()
    assert "verified" in capsys.readouterr().out
    Project(graph=cases(marker)["layer name"]).save(project)
    assert cli_main(["export", str(project), "--format", "python", "-o", "m3.py"]) == 2
    assert "the model has 1 issue(s): Dense" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.slow
def test_verifying_a_script_runs_it_contained(tmp_path: Path) -> None:
    """Even a script not written by the generator cannot write outside its folder."""
    import keras

    marker = tmp_path / "MARK"
    script = tmp_path / "evil.py"
    script.write_text(
        f"import keras\nopen({str(marker)!r}, 'w').write('x')\n"
        "def build_model():\n    i = keras.Input((2,))\n    return keras.Model(i, i)\n",
        encoding="utf-8",
    )
    i = keras.Input((2,))
    model = keras.Model(i, keras.layers.Dense(1)(i))
    got, note = _read_python(model, script, [np.zeros((1, 2), "float32")], False)
    assert got is None and "outside the temporary folder" in note
    assert not marker.exists()
