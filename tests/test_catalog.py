import keras
import pytest

from studio.catalog import EXCLUDED, categories, get_spec, registry

REQUIRED = {
    "Core": ["Input", "Dense", "Activation", "Embedding", "Identity"],
    "Convolution": [
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "DepthwiseConv2D",
        "SeparableConv2D",
    ],
    "Pooling": [
        "MaxPooling1D",
        "MaxPooling2D",
        "MaxPooling3D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling1D",
    ],
    "Recurrent": ["SimpleRNN", "LSTM", "GRU", "Bidirectional", "ConvLSTM2D", "TimeDistributed"],
    "Attention": ["Attention", "AdditiveAttention", "MultiHeadAttention"],
    "Normalization": [
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
    ],
    "Regularization": [
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
    ],
    "Reshaping": [
        "Flatten",
        "Reshape",
        "Permute",
        "RepeatVector",
        "Cropping2D",
        "ZeroPadding2D",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
    ],
    "Merging": [
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
        "Dot",
    ],
    "Activations": ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"],
    "Preprocessing": [
        "Rescaling",
        "Normalization",
        "Resizing",
        "CenterCrop",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
    ],
}


@pytest.mark.parametrize("category", sorted(REQUIRED))
def test_every_required_layer_is_in_its_group(category):
    names = {s.type_name for s in categories()[category]}
    assert set(REQUIRED[category]) <= names


def test_every_keras_layer_is_offered_or_excluded_with_a_reason():
    aliases = {
        "Convolution",
        "MaxPool",
        "AvgPool",
        "GlobalAvgPool",
        "GlobalMaxPool",
        "SeparableConvolution",
    }
    offered = set(registry()) | set(EXCLUDED)
    for name in dir(keras.layers):
        cls = getattr(keras.layers, name)
        if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
            continue
        if any(name.startswith(a) and cls.__name__ != name for a in aliases):
            continue
        assert cls.__name__ in offered, f"{name} is neither offered nor excluded"
    assert all(reason for reason in EXCLUDED.values())


@pytest.mark.parametrize("name", [n for n in registry() if n != "Input"])
def test_each_layer_builds_from_its_starting_values(name):
    spec = get_spec(name)
    config = {p.name: p.default for p in spec.params}
    layer = spec.keras_class().from_config(config)
    assert layer.__class__.__name__ == name


def test_specs_speak_keras_vocabulary():
    conv = get_spec("Conv2D")
    assert conv.param("filters").required and conv.param("filters").minimum == 1
    assert conv.param("padding").choices == ("valid", "same")
    assert get_spec("Conv1D").param("padding").choices == ("valid", "same", "causal")
    assert conv.param("kernel_size").kind == "ints" and conv.param("kernel_size").rank == 2
    assert get_spec("Dense").param("activation").kind == "choice"
    assert get_spec("Add").max_inputs is None and get_spec("Add").call == "list"
    assert get_spec("MultiHeadAttention").port_names[:2] == ("query", "value")
    assert get_spec("InputLayer") is get_spec("Input")
    assert all(s.help for s in registry().values())
