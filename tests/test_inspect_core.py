"""Qt-free checks of studio.inspect against hand-computed values and scikit-learn."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import precision_recall_fscore_support

from studio.data.dataset import Dataset
from studio.inspect import (
    ActivationProbe,
    activation_histograms,
    activation_projection,
    class_report,
    confusion_matrix,
    estimate_macs,
    evaluate,
    filter_grid,
    grad_cam,
    gradient_saliency,
    histogram,
    misclassified_first,
    normalise_confusion,
    overlay,
    pca_2d,
    summarize,
    weight_histograms,
)

IMAGE = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype="float32",
)
KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype="float32")


@pytest.fixture
def hand_conv() -> keras.Model:
    inp = keras.Input((5, 5, 1))
    out = keras.layers.Conv2D(1, 3, padding="valid", use_bias=False, name="conv")(inp)
    model = keras.Model(inp, out)
    model.get_layer("conv").set_weights([KERNEL.reshape(3, 3, 1, 1)])
    return model


@pytest.fixture
def small_cnn() -> keras.Model:
    keras.utils.set_random_seed(0)
    inp = keras.Input((12, 12, 1))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Flatten(name="flat")(x)
    out = keras.layers.Dense(3, activation="softmax", name="head")(x)
    return keras.Model(inp, out)


def test_feature_map_matches_hand_convolution(hand_conv):
    maps = ActivationProbe(hand_conv).maps("conv", IMAGE[..., None])
    assert maps.kind == "maps"
    np.testing.assert_allclose(maps.data[0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_probe_builds_submodel_once_and_caches_per_sample(small_cnn):
    probe = ActivationProbe(small_cnn)
    rng = np.random.default_rng(0)
    samples = rng.random((3, 12, 12, 1), dtype="float32")
    for s in samples:
        for name in ("conv1", "pool", "flat", "head"):
            probe.maps(name, s)
    assert probe.build_count == 1
    assert probe.activations(samples[0]) is probe.activations(samples[0])
    assert probe.maps("flat", samples[0]).kind == "vector"
    assert probe.maps("conv1", samples[0]).count == 8


def test_probe_shapes_sequences_as_time_by_channel():
    inp = keras.Input((20, 2))
    out = keras.layers.Conv1D(4, 3, name="c1")(inp)
    maps = ActivationProbe(keras.Model(inp, out)).maps("c1", np.zeros((20, 2), "float32"))
    assert maps.kind == "sequence" and maps.data.shape == (18, 4)


def test_invalidate_recomputes_after_weights_change(hand_conv):
    probe = ActivationProbe(hand_conv)
    before = probe.maps("conv", IMAGE[..., None]).data.copy()
    hand_conv.get_layer("conv").set_weights([2 * KERNEL.reshape(3, 3, 1, 1)])
    probe.invalidate()
    np.testing.assert_allclose(probe.maps("conv", IMAGE[..., None]).data, 2 * before)
    assert probe.build_count == 1


def test_filter_grid_shows_hand_kernel_and_bias(hand_conv):
    grid = filter_grid(hand_conv.get_layer("conv"), normalise="none")
    assert grid.images.shape == (1, 3, 3) and grid.bias is None
    np.testing.assert_allclose(grid.images[0], KERNEL)


def test_filter_grid_modes_and_normalisation():
    conv = keras.layers.Conv2D(8, 3, name="c")
    conv(keras.Input((10, 10, 3)))
    mean = filter_grid(conv)
    per_channel = filter_grid(conv, channel_mode="per_channel")
    assert mean.images.shape == (8, 3, 3) and len(mean.labels) == 8
    assert per_channel.images.shape == (24, 3, 3) and per_channel.labels[1] == "f0 c1"
    assert mean.bias.shape == (8,)
    assert np.allclose(mean.images.reshape(8, -1).max(1), 1.0)
    assert np.allclose(mean.images.reshape(8, -1).min(1), 0.0)
    layer_norm = filter_grid(conv, normalise="layer")
    assert layer_norm.images.max() == pytest.approx(1.0)
    assert layer_norm.images.min() == pytest.approx(0.0)


def test_filter_grid_reduces_3d_kernels_and_reshapes_dense():
    conv3 = keras.layers.Conv3D(4, 3)
    conv3(keras.Input((6, 6, 6, 2)))
    kernel = keras.ops.convert_to_numpy(conv3.kernel)
    grid = filter_grid(conv3, normalise="none", depth_reduction="max")
    assert grid.depth_reduction == "max"
    np.testing.assert_allclose(grid.images[0], kernel.max(0).mean(2)[..., 0], rtol=1e-6)
    inp = keras.Input((7, 7))
    dense = keras.layers.Dense(5)
    dense(keras.layers.Flatten()(inp))
    assert filter_grid(dense).images.shape == (5, 7, 7)


def test_filter_grid_folds_a_wide_dense_layer_into_blocks():
    """2,048 pooled features per unit: near-square blocks, not strips a pixel high."""
    wide = keras.layers.Dense(3)
    wide(keras.Input((2048,)))
    assert filter_grid(wide).images.shape == (3, 32, 64)
    few = keras.layers.Dense(3)
    few(keras.Input((10,)))
    assert filter_grid(few).images.shape == (3, 1, 10)  # a few features read as a strip
    prime = keras.layers.Dense(2)
    prime(keras.Input((1009,)))
    assert filter_grid(prime).images.shape == (2, 1, 1009)  # nothing folds it evenly


def test_filter_grid_handles_depthwise_separable_and_transpose():
    inp = keras.Input((8, 8, 3))
    for layer, count in [
        (keras.layers.DepthwiseConv2D(3, depth_multiplier=2), 6),
        (keras.layers.SeparableConv2D(5, 3), 5),
        (keras.layers.Conv2DTranspose(4, 3), 4),
    ]:
        layer(inp)
        assert filter_grid(layer).images.shape == (count, 3, 3)


def _quadrant_model(mask_input: bool) -> keras.Model:
    """Logit 0 depends only on the top-left 8x8 quadrant of a 16x16 image."""
    keras.utils.set_random_seed(1)
    inp = keras.Input((16, 16, 1))
    x = inp
    if mask_input:
        x = keras.layers.Cropping2D(((0, 8), (0, 8)))(x)
        x = keras.layers.ZeroPadding2D(((0, 8), (0, 8)))(x)
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv")(x)
    x = keras.layers.Activation("relu")(x)
    if not mask_input:
        x = keras.layers.Cropping2D(((0, 8), (0, 8)))(x)
    x = keras.layers.Flatten()(x)
    out = keras.layers.Dense(2, name="logits")(x)
    model = keras.Model(inp, out)
    conv = model.get_layer("conv")
    conv.set_weights([np.abs(conv.get_weights()[0])])  # positive filters: ReLU passes signal
    dense = model.get_layer("logits")
    w, b = dense.get_weights()
    dense.set_weights([np.abs(w), b])
    return model


def test_grad_cam_highlights_the_quadrant_that_drives_the_class():
    image = np.random.default_rng(0).random((16, 16, 1), dtype="float32")
    heat = grad_cam(_quadrant_model(mask_input=True), image, "conv", class_index=0)
    assert heat.values.shape == (16, 16)
    assert heat.values[:8, :8].sum() / heat.values.sum() > 0.8
    fine = grad_cam(_quadrant_model(False), image, "conv", class_index=0, method="hirescam")
    assert fine.values[:8, :8].sum() / fine.values.sum() > 0.95


def test_gradient_saliency_and_overlay():
    image = np.random.default_rng(0).random((16, 16, 1), dtype="float32")
    sal = gradient_saliency(_quadrant_model(False), image, class_index=0)
    assert sal.values.shape == (16, 16)
    # A 3x3 "same" conv lets row/column 8 reach the quadrant; nothing beyond it does.
    assert sal.values[9:].max() == 0.0 and sal.values[:, 9:].max() == 0.0
    assert sal.values[:8, :8].max() == 1.0
    rgb = overlay(image, sal.values)
    assert rgb.shape == (16, 16, 3) and rgb.dtype == np.uint8


def test_confusion_and_class_report_match_sklearn():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, 4, 200))
    y_pred[y_pred == 3] = 2  # class 3 never predicted: precision must be 0, not NaN
    cm = confusion_matrix(y_true, y_pred, 4)
    np.testing.assert_array_equal(cm, sk_confusion(y_true, y_pred, labels=range(4)))
    np.testing.assert_allclose(normalise_confusion(cm).sum(1), 1.0)
    report = class_report(cm)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=range(4), zero_division=0)
    np.testing.assert_allclose(report.precision, p)
    np.testing.assert_allclose(report.recall, r)
    np.testing.assert_allclose(report.f1, f)
    np.testing.assert_array_equal(report.support, s)


def test_misclassified_come_first_most_confident_first():
    y_true = np.array([0, 1, 1, 0])
    y_pred = np.array([0, 0, 1, 1])
    scores = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.1, 0.9]])
    assert misclassified_first(y_true, y_pred, scores).tolist() == [3, 1, 0, 2]


def test_evaluate_classification_and_regression(small_cnn):
    rng = np.random.default_rng(0)
    x = rng.random((40, 12, 12, 1), dtype="float32")
    y = rng.integers(0, 3, 40)
    small_cnn.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ds = Dataset("toy", x, y, x[:20], y[:20], class_names=["a", "b", "c"])
    result = evaluate(small_cnn, ds)
    assert result.split == "val" and result.loss is not None
    assert result.confusion.shape == (3, 3) and result.confusion.sum() == 20
    assert result.report.names == ["a", "b", "c"]
    wrong = result.misclassified
    assert set(result.order[: len(wrong)]) == set(wrong)

    inp = keras.Input((3,))
    reg = keras.Model(inp, keras.layers.Dense(1)(inp))
    xr = rng.random((30, 3), dtype="float32")
    yr = xr.sum(1)
    res = evaluate(reg, Dataset("r", xr, yr, task="regression"))
    assert res.split == "train" and "training split" in res.note
    np.testing.assert_allclose(res.residuals, res.y_pred - yr, rtol=1e-5)
    assert res.metrics["mae"] == pytest.approx(np.abs(res.residuals).mean())


def test_pca_projection_shape(small_cnn):
    x = np.random.default_rng(0).random((25, 12, 12, 1), dtype="float32")
    proj = activation_projection(ActivationProbe(small_cnn), "flat", x, np.arange(25) % 3, 10)
    assert proj.points.shape == (25, 2)
    assert 0 < proj.explained_variance_ratio.sum() <= 1 + 1e-9
    points, _ = pca_2d(np.random.default_rng(1).random((10, 5)))
    np.testing.assert_allclose(points.mean(0), 0, atol=1e-12)


def test_summary_params_match_keras_and_export(small_cnn, tmp_path):
    table = summarize(small_cnn)
    assert table.total_params == small_cnn.count_params()
    conv = next(r for r in table.rows if r.name == "conv1")
    assert conv.macs == 10 * 10 * 9 * 1 * 8
    assert conv.activation_bytes == 10 * 10 * 8 * 4 and conv.param_bytes == 80 * 4
    by_params = table.sorted_by("params", descending=True)
    assert by_params.rows[0].name == "head"
    assert table.sorted_by("name").rows[0].name == "conv1"
    csv_text = table.export(tmp_path / "s.csv").read_text()
    assert csv_text.splitlines()[0].startswith("name,type,output_shape,params")
    md = table.export(tmp_path / "s.md").read_text()
    assert "| conv1 | Conv2D | (None, 10, 10, 8) | 80 |" in md


def test_estimate_macs_for_recurrent_and_attention_layers():
    lstm = keras.layers.LSTM(4)
    assert estimate_macs(lstm, [(10, 3)], [(4,)]) == 4 * 10 * (3 + 4) * 4
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
    macs = estimate_macs(mha, [(5, 16), (5, 16)], [(5, 16)])
    assert macs == 3 * 5 * 16 * 16 + 2 * 5 * 5 * 16 + 5 * 16 * 16
    assert estimate_macs(keras.layers.ReLU(), [(4,)], [(4,)]) == 0


def test_histograms_of_weights_and_activations(small_cnn):
    hists = weight_histograms(small_cnn.get_layer("conv1"), bins=10)
    assert [h.name for h in hists] == ["conv1/kernel", "conv1/bias"]
    assert hists[0].counts.sum() == 72 and len(hists[0].edges) == 11
    x = np.random.default_rng(0).random((4, 12, 12, 1), dtype="float32")
    acts = activation_histograms(ActivationProbe(small_cnn), x, ["conv1"], bins=20)
    assert acts["conv1"].counts.sum() == 4 * 10 * 10 * 8
    assert histogram(np.array([0.0, 0.0, 1.0, np.nan])).zero_fraction == pytest.approx(2 / 3)


def test_probe_and_saliency_accept_sequential_and_multi_input_models():
    seq = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(4, 3, name="c"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    image = np.random.default_rng(0).random((10, 10, 1), dtype="float32")
    assert ActivationProbe(seq).maps("c", image).data.shape == (4, 8, 8)
    assert grad_cam(seq, image, "c").values.shape == (10, 10)

    a, b = keras.Input((5, 2)), keras.Input((3,))
    c = keras.layers.Conv1D(3, 2, name="c")(a)
    joined = keras.layers.Concatenate()([keras.layers.Flatten()(c), b])
    multi = keras.Model([a, b], keras.layers.Dense(2)(joined))
    sample = [np.ones((5, 2)), np.ones(3)]
    assert ActivationProbe(multi).maps("c", sample).kind == "sequence"
    assert grad_cam(multi, sample, "c").values.shape == (5,)
    assert gradient_saliency(multi, sample).values.shape == (5,)


def test_the_design_summary_matches_the_compiled_models_row_for_row():
    """The Summary tab draws the design from the analysis, without compiling: every column
    must be what the compiled model's own summary says (a branch, a merge, batch norm, a
    frozen layer)."""
    from studio.checks import Analyzer
    from studio.compile.compiler import compile_graph
    from studio.inspect import summarize, summarize_design
    from studio.interop.importer import import_model

    inputs = keras.Input((16, 16, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    y = keras.layers.Conv2D(8, 1, name="side", trainable=False)(inputs)
    x = keras.layers.Add(name="add")([x, y])
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(5, activation="softmax", name="head")(x)
    graph = import_model(keras.Model(inputs, outputs)).graph
    design = summarize_design(graph, Analyzer(graph).analysis())
    compiled = compile_graph(graph)
    model = getattr(compiled, "model", compiled)
    built = {row.name: row for row in summarize(model).rows}
    assert [row.name for row in design.rows] == [layer.name for layer in model.layers]
    for row in design.rows:
        assert row == built[row.name], row.name
    assert design.total_params == model.count_params()


def test_the_summary_takes_the_flow_order_from_an_analysis_of_the_same_revision(monkeypatch):
    """Sorting NASNetMobile's graph again on the UI thread cost 10 ms of the moment its
    analysis arrived; the analysis walked the nodes in that order already."""
    from studio.checks import Analyzer
    from studio.inspect import nodes_in_order
    from tests.helpers import chain

    graph, ids = chain(
        ("Input", {"shape": [4]}),
        ("Dense", {"units": 3}),
        ("Dense", {"units": 2}),
    )
    graph.rename(ids[2], "a_first_by_name")  # names do not decide the order: the flow does
    analysis = Analyzer(graph).analysis()
    expected = [graph.node(nid) for nid in graph.topological_order()]

    def no_sorting():
        raise AssertionError("the graph was sorted again")

    monkeypatch.setattr(graph, "topological_order", no_sorting)
    assert nodes_in_order(graph, analysis) == expected
    stale = type(analysis)(analysis.revision - 1, analysis.infos)  # another revision's
    with pytest.raises(AssertionError, match="sorted again"):
        nodes_in_order(graph, stale)
