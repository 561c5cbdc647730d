"""Builders of hostile and broken project files, shared by the hostile-file, fuzz and kill
tests. Everything is written under the test's temporary folder."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "model-studio-project"


def project_doc(**overrides: Any) -> dict[str, Any]:
    """A small valid project: Input (4,) → Dense(8, relu) → Dense(3, softmax)."""
    doc = {
        "format": FORMAT,
        "version": 2,
        "graph": {
            "name": "tiny",
            "nodes": [
                {"id": "n1", "type": "Input", "name": "input", "params": {"shape": [4]}},
                {
                    "id": "n2",
                    "type": "Dense",
                    "name": "hidden",
                    "params": {"units": 8, "activation": "relu"},
                    "position": [200.0, 0.0],
                },
                {
                    "id": "n3",
                    "type": "Dense",
                    "name": "out",
                    "params": {"units": 3, "activation": "softmax"},
                    "position": [400.0, 0.0],
                },
            ],
            "edges": [["n1", 0, "n2", 0], ["n2", 0, "n3", 0]],
        },
        "training": {"epochs": 1, "batch_size": 32},
        "dataset": {"kind": "bundled", "name": "iris"},
        "metadata": {},
    }
    doc.update(overrides)
    return doc


def write_doc(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def with_param(node_index: int, key: str, value: Any) -> dict[str, Any]:
    doc = project_doc()
    doc["graph"]["nodes"][node_index]["params"][key] = value
    return doc


def os_system_ref() -> dict[str, Any]:
    return {
        "module": "os",
        "class_name": "function",
        "config": "system",
        "registered_name": "function",
    }


class _Marker:
    """Unpickling this creates the marker file: proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def npy_bytes(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def pickled_npy(marker: Path) -> bytes:
    array = np.empty(1, dtype=object)
    array[0] = _Marker(marker)
    return npy_bytes(array, allow_pickle=True)


def huge_header_npy() -> bytes:
    """A .npy whose header claims (2**20, 2**20, 2**1) float32 values (8 TiB) and holds none."""
    header = {"descr": "<f4", "fortran_order": False, "shape": (2**20, 2**20, 2)}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    data = buf.getvalue()
    return data if data.startswith(b"\x93NUMPY") else np.lib.format.magic(1, 0) + data


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def with_weights_record(doc: dict[str, Any], file: str, sha256: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["weights"] = {"file": file, "sha256": sha256}
    return doc


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name → bytes), to prove nothing else changed."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(folder))] = p.read_bytes()
    return out
