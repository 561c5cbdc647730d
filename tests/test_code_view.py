"""The code view follows the graph, marks the selected node's lines, and imports pasted code."""

from __future__ import annotations

import pytest

from studio.compile.codegen import generate
from studio.graph import Graph, SetParams
from tests.helpers import small_cnn
from widgets.code.import_dialog import CodeImportDialog
from widgets.code.view import CodeView

SEQUENTIAL = """import keras

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(5, activation="relu", name="hidden"),
    keras.layers.Dense(2, name="out"),
])
"""


@pytest.fixture
def cnn() -> tuple[Graph, list[str]]:
    return small_cnn()


@pytest.fixture
def view(qtbot, cnn) -> CodeView:
    widget = CodeView(cnn[0])
    qtbot.addWidget(widget)
    return widget


def test_shows_the_generated_script(view, cnn):
    assert view.text() == generate(cnn[0]).text
    assert "keras.layers.Conv2D(" in view.text()


def test_changing_a_parameter_updates_the_text(qtbot, view, cnn):
    graph, ids = cnn
    graph.apply(SetParams(ids[1], {"filters": 13}))
    qtbot.waitUntil(lambda: "filters=13" in view.text(), timeout=3000)
    assert view.text() == generate(graph).text


def test_several_quick_edits_regenerate_once(qtbot, view, cnn, monkeypatch):
    graph, ids = cnn
    calls = []
    original = view.regenerate
    monkeypatch.setattr(view, "regenerate", lambda: (calls.append(1), original()))
    view._timer.timeout.disconnect()
    view._timer.timeout.connect(view.regenerate)
    for filters in (9, 10, 11, 12):
        graph.apply(SetParams(ids[1], {"filters": filters}))
    qtbot.waitUntil(lambda: "filters=12" in view.text(), timeout=3000)
    assert len(calls) == 1


def test_selecting_a_node_highlights_its_lines(view, cnn):
    graph, ids = cnn
    start, end = generate(graph).lines[ids[1]]
    view.set_selected([ids[1]])
    assert view.highlighted_lines() == list(range(start, end + 1))
    assert "Conv2D" in view.text().splitlines()[start - 1]
    view.set_selected([])
    assert view.highlighted_lines() == []


def test_highlight_follows_the_node_after_an_edit(qtbot, view, cnn):
    graph, ids = cnn
    view.set_selected([ids[-1]])
    graph.apply(SetParams(ids[1], {"filters": 21}))
    qtbot.waitUntil(lambda: "filters=21" in view.text(), timeout=3000)
    start, end = generate(graph).lines[ids[-1]]
    assert view.highlighted_lines() == list(range(start, end + 1))


def test_save_writes_the_script(view, cnn, tmp_path):
    target = view.save_to(tmp_path / "model.py")
    assert target.read_text() == generate(cnn[0]).text


def test_deleted_view_stops_listening_to_the_graph(qtbot, cnn):
    graph, ids = cnn
    widget = CodeView(graph)
    widget.deleteLater()
    qtbot.waitUntil(lambda: not graph._listeners, timeout=3000)
    graph.apply(SetParams(ids[1], {"filters": 3}))  # reaches no deleted view


@pytest.mark.slow
def test_dialog_imports_pasted_code_and_emits_the_graph(qtbot):
    dialog = CodeImportDialog()
    qtbot.addWidget(dialog)
    dialog.editor.setPlainText(SEQUENTIAL)
    with qtbot.waitSignal(dialog.graphImported, timeout=90_000) as blocker:
        dialog.import_button.click()
        assert dialog.is_busy or blocker.signal_triggered
    graph = blocker.args[0]
    assert isinstance(graph, Graph)
    assert graph.node_by_name("hidden").params["units"] == 5
    assert not dialog.is_busy


def test_dialog_shows_an_error_and_stays_open(qtbot):
    dialog = CodeImportDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editor.setPlainText("import keras\nmodel = (\n")
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert "syntax error at line" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.import_button.isEnabled()


@pytest.mark.slow
def test_code_view_passes_on_an_imported_graph(qtbot, view):
    dialog = view.open_import_dialog()
    dialog.editor.setPlainText(SEQUENTIAL)
    with qtbot.waitSignal(view.graphImported, timeout=90_000) as blocker:
        dialog.import_button.click()
    assert isinstance(blocker.args[0], Graph)


def test_dialog_says_it_is_not_a_security_sandbox(qtbot):
    dialog = CodeImportDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.containment_label.isVisible()
    assert "not a security sandbox" in dialog.containment_label.text()


def test_dialog_loads_custom_objects_from_a_chosen_file(qtbot, tmp_path, monkeypatch):
    import keras
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    source = tmp_path / "my_layers.py"
    source.write_text(
        "import keras\n\n\nclass DialogTriple(keras.layers.Layer):\n"
        "    def call(self, x):\n        return 3 * x\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), ""))
    )
    dialog = CodeImportDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        qtbot.mouseClick(dialog.custom_button, Qt.MouseButton.LeftButton)
        assert "DialogTriple" in dialog.custom_label.text()
        assert "DialogTriple" in keras.saving.get_custom_objects()
    finally:
        keras.saving.get_custom_objects().pop("DialogTriple", None)
    (tmp_path / "bad.py").write_text("x = 1\n", encoding="utf-8")
    assert not dialog.load_custom_objects(str(tmp_path / "bad.py"))
    assert "defines no Keras class" in dialog.error_label.text()


def test_an_update_rewrites_only_the_lines_that_changed(qtbot):
    """Seeded edits of every kind (change, insert, delete, at the start, the middle, the
    end, with and without a final newline) give exactly the new text."""
    import random

    from PySide6.QtWidgets import QPlainTextEdit

    from widgets.code.view import replace_changed_lines

    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    rng = random.Random(7)
    for _ in range(800):
        old = [rng.choice(["a", "bb", "", "c"]) for _ in range(rng.randint(0, 7))]
        new = list(old)
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.4 and new:
                new[rng.randrange(len(new))] = rng.choice(["x", "", "yy"])
            elif roll < 0.7:
                new.insert(rng.randint(0, len(new)), "p")
            elif new:
                del new[rng.randrange(len(new))]
        before = "\n".join(old) + ("\n" if rng.random() < 0.3 else "")
        after = "\n".join(new) + ("\n" if rng.random() < 0.3 else "")
        editor.setPlainText(before)
        replace_changed_lines(editor, before, after)
        assert editor.toPlainText() == after, (before, after)


def test_only_the_lines_on_screen_are_coloured_and_a_changed_line_again(qtbot):
    """A 3,000-line script: colouring every line on the UI thread took over 100 ms."""
    from PySide6.QtWidgets import QPlainTextEdit

    from widgets.code.highlight import VisibleLinesHighlighter
    from widgets.code.view import replace_changed_lines

    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    editor.resize(400, 300)
    highlighter = VisibleLinesHighlighter(editor)
    editor.show()
    qtbot.waitExposed(editor)
    lines = [f"x{i} = layers.Dense({i})(x{i - 1})" for i in range(3000)]
    before = "\n".join(lines)
    editor.setPlainText(before)
    document = editor.document()
    qtbot.waitUntil(lambda: document.findBlockByNumber(0).layout().formats() != [])
    assert 0 < highlighter.coloured < 100  # the lines on screen, not 3,000
    assert document.findBlockByNumber(2999).layout().formats() == []
    highlighter.coloured = 0
    lines[3] = "x3 = layers.Dense(7)(x2)"
    replace_changed_lines(editor, before, "\n".join(lines))
    assert editor.toPlainText() == "\n".join(lines)
    qtbot.waitUntil(lambda: highlighter.coloured >= 1)
    assert highlighter.coloured < 5  # the changed line, not the screen again
    changed = document.findBlockByNumber(3).layout().formats()
    assert any(r.start == len("x3 = layers.Dense(") and r.length == 1 for r in changed)
    editor.verticalScrollBar().setValue(editor.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: document.findBlockByNumber(2999).layout().formats() != [])
