"""Image and table classifiers: the catalogue's MNIST models, LeNet-5, the tiny 4→5→10→3 net,
CIFAR-10 designs and the ImageNet classics (AlexNet, VGG16, ResNet-50)."""

from __future__ import annotations

import keras
from keras import layers

from templates.builders import TemplateInfo, bundled, classify, template

MNIST = bundled("mnist_like")
CIFAR = bundled("cifar_like")
# The designs below (not the seeds') train on a few thousand images for a few epochs; Keras's
# default momentum of 0.99 leaves BatchNormalization's moving statistics far from the data
# after ~100 steps, so validation (which uses them) stays at chance. 0.9 settles in time.
BN_MOMENTUM = 0.9


@template(
    TemplateInfo(
        name="mnist_softmax",
        title="MNIST softmax regression",
        description="One Dense layer with softmax over the 784 pixels: the simplest classifier. "
        "The seed feeds flat 784-vectors; here a Flatten takes the 28×28×1 images, "
        "which adds no parameters. Adam, 35 epochs as in the seed (integer labels with "
        "sparse cross-entropy instead of one-hot with categorical cross-entropy).",
        task="images",
        dataset=MNIST,
        params=7_850,
        training=classify(35, 128),
        source="catalogue §3.1 / §9 #1 (seed 000)",
        real_dataset="keras:mnist",
    )
)
def mnist_softmax() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    outputs = layers.Dense(10, activation="softmax", name="dense")(x)
    return keras.Model(inputs, outputs, name="mnist_softmax")


@template(
    TemplateInfo(
        name="mnist_cnn",
        title="MNIST CNN (LeNet-style)",
        description="Two 5×5 convolutions (20 and 50 filters) with 2×2 max-pooling, then Dense(500) "
        "and softmax; layer for layer the seed's model, shapes (24,24,20) → (12,12,20) → "
        "(8,8,50) → (4,4,50) → 800 → 500 → 10.",
        task="images",
        dataset=MNIST,
        params=431_080,
        training=classify(5, 128),
        source="catalogue §3.2 / §9 #2 (seed 000)",
        real_dataset="keras:mnist",
    )
)
def mnist_cnn() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(20, (5, 5), activation="relu", name="conv2d")(inputs)
    x = layers.MaxPooling2D((2, 2), strides=(2, 2), name="max_pooling2d")(x)
    x = layers.Conv2D(50, (5, 5), activation="relu", name="conv2d_1")(x)
    x = layers.MaxPooling2D((2, 2), strides=(2, 2), name="max_pooling2d_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(500, activation="relu", name="dense")(x)
    outputs = layers.Dense(10, activation="softmax", name="dense_1")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")


@template(
    TemplateInfo(
        name="mnist_cnn_bn_dropout",
        title="MNIST CNN with BatchNorm and Dropout",
        description="The LeNet-style CNN with BatchNormalization and Dropout after each convolution "
        "block and no Dense(500): 13× fewer parameters. The seed leaves the dropout "
        "rate open; 0.25 is used. Batches of 32 give BatchNormalization's moving "
        "statistics enough steps to settle on the small bundled set.",
        task="images",
        dataset=MNIST,
        params=33_860,
        training=classify(10, 32),
        source="catalogue §3.3 / §9 #3 (seed 000)",
        real_dataset="keras:mnist",
        extra={"trainable_params": 33_720},
    )
)
def mnist_cnn_bn_dropout() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for i, filters in enumerate((20, 50)):
        x = layers.Conv2D(filters, (5, 5), activation="relu", name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"pool{i + 1}")(x)
        x = layers.Dropout(0.25, name=f"dropout{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn_bn_dropout")


@template(
    TemplateInfo(
        name="lenet5",
        title="LeNet-5 (1998)",
        description="The classic LeNet-5: tanh units and average pooling, Conv 6@5×5 → AvgPool → "
        "Conv 16@5×5 → AvgPool → 120 → 84 → 10. The first convolution pads 'same' so "
        "28×28 MNIST images give the same shapes as the original 32×32 input.",
        task="images",
        dataset=MNIST,
        params=61_706,
        training=classify(10, 64),
        source="catalogue §3.14 / §9 (computed reference; LeNet lab in seeds 001, 004)",
        real_dataset="keras:mnist",
    )
)
def lenet5() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(6, 5, padding="same", activation="tanh", name="c1")(inputs)
    x = layers.AveragePooling2D(2, name="s2")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="c3")(x)
    x = layers.AveragePooling2D(2, name="s4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, activation="tanh", name="c5")(x)
    x = layers.Dense(84, activation="tanh", name="f6")(x)
    outputs = layers.Dense(10, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="lenet5")


@template(
    TemplateInfo(
        name="tiny_mlp_iris",
        title="Tiny network 4→5→10→3 (Iris)",
        description="The seed's four-styles demo network (Sequential, add(), Functional, "
        "subclassed): Dense(5, relu) → Dense(10, relu) → Dense(3, softmax). The seed "
        "names no data; its 4 inputs and 3 classes fit the Iris flowers.",
        task="tabular",
        dataset=bundled("iris"),
        params=118,
        training=classify(100, 16, learning_rate=0.01),
        source="catalogue §3.4 / §9 #4 (seed 002)",
        real_dataset="sklearn:iris",
    )
)
def tiny_mlp_iris() -> keras.Model:
    inputs = keras.Input((4,), name="features")
    x = layers.Dense(5, activation="relu", name="dense")(inputs)
    x = layers.Dense(10, activation="relu", name="dense_1")(x)
    outputs = layers.Dense(3, activation="softmax", name="dense_2")(x)
    return keras.Model(inputs, outputs, name="tiny_mlp")


@template(
    TemplateInfo(
        name="cifar_cnn",
        title="Deeper CNN for CIFAR-10",
        description="Two blocks of two 3×3 convolutions (32 and 64 filters) with max-pooling and "
        "dropout, then Dense(512): the usual 'deeper CNN' of the CIFAR-10 lab, whose "
        "architecture the seed shows only as an image.",
        task="images",
        dataset=CIFAR,
        params=2_168_362,
        training=classify(3, 64),
        source="catalogue §3.14 (CIFAR-10 lab, seed 001); layers designed here",
        real_dataset="keras:cifar10",
    )
)
def cifar_cnn() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="image")
    x = inputs
    for block, filters in enumerate((32, 64), start=1):
        x = layers.Conv2D(
            filters, 3, padding="same", activation="relu", name=f"block{block}_conv1"
        )(x)
        x = layers.Conv2D(
            filters, 3, padding="same", activation="relu", name=f"block{block}_conv2"
        )(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        x = layers.Dropout(0.25, name=f"block{block}_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(512, activation="relu", name="fc")(x)
    x = layers.Dropout(0.5, name="fc_dropout")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="cifar_cnn")


def _residual_block(x, filters: int, stride: int, name: str):
    """Two 3×3 convolutions with an identity (or 1×1 projection) shortcut added back."""
    shortcut = x
    y = layers.Conv2D(
        filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1"
    )(x)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn2")(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, strides=stride, use_bias=False, name=f"{name}_project"
        )(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_project_bn")(
            shortcut
        )
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_out")(y)


@template(
    TemplateInfo(
        name="resnet_cifar",
        title="Small residual network for CIFAR-10",
        description="A ResNet in miniature: a 16-filter stem and three stages (16, 32, 64 filters) "
        "of residual blocks whose shortcuts add the input back, with 1×1 projections "
        "where the size changes; global average pooling and softmax.",
        task="images",
        dataset=CIFAR,
        params=176_378,
        training=classify(3, 64),
        source="catalogue §3.15 (ResNet residual block, seeds 001/004); layers designed here",
        real_dataset="keras:cifar10",
    )
)
def resnet_cifar() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for stage, filters in enumerate((16, 32, 64), start=1):
        stride = 1 if stage == 1 else 2
        x = _residual_block(x, filters, stride, f"stage{stage}_block1")
        x = _residual_block(x, filters, 1, f"stage{stage}_block2")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="resnet_cifar")


def _inception(x, f1: int, f3r: int, f3: int, f5r: int, f5: int, fp: int, name: str):
    """GoogLeNet's module: 1×1, 3×3 and 5×5 paths (with 1×1 reductions) and a pooled path,
    concatenated along the channels so the next layer sees every scale at once."""
    b1 = layers.Conv2D(f1, 1, padding="same", activation="relu", name=f"{name}_1x1")(x)
    b3 = layers.Conv2D(f3r, 1, padding="same", activation="relu", name=f"{name}_3x3_reduce")(x)
    b3 = layers.Conv2D(f3, 3, padding="same", activation="relu", name=f"{name}_3x3")(b3)
    b5 = layers.Conv2D(f5r, 1, padding="same", activation="relu", name=f"{name}_5x5_reduce")(x)
    b5 = layers.Conv2D(f5, 5, padding="same", activation="relu", name=f"{name}_5x5")(b5)
    bp = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    bp = layers.Conv2D(fp, 1, padding="same", activation="relu", name=f"{name}_pool_proj")(bp)
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


@template(
    TemplateInfo(
        name="inception_cifar",
        title="Inception-block network",
        description="Two GoogLeNet-style inception modules (parallel 1×1, 3×3, 5×5 and pooling "
        "paths joined by Concatenate, with 1×1 convolutions reducing channels first) "
        "on a small convolutional stem, for 32×32 colour images.",
        task="images",
        dataset=CIFAR,
        params=72_350,
        training=classify(3, 64),
        source="catalogue §3.15 (GoogLeNet/Inception module, 1×1 conv); layers designed here",
        real_dataset="keras:cifar10",
    )
)
def inception_cifar() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="stem_conv")(inputs)
    x = layers.MaxPooling2D(2, name="stem_pool")(x)
    x = _inception(x, 32, 32, 48, 8, 16, 16, "inception_a")
    x = layers.MaxPooling2D(2, name="pool_a")(x)
    x = _inception(x, 48, 48, 64, 12, 24, 24, "inception_b")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="inception_cifar")


@template(
    TemplateInfo(
        name="mobilenet_cifar",
        title="MobileNet-style depthwise-separable network",
        description="MobileNet's building block written out: each 3×3 DepthwiseConv2D filters "
        "every channel on its own and a 1×1 Conv2D mixes channels, each followed by "
        "BatchNormalization and ReLU6 — a fraction of a full convolution's cost.",
        task="images",
        dataset=CIFAR,
        params=51_658,
        training=classify(3, 64),
        source="catalogue §3.15 (MobileNet, seeds 000/001); layers designed here",
        real_dataset="keras:cifar10",
    )
)
def mobilenet_cifar() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(32, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)
    for i, (filters, stride) in enumerate(((64, 1), (128, 2), (128, 1), (128, 2)), start=1):
        x = layers.DepthwiseConv2D(
            3, strides=stride, padding="same", use_bias=False, name=f"dw{i}"
        )(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"dw{i}_bn")(x)
        x = layers.ReLU(6.0, name=f"dw{i}_relu")(x)
        x = layers.Conv2D(filters, 1, use_bias=False, name=f"pw{i}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"pw{i}_bn")(x)
        x = layers.ReLU(6.0, name=f"pw{i}_relu")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="mobilenet_cifar")


_IMAGENET_NOTE = (
    " Takes 224×224 ImageNet-sized images. Offline it opens on the generated "
    "imagenet_like set (128 images of 10 shape and texture classes, labelled "
    "within the 1000 outputs), enough to step through an epoch; for real "
    "training use an image folder (the dataset panel resizes images) on a GPU."
)
IMAGENET_LIKE = bundled("imagenet_like")


@template(
    TemplateInfo(
        name="alexnet",
        title="AlexNet",
        description="AlexNet (2012) as one tower: Conv 96@11×11 stride 4 → pool → Conv 256@5×5 → "
        "pool → three 3×3 convolutions → pool → Dense 4096 → 4096 → 1000, with dropout."
        " The original's two-GPU split and local response normalization are left out."
        + _IMAGENET_NOTE.replace("224×224", "227×227").replace(
            "imagenet_like", "imagenet_like_227"
        ),
        task="images",
        dataset=bundled("imagenet_like_227"),
        params=62_378_344,
        training=classify(30, 128, learning_rate=1e-4),
        source="catalogue §3.15 (AlexNet, prose only); layers from the 2012 paper",
        needs_gpu=True,
        trains_by_default=False,
        real_dataset="imagenet (image folder)",
    )
)
def alexnet() -> keras.Model:
    inputs = keras.Input((227, 227, 3), name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc6")(x)
    x = layers.Dropout(0.5, name="drop6")(x)
    x = layers.Dense(4096, activation="relu", name="fc7")(x)
    x = layers.Dropout(0.5, name="drop7")(x)
    outputs = layers.Dense(1000, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="alexnet")


def imagenet_application(name: str, title: str, description: str, params: int, source: str):
    """The TemplateInfo of a keras.applications network opened untrained: ImageNet's size and
    1000 classes, too big to train by default on a CPU."""
    return TemplateInfo(
        name=name,
        title=title,
        description=description + _IMAGENET_NOTE,
        task="images",
        dataset=IMAGENET_LIKE,
        params=params,
        training=classify(10, 32, learning_rate=1e-4),
        source=source,
        needs_gpu=True,
        trains_by_default=False,
        real_dataset="imagenet (image folder)",
    )


@template(
    imagenet_application(
        "vgg16",
        "VGG16",
        "keras.applications.VGG16 layer for layer: 13 3×3 convolutions in five blocks and three "
        "Dense layers, 138 million parameters. Opens with random weights; the pretrained "
        "ImageNet weights are a download.",
        138_357_544,
        "catalogue §3.14 / §9 #12 (VGG-16 lab, seed 001)",
    )
)
def vgg16() -> keras.Model:
    return keras.applications.VGG16(weights=None)


@template(
    imagenet_application(
        "resnet50",
        "ResNet-50",
        "keras.applications.ResNet50 imported as is: 50 layers of bottleneck residual blocks, "
        "25.6 million parameters, every layer editable on the canvas.",
        25_636_712,
        "catalogue §3.15 (ResNet; keras.applications list in seed 000)",
    )
)
def resnet50() -> keras.Model:
    return keras.applications.ResNet50(weights=None)
