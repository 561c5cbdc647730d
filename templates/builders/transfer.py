"""Models built on a pretrained MobileNetV2: transfer learning with a frozen backbone, and a
U-Net that segments with MobileNetV2 as its encoder.

Both are built with ``weights=None`` so building never touches the network; the transfer
template's ImageNet weights are fetched on first use by ``studio.gallery.templates.fetch_pretrained``.
"""

from __future__ import annotations

import keras
from keras import layers

from templates.builders import TemplateInfo, bundled, classify, template

BACKBONE_SIZE = 96
PRETRAINED_NOTE = (
    "pretrained ImageNet weights are downloaded and cached on first use when "
    "online; offline the template opens with random weights"
)
UNET_SKIPS = (
    "block_1_expand_relu",  # 64x64
    "block_3_expand_relu",  # 32x32
    "block_6_expand_relu",  # 16x16
    "block_13_expand_relu",  # 8x8
    "block_16_project",  # 4x4
)


@template(
    TemplateInfo(
        name="transfer_mobilenetv2",
        title="Transfer learning on MobileNetV2",
        description="A frozen MobileNetV2 backbone (ImageNet features, one collapsed node) with a "
        "new head: global average pooling, dropout and a 10-class softmax. Images are "
        "resized to 96×96 and scaled to [-1, 1] the way MobileNetV2 expects. Only the "
        "head trains; unfreeze the backbone later to fine-tune. Note: " + PRETRAINED_NOTE + ".",
        task="images",
        dataset=bundled("cifar_like"),
        params=2_270_794,
        training=classify(3, 64),
        source="catalogue §8.8 / §9 #12 (transfer learning workflow, seeds 000/001/004)",
        trains_by_default=False,
        real_dataset="keras:cifar10",
        extra={
            "pretrained": {
                "application": "MobileNetV2",
                "weights": "imagenet",
                "input_shape": [BACKBONE_SIZE, BACKBONE_SIZE, 3],
                "include_top": False,
                "node": "mobilenetv2_backbone",
            },
            "weights_note": PRETRAINED_NOTE,
            "trainable_params": 12_810,
        },
    )
)
def transfer_mobilenetv2() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Resizing(BACKBONE_SIZE, BACKBONE_SIZE, name="resize")(inputs)
    x = layers.Rescaling(2.0, offset=-1.0, name="to_minus1_1")(x)
    backbone = keras.applications.MobileNetV2(
        input_shape=(BACKBONE_SIZE, BACKBONE_SIZE, 3), include_top=False, weights=None
    )
    backbone.name = "mobilenetv2_backbone"
    backbone.trainable = False
    x = backbone(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(0.2, name="dropout")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="transfer_mobilenetv2")


def _upsample(x, filters: int, name: str):
    """pix2pix's upsample block from the TF segmentation tutorial: transposed conv ×2."""
    x = layers.Conv2DTranspose(
        filters, 3, strides=2, padding="same", use_bias=False, name=f"{name}_deconv"
    )(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


@template(
    TemplateInfo(
        name="unet_mobilenetv2",
        title="U-Net segmentation on MobileNetV2",
        description="The TF segmentation tutorial's U-Net: a frozen MobileNetV2 encoder on "
        "128×128×3 images gives skips at 64, 32, 16, 8 and 4 px (block_1/3/6/13_expand"
        "_relu, block_16_project); a Conv2DTranspose up-stack (512, 256, 128, 64 "
        "filters) climbs back, concatenating each skip, and a last Conv2DTranspose "
        "outputs 3 classes per pixel at 128×128 as logits (the loss applies the "
        "softmax). Offline it opens on the generated segmentation_shapes set (circles "
        "and squares with a class per pixel); bring image/mask pairs (e.g. "
        "Oxford-IIIT Pets) for the real task.",
        task="images",
        dataset=bundled("segmentation_shapes"),
        params=6_504_227,
        training=classify(20, 64, loss_params={"from_logits": True}),
        source="catalogue §3.11 / §9 #14 (seed 000); up-stack from the TF tutorial",
        needs_gpu=True,
        trains_by_default=False,
        real_dataset="oxford_iiit_pet (image/mask folder)",
        extra={"skip_layers": list(UNET_SKIPS), "trainable_params": 4_660_323},
    )
)
def unet_mobilenetv2() -> keras.Model:
    base = keras.applications.MobileNetV2(
        input_shape=(128, 128, 3), include_top=False, weights=None
    )
    for layer in base.layers:
        layer.trainable = False
    skips = [base.get_layer(name).output for name in UNET_SKIPS]
    x = skips[-1]
    for i, (filters, skip) in enumerate(zip((512, 256, 128, 64), reversed(skips[:-1])), 1):
        x = _upsample(x, filters, f"up{i}")
        x = layers.Concatenate(name=f"skip{i}")([x, skip])
    outputs = layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="mask")(x)
    return keras.Model(base.input, outputs, name="unet_mobilenetv2")
