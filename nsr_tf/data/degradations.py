"""Degradations of the three tasks (docs/design.md, Evaluation protocol).

- AWGN: added to float images on the [0, 255] scale with std ``sigma`` (i.e. sigma/255 on
  [0, 1]); the noisy image is neither clipped nor quantised. Random in training;
  deterministic per file at evaluation, seeded from the file name.
- JPEG: a real libjpeg encode/decode (``tf.io.encode_jpeg``) at quality q of the 8-bit image.
- SR: MATLAB-compatible bicubic resizing (``imresize``), antialiased when downscaling.
"""

import os
import zlib

import numpy as np
from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

from nsr_tf.errors import UsageError


# ----------------------------------------------------------------------------- noise
def add_noise(images, sigma):
    """Training noise: ``images + N(0, (sigma/255)^2)`` (tf, any shape)."""
    return images + tf.random.normal(tf.shape(images), stddev=sigma / 255.0,
                                     dtype=images.dtype)


def with_level_map(image, level):
    """``image`` (H, W, C) with one more channel filled with ``level`` (numpy or tf, as
    given): the input of a level-conditioned model (``with_noise_map``,
    ``with_quality_map``)."""
    if isinstance(image, tf.Tensor):
        level = tf.ones_like(image[..., :1]) * tf.cast(level, image.dtype)
        return tf.concat([image, level], axis=-1)
    image = np.asarray(image, np.float32)
    return np.concatenate([image, np.full(image.shape[:-1] + (1,), level, np.float32)],
                          axis=-1)


def with_noise_map(image, sigma):
    """``image`` with the noise level map sigma / 255: a conditioned denoiser's input."""
    return with_level_map(image, sigma / 255.0)


def with_quality_map(image, quality):
    """``image`` with the JPEG quality map quality / 100: a conditioned JPEG model's
    input (FBCNN's quality factor as a map)."""
    return with_level_map(image, quality / 100.0)


def file_seed(path):
    """A seed from the file's base name, the same on every machine and run."""
    return zlib.crc32(os.path.basename(str(path)).encode("utf-8"))


def add_noise_for_file(image, sigma, path):
    """Evaluation noise for one image: deterministic per file name (numpy)."""
    rng = np.random.default_rng(file_seed(path))
    noise = rng.standard_normal(np.shape(image)) * (sigma / 255.0)
    return (np.asarray(image, np.float64) + noise).astype(np.float32)


# ------------------------------------------------------------------------------ JPEG
def jpeg_compress(image, quality):
    """JPEG round trip through libjpeg of one (H, W, C) float image in [0, 1] (tf).

    ``quality``: an int, or an int32 tensor (e.g. drawn per training patch). The image is
    rounded to 8 bits first, as the codec sees it."""
    if not isinstance(quality, tf.Tensor) and not 1 <= int(quality) <= 100:
        raise UsageError(f"JPEG quality must be in 1..100, got {quality!r}")
    pixels = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0), tf.uint8)
    # The variable-quality encoder is libjpeg's, byte for byte the same as encode_jpeg's
    # (tested); encode_jpeg only takes a Python int.
    encoded = tf.raw_ops.EncodeJpegVariableQuality(
        images=pixels, quality=tf.cast(quality, tf.int32))
    # The accurate integer IDCT: TF's default (fast) IDCT gives 0.01-0.03 dB lower PSNR
    # on classic5 than the paper's JPEG column; this one reproduces it exactly.
    decoded = tf.io.decode_jpeg(encoded, channels=image.shape[-1] or 0,
                                dct_method="INTEGER_ACCURATE")
    return tf.cast(decoded, image.dtype) / 255.0


# ------------------------------------------------------------------- MATLAB bicubic
# Hand-written because no well-kept Python library reproduces MATLAB's imresize
# (antialiased bicubic with symmetric borders) exactly; tested against the paper's
# MATLAB-computed bicubic PSNRs on Set5 (Table 4).
def _cubic(x):
    absx = np.abs(x)
    absx2, absx3 = absx ** 2, absx ** 3
    return ((1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1)
            + (-0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2) * ((absx > 1) & (absx <= 2)))


def _contributions(in_length, out_length, scale):
    kernel_width = 4.0
    antialias = scale < 1
    if antialias:
        kernel_width /= scale
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)          # output pixel centre in input space
    left = np.floor(u - kernel_width / 2)
    taps = int(np.ceil(kernel_width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(scale * distance) if antialias else _cubic(distance)
    weights /= weights.sum(axis=1, keepdims=True)
    # symmetric padding at the borders, as MATLAB
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = mirror[np.mod(indices - 1, 2 * in_length).astype(np.int64)]
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], indices[:, keep]


def _resize_axis(image, axis, out_length, scale):
    weights, indices = _contributions(image.shape[axis], out_length, scale)
    moved = np.moveaxis(image, axis, 0)
    out = np.einsum("op,op...->o...", weights, moved[indices])
    return np.moveaxis(out, 0, axis)


def imresize(image, scale=None, output_shape=None):
    """MATLAB ``imresize(image, scale, 'bicubic')`` on a float (H, W[, C]) array.

    Give ``scale`` (e.g. 1/4 or 2) or ``output_shape`` (H, W). Returns float64 without
    rounding; round to 8 bits where MATLAB would work on uint8 images.
    """
    image = np.asarray(image, dtype=np.float64)
    in_shape = image.shape[:2]
    if output_shape is None:
        if scale is None:
            raise UsageError("give scale or output_shape")
        scales = (float(scale), float(scale))
        output_shape = tuple(int(np.ceil(s * n)) for s, n in zip(scales, in_shape))
    else:
        scales = tuple(o / n for o, n in zip(output_shape, in_shape))
    # MATLAB resizes the dimension with the smaller scale first (height on ties).
    for axis in sorted((0, 1), key=lambda a: scales[a]):
        image = _resize_axis(image, axis, output_shape[axis], scales[axis])
    return image


def quantize(image):
    """Round a [0, 1] float image to 8 bits, as saving to PNG does."""
    return np.clip(np.round(np.asarray(image) * 255.0), 0, 255) / 255.0


def modcrop(image, scale):
    """Crop so that height and width are multiples of ``scale``."""
    h, w = image.shape[:2]
    return image[:h - h % scale, :w - w % scale]


def bicubic_downscale(image, scale):
    """The LR image of an HR one: modcrop, MATLAB bicubic 1/scale, 8-bit rounding."""
    return quantize(imresize(modcrop(image, scale), 1.0 / scale)).astype(np.float32)
