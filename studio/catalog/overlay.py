"""The curated part of the catalogue: categories, help, choices and starting values.

Everything not said here is read from Keras's constructor signatures, so offering a new Keras
layer costs one line in ``CATEGORIES``.
"""

from __future__ import annotations

from typing import Any

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Core": ("Input", "Dense", "EinsumDense", "Activation", "Embedding", "Identity", "Masking"),
    "Convolution": (
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "SeparableConv1D",
        "SeparableConv2D",
    ),
    "Pooling": (
        "MaxPooling1D",
        "MaxPooling2D",
        "MaxPooling3D",
        "AveragePooling1D",
        "AveragePooling2D",
        "AveragePooling3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "AdaptiveMaxPooling1D",
        "AdaptiveMaxPooling2D",
        "AdaptiveMaxPooling3D",
        "AdaptiveAveragePooling1D",
        "AdaptiveAveragePooling2D",
        "AdaptiveAveragePooling3D",
    ),
    "Recurrent": (
        "SimpleRNN",
        "LSTM",
        "GRU",
        "Bidirectional",
        "ConvLSTM1D",
        "ConvLSTM2D",
        "ConvLSTM3D",
        "TimeDistributed",
    ),
    "Attention": ("Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention"),
    "Normalization": (
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "RMSNormalization",
        "SpectralNormalization",
    ),
    "Regularization": (
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
    ),
    "Reshaping": (
        "Flatten",
        "Reshape",
        "Permute",
        "RepeatVector",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
    ),
    "Merging": (
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
        "Dot",
    ),
    "Activations": ("ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"),
    "Preprocessing": (
        "Rescaling",
        "Normalization",
        "Resizing",
        "CenterCrop",
        "RandomCrop",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "RandomShear",
        "RandomGrayscale",
        "RandomHue",
        "RandomSaturation",
        "RandomSharpness",
        "RandomInvert",
        "RandomPosterization",
        "RandomGaussianBlur",
        "RandomErasing",
        "RandomPerspective",
        "RandomElasticTransform",
        "RandomColorJitter",
        "RandomColorDegeneration",
        "AutoContrast",
        "Equalization",
        "Solarization",
        "AugMix",
        "RandAugment",
        "MelSpectrogram",
        "STFTSpectrogram",
    ),
}

# Left out of the palette, with why. Imported models that use them still come in as opaque
# nodes that keep their config.
EXCLUDED: dict[str, str] = {
    "Lambda": "runs arbitrary Python code; refused unless a file is explicitly trusted",
    "Layer": "abstract base class",
    "Wrapper": "abstract base class",
    "InputLayer": "offered as 'Input'",
    "RNN": "needs a cell object; use SimpleRNN, LSTM or GRU",
    "SimpleRNNCell": "a cell, not a layer one wires in a graph",
    "LSTMCell": "a cell, not a layer one wires in a graph",
    "GRUCell": "a cell, not a layer one wires in a graph",
    "StackedRNNCells": "a cell, not a layer one wires in a graph",
    "TFSMLayer": "wraps a SavedModel from disk; TensorFlow-only and not serializable",
    "JaxLayer": "wraps a JAX function; not serializable as config",
    "FlaxLayer": "wraps a Flax module; not serializable as config",
    "TorchModuleWrapper": "wraps a PyTorch module; not serializable as config",
    "Pipeline": "a container of preprocessing layers; wire the layers directly",
    "TextVectorization": "needs adapt() on a text corpus and string tensors",
    "StringLookup": "needs a vocabulary and string tensors",
    "IntegerLookup": "needs a vocabulary fitted on data",
    "Hashing": "works on strings and categorical features outside the model graph",
    "HashedCrossing": "works on categorical features outside the model graph",
    "CategoryEncoding": "a data-pipeline layer for categorical features",
    "Discretization": "needs adapt() on data for its bin boundaries",
    "CutMix": "mixes labels too; belongs in the data pipeline",
    "MixUp": "mixes labels too; belongs in the data pipeline",
    "MaxNumBoundingBoxes": "bounding-box pipeline utility",
    "ContrastLimitedAdaptiveHistogramEqualization": "image pipeline utility, slow in graphs",
    "ReversibleEmbedding": "tied input/output embedding needs a reverse call mode",
}

HELP: dict[str, str] = {
    "Input": "A model input: the shape of one sample, without the batch dimension.",
    "Dense": "Fully connected layer: output = activation(x · kernel + bias).",
    "EinsumDense": "A dense layer defined by an einsum equation.",
    "Activation": "Applies an activation function element-wise.",
    "Embedding": "Maps integer token ids to dense vectors.",
    "Identity": "Passes its input through unchanged.",
    "Masking": "Marks timesteps equal to mask_value so later layers skip them.",
    "Conv1D": "1-D convolution over time: kernels slide along the sequence.",
    "Conv2D": "2-D convolution: kernels slide over height and width of an image.",
    "Conv3D": "3-D convolution over volumes or video.",
    "Conv1DTranspose": "Transposed 1-D convolution: learns to up-sample.",
    "Conv2DTranspose": "Transposed 2-D convolution: learns to up-sample images.",
    "Conv3DTranspose": "Transposed 3-D convolution: learns to up-sample volumes.",
    "DepthwiseConv1D": "One filter per input channel, no mixing across channels.",
    "DepthwiseConv2D": "One filter per input channel, no mixing across channels.",
    "SeparableConv1D": "Depthwise convolution followed by a 1×1 pointwise convolution.",
    "SeparableConv2D": "Depthwise convolution followed by a 1×1 pointwise convolution.",
    "Flatten": "Flattens each sample to one vector (keeps the batch axis).",
    "Reshape": "Reshapes each sample to target_shape (-1 infers one axis).",
    "Permute": "Reorders the non-batch axes (1-based dims).",
    "RepeatVector": "Repeats a vector n times, making a sequence.",
    "SimpleRNN": "Fully connected recurrent layer: h_t = act(W x_t + U h_(t-1) + b).",
    "LSTM": "Long short-term memory: gated recurrence with a separate cell state.",
    "GRU": "Gated recurrent unit: a lighter LSTM with update and reset gates.",
    "Bidirectional": "Runs a recurrent layer forwards and backwards and merges the results.",
    "TimeDistributed": "Applies the same layer to every timestep.",
    "Attention": "Dot-product attention: inputs are [query, value] or [query, value, key].",
    "AdditiveAttention": "Additive (Bahdanau) attention over [query, value(, key)].",
    "MultiHeadAttention": "Multi-head attention as in the Transformer: query, value(, key).",
    "GroupQueryAttention": "Grouped-query attention: query, value(, key).",
    "BatchNormalization": "Normalizes each feature over the batch; learns scale and shift.",
    "LayerNormalization": "Normalizes each sample over its features.",
    "GroupNormalization": "Normalizes groups of channels per sample.",
    "UnitNormalization": "Scales each sample to unit L2 norm.",
    "Dropout": "Randomly zeroes a fraction `rate` of inputs while training.",
    "Add": "Element-wise sum of its inputs (residual connections).",
    "Subtract": "First input minus the second.",
    "Multiply": "Element-wise product of its inputs.",
    "Average": "Element-wise mean of its inputs.",
    "Maximum": "Element-wise maximum of its inputs.",
    "Minimum": "Element-wise minimum of its inputs.",
    "Concatenate": "Joins its inputs along `axis`.",
    "Dot": "Dot product of two inputs along the given axes.",
    "Rescaling": "Multiplies by scale and adds offset, e.g. 1/255 for pixels.",
    "Normalization": "Standardizes features with a given mean and variance.",
    "Resizing": "Resizes images to height × width.",
    "CenterCrop": "Crops the centre of images to height × width.",
}


def nested_layer(class_name: str, **config: Any) -> dict[str, Any]:
    """A wrapped layer in Keras's own serialized form, as Bidirectional's ``layer`` holds it."""
    return {
        "module": "keras.layers",
        "class_name": class_name,
        "config": config,
        "registered_name": None,
    }


# Starting values for arguments Keras requires, so a dropped node is valid at once.
REQUIRED_DEFAULTS: dict[str, dict[str, Any]] = {
    "Input": {"shape": [28, 28, 1]},
    "Dense": {"units": 32},
    "EinsumDense": {"equation": "ab,bc->ac", "output_shape": [32]},
    "Activation": {"activation": "relu"},
    "Embedding": {"input_dim": 1000, "output_dim": 64},
    "Dropout": {"rate": 0.5},
    "SpatialDropout1D": {"rate": 0.2},
    "SpatialDropout2D": {"rate": 0.2},
    "SpatialDropout3D": {"rate": 0.2},
    "GaussianNoise": {"stddev": 0.1},
    "GaussianDropout": {"rate": 0.2},
    "AlphaDropout": {"rate": 0.1},
    "Reshape": {"target_shape": [-1]},
    "Permute": {"dims": [2, 1]},
    "RepeatVector": {"n": 4},
    "MultiHeadAttention": {"num_heads": 2, "key_dim": 16},
    "GroupQueryAttention": {"head_dim": 16, "num_query_heads": 4, "num_key_value_heads": 2},
    "Rescaling": {"scale": 1 / 255},
    "Resizing": {"height": 32, "width": 32},
    "CenterCrop": {"height": 24, "width": 24},
    "RandomCrop": {"height": 24, "width": 24},
    "RandomRotation": {"factor": 0.1},
    "RandomZoom": {"height_factor": 0.1},
    "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.1},
    "RandomContrast": {"factor": 0.2},
    "RandomBrightness": {"factor": 0.2},
    "RandomShear": {"x_factor": 0.1},
    "RandomHue": {"factor": 0.1},
    "RandomSaturation": {"factor": 0.2},
    "RandomSharpness": {"factor": 0.2},
    "RandomPosterization": {"factor": 4},
    "RandomColorJitter": {},
    "RandomColorDegeneration": {"factor": 0.2},
    "Solarization": {},
    "Dot": {"axes": -1},
    "Bidirectional": {"layer": nested_layer("LSTM", units=32)},
    "TimeDistributed": {"layer": nested_layer("Dense", units=32)},
    "SpectralNormalization": {"layer": nested_layer("Dense", units=32)},
    "ConvLSTM1D": {"filters": 16, "kernel_size": 3},
    "ConvLSTM2D": {"filters": 16, "kernel_size": 3},
    "ConvLSTM3D": {"filters": 16, "kernel_size": 3},
    "AdaptiveMaxPooling1D": {"output_size": 4},
    "AdaptiveMaxPooling2D": {"output_size": 4},
    "AdaptiveMaxPooling3D": {"output_size": 4},
    "AdaptiveAveragePooling1D": {"output_size": 4},
    "AdaptiveAveragePooling2D": {"output_size": 4},
    "AdaptiveAveragePooling3D": {"output_size": 4},
}
for _name in CATEGORIES["Pooling"]:
    if not _name.startswith(("Global", "Adaptive")):
        REQUIRED_DEFAULTS[_name] = {"pool_size": 2}
for _name in ("SimpleRNN", "LSTM", "GRU"):
    REQUIRED_DEFAULTS[_name] = {"units": 32}
for _dim in ("1D", "2D", "3D"):
    for _conv in ("Conv", "ConvTranspose"):
        _cls = f"Conv{_dim}" if _conv == "Conv" else f"Conv{_dim}Transpose"
        REQUIRED_DEFAULTS[_cls] = {"filters": 32, "kernel_size": 3}
    REQUIRED_DEFAULTS[f"SeparableConv{_dim}"] = {"filters": 32, "kernel_size": 3}
    REQUIRED_DEFAULTS[f"DepthwiseConv{_dim}"] = {"kernel_size": 3}

ACTIVATIONS: tuple[str, ...] = (
    "linear",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "softplus",
    "softsign",
    "leaky_relu",
    "relu6",
    "mish",
    "hard_sigmoid",
    "hard_silu",
    "exponential",
    "log_softmax",
)

CHOICES: dict[str, tuple[Any, ...]] = {
    "activation": ACTIVATIONS,
    "recurrent_activation": ACTIVATIONS,
    "padding": ("valid", "same"),
    "data_format": (None, "channels_last", "channels_first"),
    "interpolation": ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"),
    "merge_mode": ("concat", "sum", "mul", "ave", None),
    "mode": ("horizontal_and_vertical", "horizontal", "vertical"),
    "fill_mode": ("reflect", "wrap", "constant", "nearest"),
    "score_mode": ("dot", "concat"),
}
PADDING_WITH_CAUSAL = ("Conv1D", "SeparableConv1D", "DepthwiseConv1D")

# Parameters shown on the node face, in order.
KEY_PARAMS: dict[str, tuple[str, ...]] = {
    "Input": ("shape",),
    "Dense": ("units", "activation"),
    "Embedding": ("input_dim", "output_dim"),
    "Activation": ("activation",),
    "Dropout": ("rate",),
    "Reshape": ("target_shape",),
    "MultiHeadAttention": ("num_heads", "key_dim"),
    "Concatenate": ("axis",),
    "Rescaling": ("scale",),
}
for _cat in ("Convolution",):
    for _cls in CATEGORIES[_cat]:
        KEY_PARAMS[_cls] = ("filters", "kernel_size", "strides", "activation")
for _cls in CATEGORIES["Pooling"]:
    KEY_PARAMS.setdefault(_cls, ("pool_size", "strides"))
for _cls in ("SimpleRNN", "LSTM", "GRU"):
    KEY_PARAMS[_cls] = ("units", "return_sequences")

# Arguments that are never worth showing: Keras plumbing, not model design.
HIDDEN_PARAMS = frozenset(
    {
        "name",
        "dtype",
        "trainable",
        "autocast",
        "kwargs",
        "quantization_config",
        "lora_rank",
        "lora_alpha",
        "flash_attention",
        "input_shape",
        "batch_input_shape",
        "batch_size",
        "weights",
    }
)
