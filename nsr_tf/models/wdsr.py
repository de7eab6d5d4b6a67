"""The WDSR-style residual network the paper builds on (docs/design.md, The network)."""

import math

from nsr_tf.quiet import tf  # noqa: F401  (first: TensorFlow without its chatter)
import keras

from nsr_tf.errors import UsageError
from nsr_tf.layers import ChannelSlice, PixelShuffle, SparseConv2D, WeightNormConv2D
from nsr_tf.models.presets import DEFAULT_CHANNELS, DIV2K_RGB_MEAN, SR_SCALES, resolve_preset

HEAD_KERNEL = 3
SKIP_KERNEL = 5


def build_network(preset, channels=1, scale=1, image_mean=0.5, implementation="auto",
                  name="nsr", level_map=False, map_offset=0.0):
    """A WDSR-A style network from a ``Preset``.

    ``out = pixel_shuffle(tail(blocks(head(x - mean))) + skip(x - mean)) + mean``, where a
    block is ``x + conv2(relu(conv1(x)))`` with SparseConv2D ``C -> C*w -> C`` and skip is
    identity unless the channel counts differ (then a 5x5 conv).
    ``level_map``: the input carries one more channel, the degradation level per pixel
    (sigma / 255 for noise, FFDNet's map; quality / 100 for JPEG); the head and so every
    gate see it, the output has the image's channels and the skip takes the image alone.
    ``map_offset`` is added to the map channel (as the mean is subtracted from the image).
    Init as the authors: weight-norm gain 1 for head/tail/skip, 2.0 for the first conv of
    a block, 1/sqrt(num_blocks) for the second (residual scaling); biases zero.
    """
    if channels not in (1, 3):
        raise UsageError(f"channels must be 1 or 3, got {channels!r}")
    mean = [float(image_mean)] * channels if isinstance(image_mean, (int, float)) \
        else [float(m) for m in image_mean]
    if len(mean) != channels:
        raise UsageError(f"image_mean has {len(mean)} values for {channels} channels")
    out_channels = channels * scale * scale
    inner = int(preset.filters * preset.width_multiplier)

    def sparse_conv(filters, gain, name):
        return SparseConv2D(filters, 3, sparsity_groups=preset.sparsity_groups,
                            cardinality=preset.cardinality, gate=preset.gate,
                            temperature=preset.temperature, implementation=implementation,
                            weight_gain=gain, name=name)

    extra = 1 if level_map else 0
    inputs = keras.Input((None, None, channels + extra), name="image")
    x = keras.layers.Rescaling(1.0, offset=[-m for m in mean] + [map_offset] * extra,
                               name="subtract_mean")(inputs)
    body = WeightNormConv2D(preset.filters, HEAD_KERNEL, name="head")(x)
    if level_map:
        x = ChannelSlice(channels, name="image_channels")(x)
    for b in range(preset.num_blocks):
        y = sparse_conv(inner, 2.0, f"block{b}_conv1")(body)
        y = keras.layers.ReLU(name=f"block{b}_relu")(y)
        y = sparse_conv(preset.filters, 1.0 / math.sqrt(preset.num_blocks),
                        f"block{b}_conv2")(y)
        body = keras.layers.Add(name=f"block{b}_add")([body, y])
    body = WeightNormConv2D(out_channels, HEAD_KERNEL, name="tail")(body)
    skip = x if out_channels == channels else \
        WeightNormConv2D(out_channels, SKIP_KERNEL, name="skip")(x)
    x = keras.layers.Add(name="add_skip")([body, skip])
    if scale > 1:
        x = PixelShuffle(scale, name="pixel_shuffle")(x)
    outputs = keras.layers.Rescaling(1.0, offset=mean, name="add_mean")(x)
    return keras.Model(inputs, outputs, name=name)


def build_model(task, variant, channels=None, scale=None, image_mean=None,
                implementation="auto", level_map=False, **overrides):
    """Builds a preset network: ``task`` in {"denoise", "jpeg", "sr"}, ``variant`` in
    {"baseline", "sparse-", "sparse+", "ablation"} (and "edsr-s", "edsr-l" for SR).

    Args:
        channels: image channels, 1 or 3 (default: 1 for denoise/JPEG, 3 for SR).
        scale: SR factor, 2, 3 or 4 (default 2); must be left out for denoise/JPEG.
        image_mean: mean subtracted at the input (default 0.5 gray, DIV2K's RGB mean).
        implementation: SparseConv2D implementation (see ``SparseConv2D``).
        level_map: denoise and JPEG: one more input channel holding the level (sigma / 255
            or quality / 100) per pixel, so one model covers a range (``build_network``).
        **overrides: any ``Preset`` field (num_blocks, filters, width_multiplier,
            sparsity_groups, cardinality, gate, temperature).

    Returns a ``keras.Model`` on NHWC float images in [0, 1].
    """
    preset = resolve_preset(task, variant, **overrides)
    channels = DEFAULT_CHANNELS[task] if channels is None else channels
    if task == "sr":
        scale = 2 if scale is None else scale
        if scale not in SR_SCALES:
            raise UsageError(f"SR scale must be one of {SR_SCALES}, got {scale!r}")
    elif scale not in (None, 1):
        raise UsageError(f"scale={scale!r} only applies to task 'sr', not {task!r}")
    else:
        scale = 1
    if image_mean is None:
        image_mean = DIV2K_RGB_MEAN if channels == 3 else 0.5
    if level_map and task not in ("denoise", "jpeg"):
        raise UsageError(f"level_map applies to tasks 'denoise' and 'jpeg', not {task!r}")
    name = f"nsr_{task}_{variant.replace('+', 'plus').replace('-', 'minus')}"
    # The quality map (quality / 100) is centred at 0.5: uncentred, its DC term gave an
    # initial L1 of 0.36 against 0.07 without a map (Sparse-, Train400 patches at q 10-90).
    # The noise map (sigma / 255, FFDNet's) is small and is fed as it is.
    return build_network(preset, channels, scale, image_mean, implementation, name=name,
                         level_map=level_map, map_offset=-0.5 if task == "jpeg" else 0.0)
