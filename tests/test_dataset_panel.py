"""The dataset dock: picking a set loads it off the UI thread, previews it and emits the ref."""

import pytest
from PySide6.QtCore import Qt

from studio.data import DatasetRef, Preprocessing, keras_sets
from widgets.data.panel import DatasetPanel

LOAD_TIMEOUT_MS = 15_000


@pytest.fixture
def panel(qtbot):
    widget = DatasetPanel()
    qtbot.addWidget(widget)
    widget.resize(420, 720)
    widget.show()
    yield widget
    widget.jobs.wait(LOAD_TIMEOUT_MS)


def _select_bundled(qtbot, panel, name):
    item = panel.bundled_list.findItems(name, Qt.MatchFlag.MatchExactly)[0]
    with qtbot.waitSignal(panel.datasetChanged, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.bundled_list.setCurrentItem(item)
    return blocker.args[0]


def test_selecting_iris_shows_a_table_and_emits_its_ref(qtbot, panel):
    ref = _select_bundled(qtbot, panel, "iris")
    assert ref == DatasetRef("bundled", name="iris", preprocessing=panel.preprocessing())
    assert panel.preview_stack.currentWidget() is panel.table
    assert panel.table.columnCount() == 5 and panel.table.rowCount() == 8
    assert panel.table.horizontalHeaderItem(0).text() == "sepal length (cm)"
    assert panel.table.item(0, 4).text() in {"setosa", "versicolor", "virginica"}
    assert "train 120 · validation 30 · input (4,) float32 · 3 classes" in panel.summary.text()
    assert not panel.progress.isVisible() and panel.error_text() == ""
    assert "Iris" in panel.bundled_description.text()


def test_selecting_shapes_shows_thumbnails(qtbot, panel, artifacts_dir):
    _select_bundled(qtbot, panel, "shapes")
    assert panel.preview_stack.currentWidget() is panel.thumbnails
    assert panel.thumbnails.count() == 16
    labels = {panel.thumbnails.item(i).text() for i in range(16)}
    assert labels <= {"circle", "square", "triangle", "cross"} and len(labels) > 1
    assert "(28, 28, 1)" in panel.summary.text() and "4 classes" in panel.summary.text()
    assert panel.dataset().num_classes == 4
    panel.grab().save(str(artifacts_dir / "dataset_panel_shapes.png"))


def test_set_ref_fills_controls_and_previews_sequences(qtbot, panel):
    ref = DatasetRef("bundled", name="tokens",
                     preprocessing=Preprocessing(labels="one_hot", shuffle=False, seed=5))  # fmt: skip
    with qtbot.waitSignal(panel.datasetChanged, timeout=LOAD_TIMEOUT_MS) as blocker:
        panel.set_ref(ref)
    assert blocker.args[0] == ref
    assert panel.ref() == ref
    assert panel.labels_combo.currentText() == "one_hot" and panel.seed_spin.value() == 5
    assert panel.preview_stack.currentWidget() is panel.sequence_view
    first_line = panel.sequence_view.toPlainText().splitlines()[0]
    assert first_line.split("]")[0] in ("[negative", "[positive")
    assert "one-hot" in panel.summary.text()


def test_csv_ref_picks_target_and_features(qtbot, panel, tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text(
        "rooms,area,id,price\n" + "".join(f"{i % 5},{i * 3},{i},{i * 1.5}\n" for i in range(40))
    )
    ref = DatasetRef(
        "csv", path=str(path), options={"target": "price", "features": ["rooms", "area"]}
    )
    with qtbot.waitSignal(panel.datasetChanged, timeout=LOAD_TIMEOUT_MS):
        panel.set_ref(ref)
    assert panel.csv_target.currentText() == "price"
    assert panel._checked_features() == ["rooms", "area"]
    assert panel.ref().options == {"target": "price", "features": ["rooms", "area"]}
    assert panel.table.columnCount() == 3  # rooms, area, target
    assert "regression target" in panel.summary.text()


def test_missing_file_error_is_shown_in_the_panel(qtbot, panel, tmp_path):
    emitted = []
    panel.datasetChanged.connect(emitted.append)
    panel.set_ref(DatasetRef("npz", path=str(tmp_path / "gone.npz")))
    qtbot.waitUntil(
        lambda: "gone.npz does not exist" in panel.error_text(), timeout=LOAD_TIMEOUT_MS
    )
    assert not panel.progress.isVisible()
    assert emitted == []


def test_offline_keras_set_explains_itself(qtbot, panel, monkeypatch):
    def no_network(name, **kwargs):
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras_sets, "_fetch", no_network)
    monkeypatch.setattr(keras_sets, "is_cached", lambda name: False)
    panel.set_ref(DatasetRef("keras", name="mnist"))
    qtbot.waitUntil(lambda: panel.error_text() != "", timeout=LOAD_TIMEOUT_MS)
    assert panel.error_text().startswith("MNIST is not cached and the network is unreachable")
    assert panel.source_combo.currentData() == "keras"


def test_load_button_without_choice_asks_for_one(qtbot, panel):
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
    qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert "choose a dataset first" in panel.error_text()
