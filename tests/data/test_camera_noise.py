"""Camera noise: the Poisson-Gaussian model through the pipeline, and its estimator."""

import os

import numpy as np
import pytest
import tensorflow as tf

from nsr_tf.data import Degradation, training_dataset
from nsr_tf.data.camera_noise import (camera_noise, camera_pair, demosaic_bilinear,
                                      linear_to_srgb, noise_rms, srgb_to_linear)
from nsr_tf.data.images import read_image
from nsr_tf.errors import UsageError
from nsr_tf.estimation import (estimate_camera_noise, estimate_flat_rms, estimate_noise_rms,
                               estimate_sigma, estimator_for)


def test_srgb_curve_round_trips_and_matches_the_standard():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(x)).numpy(), x, atol=1e-5)
    # IEC 61966-2-1: sRGB 0.5 is linear 0.2140
    assert float(srgb_to_linear(tf.constant(0.5))) == pytest.approx(0.21404, abs=1e-4)


def test_bilinear_demosaicking_keeps_the_samples_and_constants():
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(8, 10, 3)).astype(np.float32)
    masks = np.zeros_like(image)
    masks[0::2, 0::2, 0] = 1
    masks[1::2, 1::2, 2] = 1
    masks[..., 1] = 1 - masks[..., 0] - masks[..., 2]
    out = demosaic_bilinear(tf.constant(image * masks)).numpy()
    np.testing.assert_allclose(out[masks == 1], image[masks == 1], atol=1e-6)
    flat = demosaic_bilinear(tf.constant(np.full((8, 10, 3), 0.3, np.float32) * masks))
    np.testing.assert_allclose(flat.numpy(), 0.3, atol=1e-6)


def test_sensor_noise_is_poisson_gaussian_in_linear_light():
    # A flat gray: at the red samples (kept by demosaicking) the linear-light variance is
    # shot * x + read, the model's definition.
    level, shot, read = 0.4, 4e-3, 1e-4
    noisy = camera_noise(np.full((256, 256, 3), level, np.float32), [1, 2], shot, read)
    red = srgb_to_linear(noisy).numpy()[0::2, 0::2, 0]
    x = float(srgb_to_linear(tf.constant(level)))
    assert red.mean() == pytest.approx(x, rel=0.02)
    assert red.var() == pytest.approx(shot * x + read, rel=0.08)
    again = camera_noise(np.full((256, 256, 3), level, np.float32), [1, 2], shot, read)
    np.testing.assert_array_equal(noisy.numpy(), again.numpy())          # stateless
    other = camera_noise(np.full((256, 256, 3), level, np.float32), [1, 3], shot, read)
    assert np.abs(other.numpy() - noisy.numpy()).max() > 0.01


def _smooth(size=192):
    y, x = np.mgrid[0:size, 0:size] / size
    return np.stack([0.3 + 0.4 * x, 0.5 + 0.2 * np.sin(3 * y), 0.4 + 0.3 * x * y],
                    -1).astype(np.float32)


def test_the_binned_estimator_reads_camera_noise_the_finest_band_misses():
    clean = _smooth()
    noisy, reference = camera_pair(clean, [4, 5], shot=3e-3, read=3e-5, quality=90)
    true = noise_rms(noisy.numpy(), reference.numpy())
    assert 3 < true < 15
    assert estimate_sigma(noisy.numpy()) < 0.6 * true            # white-noise estimator
    assert estimate_noise_rms(noisy.numpy()) == pytest.approx(true, rel=0.3)
    # white noise: both read sigma
    white = clean + np.random.default_rng(1).normal(0, 20 / 255, clean.shape)
    assert estimate_noise_rms(white) == pytest.approx(20, rel=0.1)
    assert estimator_for("awgn")(white, True) == estimate_sigma(white)
    assert estimator_for("mix") is estimate_camera_noise


def test_the_camera_estimator_takes_flat_patches_without_jpeg_and_binned_pixels_after(
        testsets):
    # the two estimators fail in opposite places: the binned one reads fine texture as
    # noise (low noise on a detailed photo: about twice too high and more), the flattest
    # patches see only where noise is lowest, and JPEG flattens those;
    # estimate_camera_noise takes each where the other fails (docs/camera_noise.md
    # measures both on Kodak24)
    binned, flat = [], []
    for name in ("baby", "bird", "butterfly", "head", "woman"):
        clean = read_image(os.path.join(testsets, "Set5", f"{name}_GT.png"), 3)
        noisy, reference = [t.numpy() for t in camera_pair(clean, [4, 6], shot=2e-4,
                                                           read=1e-6)]
        true = noise_rms(noisy, reference)
        assert 1 < true < 3
        binned.append(estimate_noise_rms(noisy) / true)
        flat.append(estimate_flat_rms(noisy) / true)
        assert estimate_camera_noise(noisy) == estimate_flat_rms(noisy)
    assert np.median(binned) > 2 and 0.8 < np.median(flat) < 1.4
    assert all(abs(np.log(f)) < abs(np.log(b)) for f, b in zip(flat, binned))
    noisy, reference = [t.numpy() for t in camera_pair(_smooth(192), [4, 6], shot=3e-3,
                                                       read=3e-5, quality=90)]
    true = noise_rms(noisy, reference)
    assert estimate_flat_rms(noisy) < 0.8 * true                  # JPEG flattened it
    assert estimate_camera_noise(noisy, jpeg=True) == estimate_noise_rms(noisy) \
        == pytest.approx(true, rel=0.3)


@pytest.mark.parametrize("noise", ["camera", "mix"])
def test_camera_noise_patches_are_told_their_rms(noise):
    degradation = Degradation("denoise", 25, sigma_range=(0, 75), noise=noise)
    # fine texture, which demosaicking cannot keep
    texture = np.random.default_rng(0).uniform(-0.1, 0.1, (96, 96, 3)).astype(np.float32)
    images = [_smooth(96) + texture, _smooth(80)[::-1] + texture[:80, :80]]
    degraded, clean = next(iter(training_dataset(images, degradation, 32, 8, 4, seed=3)))
    noisy, level = degraded[..., :3].numpy(), degraded[..., 3].numpy()
    assert np.all(level == level[:, :1, :1])                           # one value a patch
    level = level[:, 0, 0] * 255
    assert np.all((level >= 0) & (level <= 75))
    rms = np.sqrt(((noisy - clean.numpy()) ** 2).mean(axis=(1, 2, 3))) * 255
    # a camera patch's target is what its noise was measured against, the camera pipeline
    # without the noise, so its map holds the RMS of (input - target) exactly (a
    # pre-mosaic target would add demosaicking's error to it); an AWGN patch's map holds
    # the sigma drawn, which clipping and sampling move a little
    exact = np.isclose(rms, level, rtol=2e-3, atol=0.02)
    assert exact.all() if noise == "camera" else 0 < exact.sum() < len(exact)
    np.testing.assert_allclose(rms, level, rtol=0.12, atol=0.5)
    with pytest.raises(UsageError, match="--sigma-range"):
        Degradation("denoise", 25, noise=noise)
