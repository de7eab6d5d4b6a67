"""PSNR and SSIM as the paper's protocol computes them (docs/design.md, Evaluation protocol): on the
[0, 255] scale after clipping, on gray or the Y channel (MATLAB's BT.601 formula), with an
optional border shave (SR: the scale)."""

import numpy as np
from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

_Y_WEIGHTS = np.array([65.481, 128.553, 24.966])


def _prepare(image, shave, y_channel):
    image = np.clip(np.asarray(image, np.float64), 0.0, 1.0)
    if image.ndim == 2:
        image = image[..., None]
    if y_channel and image.shape[-1] == 3:
        image = ((16.0 + image @ _Y_WEIGHTS) / 255.0)[..., None]
    if shave:
        image = image[shave:-shave, shave:-shave]
    return image * 255.0


def psnr(reference, estimate, shave=0, y_channel=False):
    """PSNR in dB of float [0, 1] images (HxW or HxWxC)."""
    reference = _prepare(reference, shave, y_channel)
    estimate = _prepare(estimate, shave, y_channel)
    mse = np.mean((reference - estimate) ** 2)
    return float("inf") if mse == 0 else float(10.0 * np.log10(255.0 ** 2 / mse))


def ssim(reference, estimate, shave=0, y_channel=False):
    """SSIM (Wang et al. 2004; Gaussian window 11, sigma 1.5, as MATLAB ``ssim``),
    mean over channels, of float [0, 1] images."""
    reference = _prepare(reference, shave, y_channel)
    estimate = _prepare(estimate, shave, y_channel)
    value = tf.image.ssim(tf.constant(reference, tf.float32), tf.constant(estimate, tf.float32),
                          max_val=255.0, filter_size=11, filter_sigma=1.5)
    return float(value)
