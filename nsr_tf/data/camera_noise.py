"""Realistic camera noise: what a phone's pipeline does to sensor noise.

AWGN is white and signal-independent; a phone photo's noise is neither. Following the
"unprocessing" model of Brooks et al. (CVPR 2019), a clean sRGB image is taken back to
linear light, mosaicked to an RGGB Bayer raw image, given Poisson-Gaussian sensor noise
(variance ``shot * x + read`` at linear intensity ``x``), demosaicked (bilinear), gamma
encoded again (sRGB) and optionally JPEG-compressed (libjpeg, 4:2:0, as cameras write).
The demosaicking and the JPEG make the noise spatially correlated, and the shot noise
makes it signal-dependent, which is what a white-noise estimator misses on real photos.

Noise levels are drawn as Brooks et al. draw them: ``log shot ~ U(log 1e-4, log 1.2e-2)``
and ``log read = 2.18 log shot + 1.20 + N(0, 0.26)`` (both variances on [0, 1] linear
intensities). All ops are TensorFlow and stateless (a seed pair in, the same noise out),
so the same function serves the training pipeline (per patch) and evaluation (seeded by
file name).
"""

import numpy as np
from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

from nsr_tf.data.degradations import jpeg_compress

LOG_SHOT_RANGE = (float(np.log(1e-4)), float(np.log(1.2e-2)))


def srgb_to_linear(x):
    x = tf.clip_by_value(x, 0.0, 1.0)
    return tf.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x):
    x = tf.clip_by_value(x, 1e-8, 1.0)
    return tf.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def _bayer_masks(height, width, dtype):
    """(H, W, 3) 0/1 masks of an RGGB mosaic: R at even rows and columns, B at odd ones."""
    rows = tf.range(height)[:, None] % 2
    cols = tf.range(width)[None, :] % 2
    red = tf.cast((rows == 0) & (cols == 0), dtype)
    blue = tf.cast((rows == 1) & (cols == 1), dtype)
    green = 1.0 - red - blue
    return tf.stack([red, green, blue], axis=-1)


# Bilinear demosaicking kernels: each channel's samples spread to the missing pixels.
_GREEN = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], np.float32) / 4
_RED_BLUE = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 4


def demosaic_bilinear(raw_rgb):
    """(H, W, 3) masked mosaic (each pixel holds its one sampled channel, zeros elsewhere)
    -> full RGB by bilinear interpolation, with mirrored borders."""
    kernel = np.stack([_RED_BLUE, _GREEN, _RED_BLUE], axis=-1)[..., None]   # (3, 3, 3, 1)
    padded = tf.pad(raw_rgb[None], [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    out = tf.nn.depthwise_conv2d(padded, tf.constant(kernel, raw_rgb.dtype), [1, 1, 1, 1],
                                 "VALID")
    return out[0]


def sample_levels(seed):
    """(shot, read) variances of Brooks et al.'s distribution, from a stateless seed."""
    u = tf.random.stateless_uniform([], seed, LOG_SHOT_RANGE[0], LOG_SHOT_RANGE[1])
    n = tf.random.stateless_normal([], seed + 1, stddev=0.26)
    return tf.exp(u), tf.exp(2.18 * u + 1.20 + n)


def camera_noise(image, seed, shot=None, read=None, quality=None):
    """A noisy phone-like photo from a clean sRGB (H, W, 3) float image in [0, 1] (tf).

    ``seed``: a stateless seed pair (int32/int64 shape (2,)). ``shot``/``read``: the
    Poisson-Gaussian variances (default: drawn from ``seed``). ``quality``: JPEG quality
    of the camera's encoder (int or int tensor), or None for an uncompressed output.
    Returns float32 (H, W, 3), not clipped unless compressed.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)
    if shot is None or read is None:
        drawn_shot, drawn_read = sample_levels(seed)
        shot = drawn_shot if shot is None else shot
        read = drawn_read if read is None else read
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    masks = _bayer_masks(height, width, image.dtype)
    linear = srgb_to_linear(image) * masks
    variance = tf.maximum(linear * shot + read, 0.0)
    raw = linear + tf.random.stateless_normal(tf.shape(linear), seed + 2) * \
        tf.sqrt(variance) * masks
    noisy = linear_to_srgb(tf.maximum(demosaic_bilinear(raw), 0.0))
    if quality is not None:
        noisy = jpeg_compress(noisy, quality)
    return noisy


def camera_pair(image, seed, shot=None, read=None, quality=None):
    """(noisy, reference) of ``camera_noise``: the reference is the same pipeline without
    the noise (mosaic, demosaic, gamma; no JPEG), as a real pair's ground truth is the
    camera's own output of a noise-free exposure. Their difference is the noise alone."""
    image = tf.convert_to_tensor(image, tf.float32)
    masks = _bayer_masks(tf.shape(image)[0], tf.shape(image)[1], image.dtype)
    reference = linear_to_srgb(demosaic_bilinear(srgb_to_linear(image) * masks))
    return camera_noise(image, seed, shot, read, quality), reference


def noise_rms(noisy, clean):
    """The noise's RMS on the [0, 255] scale: what a denoiser's map is told for it."""
    return float(np.sqrt(np.mean((np.asarray(noisy, np.float64)
                                  - np.asarray(clean, np.float64)) ** 2)) * 255.0)
