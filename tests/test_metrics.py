"""PSNR/SSIM against scikit-image on real images."""

import glob
import os

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from nsr_tf import metrics
from nsr_tf.data.degradations import add_noise_for_file
from nsr_tf.data.images import read_image


def pairs(testsets):
    for name in ("Set12/01.png", "Set12/07.png", "classic5/barbara.png"):
        path = os.path.join(testsets, name)
        clean = read_image(path, 1)[..., 0]
        yield clean, np.clip(add_noise_for_file(clean, 25, path), 0, 1)


def test_psnr_and_ssim_agree_with_skimage(testsets):
    for clean, noisy in pairs(testsets):
        reference = peak_signal_noise_ratio(clean * 255.0, noisy * 255.0, data_range=255)
        assert metrics.psnr(clean, noisy) == pytest.approx(reference, abs=1e-3)
        reference = structural_similarity(clean * 255.0, noisy * 255.0, gaussian_weights=True,
                                          sigma=1.5, use_sample_covariance=False,
                                          data_range=255)
        assert metrics.ssim(clean, noisy) == pytest.approx(reference, abs=1e-3)


def test_y_channel_and_shave(testsets):
    from skimage.color import rgb2ycbcr
    path = sorted(glob.glob(os.path.join(testsets, "Set5", "*.png")))[0]
    clean = read_image(path, 3)
    other = np.clip(clean + np.random.default_rng(0).normal(0, 0.05, clean.shape), 0, 1)
    y_clean, y_other = rgb2ycbcr(clean)[..., 0], rgb2ycbcr(other)[..., 0]
    s = 3
    reference = peak_signal_noise_ratio(y_clean[s:-s, s:-s], y_other[s:-s, s:-s],
                                        data_range=255)
    assert metrics.psnr(clean, other, shave=s, y_channel=True) == pytest.approx(reference,
                                                                                abs=1e-3)
    reference = structural_similarity(y_clean[s:-s, s:-s], y_other[s:-s, s:-s],
                                      gaussian_weights=True, sigma=1.5,
                                      use_sample_covariance=False, data_range=255)
    assert metrics.ssim(clean, other, shave=s, y_channel=True) == pytest.approx(reference,
                                                                                abs=1e-3)


def test_estimate_is_clipped_and_identical_images_are_infinite():
    clean = np.full((16, 16), 1.0)
    assert metrics.psnr(clean, clean + 0.5) == float("inf")
    assert metrics.psnr(clean, clean) == float("inf")
