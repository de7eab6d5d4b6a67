"""Noise level and JPEG quality estimation against known degradations of real images."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from nsr_tf.data.degradations import add_noise_for_file
from nsr_tf.data.images import read_image
from nsr_tf.estimation import estimate_sigma, ijg_table, jpeg_quality


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
