"""Degradations against known values: the paper's MATLAB bicubic (Table 4) and libjpeg
(Table 6) PSNRs, Pillow's libjpeg, and the noise statistics."""

import glob
import io
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from nsr_tf.data import degradations
from nsr_tf.data.images import read_image
from nsr_tf.metrics import psnr


@pytest.mark.parametrize("scale, paper", [(2, 33.66), (3, 30.39), (4, 28.42)])
def test_bicubic_reproduces_the_papers_matlab_set5_numbers(testsets, scale, paper):
    # Table 4 "Bicubic": LR = imresize(HR, 1/s), SR = imresize(LR, s), both 8-bit, PSNR
    # on Y with `scale` pixels shaved. MATLAB computed them; our imresize must agree.
    values = []
    for path in sorted(glob.glob(os.path.join(testsets, "Set5", "*.png"))):
        hr = degradations.modcrop(read_image(path, 3), scale)
        lr = degradations.bicubic_downscale(hr, scale)
        sr = degradations.quantize(degradations.imresize(lr, scale))
        values.append(psnr(hr, sr, shave=scale, y_channel=True))
    assert abs(np.mean(values) - paper) < 0.03


def test_imresize_basics():
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(12, 18))
    assert degradations.imresize(image, 0.5).shape == (6, 9)
    assert degradations.imresize(image, output_shape=(5, 7)).shape == (5, 7)
    np.testing.assert_allclose(degradations.imresize(np.full((8, 8), 0.3), 0.25), 0.3)
    # an x2 upscale of a linear ramp is linear away from the borders (bicubic is exact
    # on linear functions)
    ramp = np.tile(np.arange(16.0), (16, 1))
    up = degradations.imresize(ramp, 2)
    np.testing.assert_allclose(up[8, 6:26], (np.arange(6, 26) + 0.5) / 2 - 0.5, atol=1e-9)


@pytest.mark.parametrize("quality, paper", [(10, 27.82), (20, 30.12), (30, 31.48),
                                            (40, 32.43)])
def test_jpeg_reproduces_the_papers_classic5_numbers(testsets, quality, paper):
    values = []
    for path in sorted(glob.glob(os.path.join(testsets, "classic5", "*.png"))):
        image = read_image(path, 1)
        values.append(psnr(image, degradations.jpeg_compress(tf.constant(image), quality)))
    assert abs(np.mean(values) - paper) < 0.006


def test_jpeg_is_bit_exact_with_pillows_libjpeg():
    rng = np.random.default_rng(1)
    pixels = (rng.uniform(size=(40, 48)) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=20)
    expected = np.asarray(Image.open(buffer)) / 255.0
    ours = degradations.jpeg_compress(tf.constant(pixels[..., None] / 255.0, tf.float32), 20)
    np.testing.assert_allclose(ours.numpy()[..., 0], expected, atol=1e-6)
    # the quality as a tensor (drawn per training patch) encodes the same bytes
    drawn = degradations.jpeg_compress(tf.constant(pixels[..., None] / 255.0, tf.float32),
                                       tf.constant(20))
    np.testing.assert_allclose(drawn.numpy()[..., 0], expected, atol=1e-6)


def test_evaluation_noise_is_deterministic_per_file_name():
    image = np.full((64, 64, 1), 0.5, np.float32)
    a = degradations.add_noise_for_file(image, 25, "/x/01.png")
    b = degradations.add_noise_for_file(image, 25, "/elsewhere/01.png")
    c = degradations.add_noise_for_file(image, 25, "/x/02.png")
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert abs((a - image).std() * 255 - 25) < 1.0
    bright = degradations.add_noise_for_file(image + 0.45, 25, "/x/01.png")
    assert bright.max() > 1.0    # not clipped


def test_training_noise_statistics():
    noisy = degradations.add_noise(tf.zeros((64, 64, 64, 1)), 50).numpy()
    assert abs(noisy.std() * 255 - 50) < 0.5 and abs(noisy.mean()) < 1e-3


def test_colour_jpeg_is_the_4_2_0_file_pillow_and_cameras_write(testsets):
    """A colour image goes through libjpeg as cameras and the web write it: YCbCr with
    4:2:0 chroma subsampling (Pillow's default), the decoded pixels equal."""
    path = os.path.join(testsets, "Set5", "butterfly_GT.png")
    pixels = np.asarray(Image.open(path).convert("RGB"))
    ours = np.round(degradations.jpeg_compress(tf.constant(pixels / 255.0, tf.float32), 20).numpy()
                    * 255).astype(np.uint8)
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, "JPEG", quality=20)        # default: 4:2:0
    with Image.open(io.BytesIO(encoded.getvalue())) as pillow:
        assert pillow.layer[1][1:3] == (1, 1) and pillow.layer[0][1:3] == (2, 2)  # 4:2:0
        np.testing.assert_array_equal(ours, np.asarray(pillow.convert("RGB")))
