"""See inside a model: kernels, activations, saliency, histograms, summary and evaluation.

Qt-free; the ``widgets.inspect`` views draw what these functions return.
"""

from studio.inspect.activations import (
    ActivationProbe,
    FeatureMaps,
    as_batch,
    as_functional,
    input_shapes,
    probe_for,
    to_feature_maps,
)
from studio.inspect.evaluation import (
    ClassReport,
    Evaluation,
    Projection,
    activation_projection,
    class_report,
    confusion_matrix,
    evaluate,
    labels_from_outputs,
    misclassified_first,
    normalise_confusion,
    pca_2d,
    split_arrays,
)
from studio.inspect.filters import FilterGrid, filter_grid, has_filters, kernel_as_filters
from studio.inspect.gradients import grad_with_aux
from studio.inspect.histograms import (
    Histogram,
    activation_histograms,
    histogram,
    model_weight_histograms,
    weight_histograms,
)
from studio.inspect.saliency import (
    Heatmap,
    colormap,
    grad_cam,
    gradient_saliency,
    overlay,
    resize,
    to_rgb,
)
from studio.inspect.summary import (
    COLUMNS,
    HEADERS,
    LayerRow,
    SummaryTable,
    estimate_macs,
    summarize,
    summarize_design,
    summarize_nodes,
)

__all__ = [
    "COLUMNS",
    "HEADERS",
    "ActivationProbe",
    "ClassReport",
    "Evaluation",
    "FeatureMaps",
    "FilterGrid",
    "Heatmap",
    "Histogram",
    "LayerRow",
    "Projection",
    "SummaryTable",
    "activation_histograms",
    "activation_projection",
    "as_batch",
    "as_functional",
    "class_report",
    "colormap",
    "confusion_matrix",
    "estimate_macs",
    "evaluate",
    "filter_grid",
    "grad_cam",
    "grad_with_aux",
    "gradient_saliency",
    "has_filters",
    "histogram",
    "input_shapes",
    "kernel_as_filters",
    "labels_from_outputs",
    "misclassified_first",
    "model_weight_histograms",
    "normalise_confusion",
    "overlay",
    "pca_2d",
    "probe_for",
    "resize",
    "split_arrays",
    "summarize",
    "summarize_design",
    "summarize_nodes",
    "to_feature_maps",
    "to_rgb",
    "weight_histograms",
]
