"""Noise level and JPEG quality estimation against known degradations of real images."""

import os

import numpy as np
import pytest
from PIL import Image

from nsr_tf.data.degradations import add_noise_for_file
from nsr_tf.data.images import read_image
from nsr_tf import estimation
from nsr_tf.estimation import (estimate_flat_rms, estimate_noise_rms, estimate_sigma, ijg_table,
                               jpeg_quality)


@pytest.mark.parametrize("quality", [5, 10, 20, 30, 40, 50, 75, 90, 100])
def test_jpeg_quality_is_read_from_the_files_tables(testsets, tmp_path, quality):
    image = Image.open(os.path.join(testsets, "classic5", "barbara.png"))
    path = tmp_path / "x.jpg"
    image.save(path, "JPEG", quality=quality)            # libjpeg, as Pillow writes it
    assert jpeg_quality(path) == (quality, True)


def test_a_foreign_table_gives_the_nearest_quality_and_png_none(testsets, tmp_path):
    image = Image.open(os.path.join(testsets, "classic5", "lena.png"))
    table = (ijg_table(30) * 1.05).astype(int).clip(1, 255).tolist()
    path = tmp_path / "x.jpg"
    image.save(path, "JPEG", qtables=[table])
    quality, exact = jpeg_quality(path)
    assert abs(quality - 29) <= 1 and not exact
    assert jpeg_quality(os.path.join(testsets, "classic5", "lena.png")) is None


def test_ijg_table_matches_the_standard_at_50():
    assert ijg_table(50)[:8].tolist() == [16, 11, 10, 16, 24, 40, 51, 61]
    assert ijg_table(100).max() == 1 and ijg_table(1).max() == 255


@pytest.mark.parametrize("sigma", [15, 25, 50])
def test_noise_level_of_set12_within_a_few_levels(testsets, sigma):
    errors = []
    for name in ("01.png", "02.png", "05.png", "08.png"):
        path = os.path.join(testsets, "Set12", name)
        clean = read_image(path, 1)[..., 0]
        errors.append(estimate_sigma(add_noise_for_file(clean, sigma, path)) - sigma)
    assert abs(np.mean(errors)) < 0.1 * sigma + 1.5


def test_the_flat_patch_bias_is_the_chi_square_percentile():
    from scipy import stats
    dof = estimation.FLAT_PATCH ** 2 - 3
    assert estimation.FLAT_BIAS == pytest.approx(
        stats.chi2.ppf(estimation.FLAT_QUANTILE, dof) / dof, rel=1e-12)


def _flat_reference(image, size=8, quantile=0.05, bias=estimation.FLAT_BIAS):
    """The flat-patch estimate the slow way: a least-squares plane per patch (numpy's
    lstsq), clipped patches left out, numpy's percentile."""
    image = image if image.ndim == 3 else image[..., None]
    yy, xx = np.mgrid[:size, :size]
    design = np.stack([np.ones(size * size), yy.ravel(), xx.ravel()], 1)
    variances = []
    for c in range(image.shape[-1]):
        for top in range(0, image.shape[0] - size + 1, size):
            for left in range(0, image.shape[1] - size + 1, size):
                patch = image[top:top + size, left:left + size, c].ravel().astype(np.float64)
                if (patch <= 0).any() or (patch >= 1).any():
                    continue
                fit = design @ np.linalg.lstsq(design, patch, rcond=None)[0]
                variances.append(((patch - fit) ** 2).sum() / (size * size - 3))
    return np.sqrt(np.percentile(variances, quantile * 100) / bias) * 255


def test_the_flat_patch_estimator_equals_a_per_patch_least_squares_fit():
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:70, 0:83] / 80.0
    image = np.stack([0.2 + 0.5 * xx + 0.1 * np.sin(9 * yy), 0.6 - 0.3 * yy, 0.5 + 0 * xx], -1)
    image = np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1)
    image[:20, :30] = 1.0                                  # blown out: left out
    assert estimate_flat_rms(image) == pytest.approx(_flat_reference(image), rel=1e-9)
    assert estimate_flat_rms(image[..., 1]) == pytest.approx(_flat_reference(image[..., 1]),
                                                             rel=1e-9)


def test_the_flat_patch_estimator_ignores_saturation_and_falls_back_when_small():
    rng = np.random.default_rng(4)
    image = np.full((128, 128), 0.5) + rng.normal(0, 10 / 255, (128, 128))
    image[:, :80] = 1.0              # most of the photo blown out: it holds no noise
    assert estimate_flat_rms(image) == pytest.approx(10, rel=0.1)
    small = image[:40, 60:100]       # 25 patches: too few for a percentile
    assert estimate_flat_rms(small) == estimate_noise_rms(small)


@pytest.mark.parametrize("sigma", [5, 15, 25, 50])
def test_flat_patch_noise_level_of_set12_within_a_few_levels(testsets, sigma):
    errors = []
    for name in ("01.png", "02.png", "05.png", "08.png"):
        path = os.path.join(testsets, "Set12", name)
        clean = read_image(path, 1)[..., 0]
        errors.append(estimate_flat_rms(add_noise_for_file(clean, sigma, path)) - sigma)
    assert abs(np.mean(errors)) < 0.1 * sigma + 1.5


def test_removed_rms_is_the_rms_of_what_a_restoration_took_out():
    noisy = np.full((4, 6, 3), 0.5)
    restored = noisy.copy()
    restored[:2] -= 3 / 255.0           # half the pixels lose 3 levels: RMS 3 / sqrt(2)
    assert estimation.removed_rms(noisy, restored) == pytest.approx(3 / np.sqrt(2))


@pytest.mark.parametrize("fraction, told", [
    (0.8, [10.0]),                      # removes most of what it is told: one look
    (estimation.RECHECK_RATIO + 0.01, [10.0]),  # just above the ratio: still one look
    (0.3, [10.0, 3.0, 0.9]),            # finds texture: told what it removed, twice
])
def test_settle_level_looks_again_where_the_model_removes_little(fraction, told):
    # a stand-in denoiser that takes out ``fraction`` of what it is told, evenly
    noisy = np.full((8, 8, 3), 0.5)
    calls = []

    def restore_at(sigma):
        calls.append(sigma)
        return noisy - fraction * sigma / 255.0

    restored, last, seen = estimation.settle_level(restore_at, noisy, 10.0)
    assert seen == pytest.approx(told) and calls == pytest.approx(told)
    assert last == pytest.approx(told[-1])
    np.testing.assert_allclose(restored, noisy - fraction * told[-1] / 255.0)
    assert estimation.settle_level(restore_at, noisy, 10.0, rechecks=0)[2] == [10.0]


def test_the_app_looks_again_as_nsr_restore_does():
    # the Android app's twin of settle_level (Levels.settleLevel, tested by LevelsTest on
    # the JVM) must use the same ratio and number of looks
    import os
    import re
    java = open(os.path.join(os.path.dirname(__file__), "..", "android_demo", "photo", "src",
                             "main", "java", "org", "nsrtf", "photo", "Levels.java")).read()
    ratio = re.search(r"double RECHECK_RATIO = ([0-9.]+);", java)
    looks = re.search(r"int RECHECKS = ([0-9]+);", java)
    assert ratio and float(ratio.group(1)) == estimation.RECHECK_RATIO
    assert looks and int(looks.group(1)) == estimation.RECHECKS
    # and the JPEG grid finder's (Levels.jpegGrid, against Python's by LevelsTest)
    for name in ("GRID_CROP", "GRID_MIN_BLOCKS", "GRID_ZERO", "GRID_RATIO", "GRID_MARGIN"):
        value = re.search(rf"(?:int|double) {name} = ([0-9.]+);", java)
        assert value and float(value.group(1)) == getattr(estimation, name), name


def _jpeg_decoded(pixels, quality):
    """``pixels`` (uint8) through Pillow's JPEG (libjpeg defaults), decoded to [0, 1]."""
    import io
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")) / 255.0


def test_grid_zero_fractions_are_scipys_dct_counted():
    from scipy.fft import dctn
    rng = np.random.default_rng(5)
    image = rng.uniform(0, 1, (150, 141, 3))
    fractions = estimation.grid_zero_fractions(image)
    luma = (image @ [0.299, 0.587, 0.114]) * 255
    high = np.add.outer(np.arange(8), np.arange(8)) >= 7
    for dy, dx in ((0, 0), (3, 6), (7, 1)):
        # the crop is the whole image here (under GRID_CROP): 17 x 16 blocks at each offset
        part = luma[dy:dy + 8 * 17, dx:dx + 8 * 16]
        blocks = part.reshape(17, 8, 16, 8).transpose(0, 2, 1, 3)
        coefficients = dctn(blocks, axes=(2, 3), norm="ortho")[..., high]
        assert fractions[dy, dx] == pytest.approx(np.mean(np.abs(coefficients) < 0.5))
    assert estimation.grid_zero_fractions(image[:130]) is None     # 15 blocks: too few


def test_a_photo_that_was_once_a_jpeg_shows_its_grid(testsets):
    from nsr_tf.data.camera_noise import camera_noise
    clean = read_image(os.path.join(testsets, "Set5", "butterfly_GT.png"), 3)
    pixels = np.round(clean * 255).astype(np.uint8)
    assert estimation.jpeg_grid(clean) is None                      # never compressed
    decoded = _jpeg_decoded(pixels, 95)
    assert estimation.jpeg_grid(decoded) == (0, 0)
    # cropped after decoding (an editor's crop saved as PNG): the grid moves with it
    assert estimation.jpeg_grid(decoded[3:, 5:]) == (5, 3)
    assert estimation.compression_of(decoded, False) == "grid"
    assert estimation.compression_of(clean, True) == "file"
    assert estimation.compression_of(clean, False) is None
    # camera noise: raw shows no grid, through the camera's JPEG it does
    raw = np.asarray(camera_noise(clean, [4, 2], 2e-3, 1e-5))
    assert estimation.jpeg_grid(np.clip(raw, 0, 1)) is None
    assert estimation.jpeg_grid(np.asarray(camera_noise(clean, [4, 2], 2e-3, 1e-5, 95))) \
        == (0, 0)
    # white noise added after the JPEG (the AWGN benchmarks on once-JPEG test sets) hides it
    noisy = decoded + np.random.default_rng(1).normal(0, 15 / 255, decoded.shape)
    assert estimation.jpeg_grid(noisy) is None
