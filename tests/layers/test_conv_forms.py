"""The row-hybrid form in bands of rows (large tiles) equals one plain conv per sample."""

import numpy as np
import pytest
import tensorflow as tf

from nsr_tf.layers import conv_forms


@pytest.mark.parametrize("band_pixels, height, width, kernel_size", [
    (60, 40, 10, 3),    # bands of 6 rows: 7 bands, a two-level concatenation tree
    (50, 23, 10, 5),    # a last band of 3 rows, a 5x5 kernel (2 halo rows per side)
    (8192, 5, 4, 3),    # below the threshold: one piece
])
def test_banded_rowhybrid_equals_a_conv_per_sample(monkeypatch, band_pixels, height, width,
                                                   kernel_size):
    monkeypatch.setattr(conv_forms, "BAND_PIXELS", band_pixels)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(2, height, width, 3)).astype("float32"))
    kernels = tf.constant(rng.normal(size=(2, kernel_size, kernel_size, 3, 5))
                          .astype("float32"))
    biases = tf.constant(rng.normal(size=(2, 5)).astype("float32"))
    expected = conv_forms.per_sample(x, kernels, biases).numpy()
    got = tf.function(conv_forms.rowhybrid)(x, kernels, biases).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)


def test_large_static_tiles_are_banded():
    x = tf.zeros((1, 256, 256, 2))
    graph = tf.function(conv_forms.rowhybrid).get_concrete_function(
        x, tf.zeros((1, 3, 3, 2, 2)), tf.zeros((1, 2))).graph
    matmuls = [op for op in graph.get_operations() if op.type.startswith("BatchMatMul")]
    assert len(matmuls) == 256 // (conv_forms.BAND_PIXELS // 256)
