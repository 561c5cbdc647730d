"""The gallery dialog: searching, filtering by task, the details pane and the thumbnails."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor  # noqa: E402

from studio.gallery.templates import find_template  # noqa: E402
from studio.graph import Graph  # noqa: E402
from studio.project import Project  # noqa: E402
from widgets.app.gallery_dialog import GalleryDialog, render_thumbnail  # noqa: E402


@pytest.fixture
def dialog(qtbot) -> GalleryDialog:
    dlg = GalleryDialog()
    qtbot.addWidget(dlg)
    return dlg


def test_search_box_filters_the_list(dialog: GalleryDialog, qtbot) -> None:
    everything = dialog.visible_names()
    assert len(everything) == len(dialog.entries()) >= 20
    qtbot.keyClicks(dialog.search, "autoencoder")
    shown = dialog.visible_names()
    assert set(shown) == {
        "dense_autoencoder",
        "conv_autoencoder",
        "denoising_autoencoder",
        "vae_dense",
        "vae_conv",
        "ecg_anomaly_autoencoder",
    }
    assert dialog.selected_template() in shown
    dialog.search.clear()
    assert dialog.visible_names() == everything


def test_task_filter_shows_one_task(dialog: GalleryDialog) -> None:
    dialog.task_filter.setCurrentText("tabular")
    assert dialog.visible_names() == [
        "tiny_mlp_iris", "rbf_sine", "rbf_iris", "som_iris", "dqn_cartpole",
        "dueling_dqn_cartpole",
    ]  # fmt: skip
    dialog.search.setText("no such model")
    assert dialog.visible_names() == [] and dialog.selected_template() is None
    assert "No template matches" in dialog.details.toPlainText()


def test_selecting_shows_the_details(dialog: GalleryDialog, artifacts_dir) -> None:
    dialog.select("mnist_cnn")
    text = dialog.details.toPlainText()
    assert "MNIST CNN (LeNet-style)" in text
    assert "431,080" in text and "mnist_like" in text and "keras:mnist" in text
    assert "§3.2" in text and "CPU" in text
    assert "Expected accuracy" in text
    dialog.select("vgg16")
    assert "138,357,544" in dialog.details.toPlainText()
    assert "Needs a GPU" in dialog.details.toPlainText()
    dialog.grab().save(str(artifacts_dir / "gallery_dialog.png"))


def test_open_creates_the_project(dialog: GalleryDialog) -> None:
    dialog.select("lenet5")
    dialog.accept()
    assert dialog.selected_template() == "lenet5"
    project = dialog.project()
    assert project is not None and project.metadata["template"] == "lenet5"
    assert project.path is None


def _ink(pixmap) -> int:
    image = pixmap.toImage()
    white = QColor("#ffffff").rgb()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) != white
    )


def test_thumbnail_draws_the_real_graph() -> None:
    graph = Project.load(find_template("inception_cifar").path).graph
    assert _ink(render_thumbnail(graph)) > 50


def test_thumbnail_lays_out_a_graph_without_positions() -> None:
    graph = Graph.from_dict(Project.load(find_template("mnist_cnn").path).graph.to_dict())
    for node in graph.nodes:
        graph._replace_node(replace(node, position=(0.0, 0.0)))
    assert _ink(render_thumbnail(graph)) > 20
