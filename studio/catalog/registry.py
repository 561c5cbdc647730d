"""The one registry of layers: built from Keras's signatures plus the curated overlay."""

from __future__ import annotations

import inspect
from dataclasses import replace
from functools import cache
from typing import Any

from studio.catalog import overlay
from studio.catalog.spec import CallStyle, LayerSpec, ParamKind, ParamSpec, value_kind

_INTS_PARAMS = {
    "kernel_size",
    "strides",
    "pool_size",
    "dilation_rate",
    "size",
    "cropping",
    "padding_",
    "output_size",
}
_OBJECT_KINDS: dict[str, ParamKind] = {
    "initializer": "initializer",
    "regularizer": "regularizer",
    "constraint": "constraint",
}
_MERGE = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot")
_RNN_CALL = ("SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


def _rank_of(type_name: str) -> int | None:
    for rank in (1, 2, 3):
        if f"{rank}D" in type_name:
            return rank
    return None


def _param_kind(type_name: str, name: str, default: Any) -> ParamKind:
    for suffix, kind in _OBJECT_KINDS.items():
        if name.endswith(suffix):
            return kind
    if name in ("layer", "backward_layer"):
        return "layer"
    if name == "axis" and "Normalization" in type_name:
        return "json"  # an int or a list of axes; a built layer reports a list
    if name == "padding" and type_name.startswith("ZeroPadding"):
        return "ints"
    if name in overlay.CHOICES:
        return "choice"
    if name == "padding":
        return "choice"
    if name in _INTS_PARAMS:
        return "ints"
    if name in ("shape", "target_shape", "dims", "output_shape", "noise_shape", "axes"):
        return "json" if name in ("axes", "output_shape", "noise_shape") else "shape"
    return value_kind(default) or "json"


def _range(name: str) -> tuple[float | None, float | None]:
    if name in (
        "units",
        "filters",
        "num_heads",
        "key_dim",
        "input_dim",
        "output_dim",
        "n",
        "depth_multiplier",
        "groups",
        "height",
        "width",
        "head_dim",
        "num_query_heads",
        "num_key_value_heads",
    ):
        return 1, None
    if name in ("rate", "dropout", "recurrent_dropout", "momentum"):
        return 0.0, 1.0
    if name in ("stddev", "epsilon", "l1", "l2"):
        return 0.0, None
    return None, None


def _choices(type_name: str, name: str) -> tuple[Any, ...]:
    if name == "padding" and type_name in overlay.PADDING_WITH_CAUSAL:
        return ("valid", "same", "causal")
    return overlay.CHOICES.get(name, ())


def _params_from_signature(type_name: str, cls: type) -> tuple[ParamSpec, ...]:
    required_defaults = overlay.REQUIRED_DEFAULTS.get(type_name, {})
    import keras

    specs: list[ParamSpec] = []
    seen: set[str] = set()
    # The class's own constructor, then Layer's for what arrives through **kwargs: base classes
    # in between take arguments (rank, cell) that the subclass fixes itself.
    own = next(k for k in cls.__mro__ if "__init__" in vars(k))
    own_sig = inspect.signature(own.__init__)
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in own_sig.parameters.values())
    bases = (keras.layers.Layer,) if takes_kwargs and type_name != "ActivityRegularization" else ()
    for klass in (own, *bases):
        try:
            sig = inspect.signature(klass.__init__)
        except (TypeError, ValueError):
            continue
        for pname, p in sig.parameters.items():
            if pname == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if pname in overlay.HIDDEN_PARAMS or pname in seen:
                continue
            seen.add(pname)
            required = p.default is inspect.Parameter.empty or pname in required_defaults
            default = required_defaults.get(pname, None if p.default is p.empty else p.default)
            if isinstance(default, tuple):
                default = list(default)
            kind = _param_kind(type_name, pname, default)
            lo, hi = _range(pname)
            specs.append(
                ParamSpec(
                    name=pname,
                    kind=kind,
                    default=default,
                    required=required,
                    choices=_choices(type_name, pname),
                    minimum=lo,
                    maximum=hi,
                    optional=default is None,
                    help=_param_help(pname),
                    rank=_rank_of(type_name) if kind == "ints" else None,
                )
            )
    return tuple(specs)


_PARAM_HELP = {
    "units": "Number of output features.",
    "filters": "Number of output channels (kernels).",
    "kernel_size": "Size of the convolution window.",
    "strides": "Step of the window; >1 shrinks the output.",
    "padding": "'valid' uses no padding, 'same' pads so the output keeps the input size.",
    "activation": "Activation applied to the output.",
    "use_bias": "Whether the layer adds a learned bias.",
    "rate": "Fraction of inputs dropped while training.",
    "pool_size": "Size of the pooling window.",
    "return_sequences": "Return the output at every timestep, not just the last.",
    "return_state": "Also return the final hidden state(s) as extra outputs.",
    "axis": "The axis the operation works along (-1 is the last).",
    "shape": "Shape of one sample, without the batch dimension.",
    "target_shape": "Shape of one output sample; -1 infers one axis.",
    "input_dim": "Vocabulary size: the largest token id + 1.",
    "output_dim": "Length of each embedding vector.",
    "num_heads": "Number of attention heads.",
    "key_dim": "Size of each head for query and key.",
    "dilation_rate": "Spacing between kernel taps (atrous convolution).",
    "groups": "Number of channel groups convolved separately.",
    "momentum": "Momentum of the moving statistics.",
    "epsilon": "Small value added to the variance for stability.",
    "dropout": "Fraction of input units dropped while training.",
    "recurrent_dropout": "Fraction of recurrent units dropped while training.",
    "mask_zero": "Treat token id 0 as padding and mask it.",
    "depth_multiplier": "Output channels per input channel in the depthwise step.",
}


def _param_help(name: str) -> str:
    if name in _PARAM_HELP:
        return _PARAM_HELP[name]
    return name.replace("_", " ").capitalize() + "."


def _call_style(type_name: str) -> tuple[CallStyle, int, int | None, tuple[str, ...]]:
    if type_name == "Input":
        return "none", 0, 0, ()
    if type_name in _MERGE:
        if type_name in ("Subtract", "Dot"):
            return "list", 2, 2, ()
        if type_name == "Concatenate":
            return "list", 2, None, ()
        return "list", 2, None, ()
    if type_name in ("Attention", "AdditiveAttention"):
        return "list", 2, 3, ("query", "value", "key")
    if type_name in ("MultiHeadAttention", "GroupQueryAttention"):
        return "args", 2, 3, ("query", "value", "key")
    if type_name in _RNN_CALL or type_name == "Bidirectional":
        return "rnn", 1, None, ("inputs",)
    return "single", 1, 1, ()


def _macs_kind(type_name: str) -> str:
    if type_name in ("Dense", "EinsumDense"):
        return "dense"
    if type_name.startswith(("Conv1D", "Conv2D", "Conv3D")) and "Transpose" not in type_name:
        return "conv"
    if "Transpose" in type_name:
        return "conv_transpose"
    if type_name.startswith("DepthwiseConv"):
        return "depthwise"
    if type_name.startswith("SeparableConv"):
        return "separable"
    if type_name in ("SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"):
        return "recurrent"
    if type_name.startswith("ConvLSTM"):
        return "conv_recurrent"
    if type_name in ("MultiHeadAttention", "GroupQueryAttention", "Attention", "AdditiveAttention"):
        return "attention"
    return ""


def _input_spec() -> LayerSpec:
    params = (
        ParamSpec("shape", "shape", [28, 28, 1], required=True, help=_param_help("shape")),
        ParamSpec(
            "dtype",
            "choice",
            "float32",
            choices=("float32", "float16", "bfloat16", "int32", "int64", "bool"),
            help="Data type of the input values.",
        ),
        ParamSpec("sparse", "bool", False, help="Whether the input is a sparse tensor."),
    )
    return LayerSpec(
        "Input",
        "Core",
        overlay.HELP["Input"],
        params,
        call="none",
        min_inputs=0,
        max_inputs=0,
        key_params=("shape",),
    )


def _make_spec(type_name: str, category: str) -> LayerSpec:
    import keras

    if type_name == "Input":
        return _input_spec()
    return _spec_for_class(type_name, getattr(keras.layers, type_name), category)


def _studio_spec(name: str, entry: Any) -> LayerSpec:
    """A studio-provided layer (``studio.layers``): same vocabulary as a Keras one."""
    spec = _spec_for_class(name, entry.cls, entry.category)
    spec = replace(spec, help=entry.help, key_params=entry.key_params, extra={"studio": True})
    if entry.inputs:  # called on a list of tensors, one port each
        n = len(entry.inputs)
        spec = replace(spec, call="list", min_inputs=n, max_inputs=n, port_names=entry.inputs)
    return spec


def _spec_for_class(type_name: str, cls: type, category: str) -> LayerSpec:
    call, lo, hi, ports = _call_style(type_name)
    doc = (inspect.getdoc(cls) or "").strip().splitlines()
    return LayerSpec(
        type_name=cls.__name__,  # the name Keras serializes, which an alias may not be
        category=category,
        help=overlay.HELP.get(type_name) or (doc[0] if doc else type_name),
        params=_params_from_signature(type_name, cls),
        call=call,
        min_inputs=lo,
        max_inputs=hi,
        port_names=ports,
        key_params=overlay.KEY_PARAMS.get(type_name, ()),
        macs_kind=_macs_kind(type_name),
        extra={"keras_attr": type_name},
    )


@cache
def registry() -> dict[str, LayerSpec]:
    """Every palette layer by Keras class name, in palette order."""
    import keras

    specs: dict[str, LayerSpec] = {}
    for category, names in overlay.CATEGORIES.items():
        for name in names:
            if name != "Input" and not hasattr(keras.layers, name):
                continue  # an older Keras without this layer
            spec = _make_spec(name, category)
            specs[spec.type_name] = spec
    from studio.layers import palette_layers

    for name, entry in palette_layers().items():
        specs[name] = _studio_spec(name, entry)
    return specs


def get_spec(type_name: str) -> LayerSpec | None:
    """The palette's spec for a Keras class name (or an op family), or None for layers the
    palette lacks."""
    from studio.catalog.operations import operation_spec

    spec = registry().get("Input" if type_name == "InputLayer" else type_name)
    return spec if spec is not None else operation_spec(type_name)


def categories() -> dict[str, list[LayerSpec]]:
    out: dict[str, list[LayerSpec]] = {}
    from studio.catalog.operations import CATEGORY, operation_specs

    for spec in registry().values():
        out.setdefault(spec.category, []).append(spec)
    out[CATEGORY] = list(operation_specs().values())
    return out


def opaque_spec(class_name: str, n_inputs: int = 1) -> LayerSpec:
    """A spec for a layer the palette does not know: it keeps its config as one JSON value."""
    return LayerSpec(
        type_name=class_name,
        category="Custom",
        help=f"{class_name}: kept as-is from an imported model.",
        params=(),
        call="list" if n_inputs > 1 else "single",
        min_inputs=n_inputs,
        max_inputs=n_inputs,
    )
