"""MACs counting against hand-computed values."""

import keras
import pytest

from nsr_tf import count_params, macs_per_pixel
from nsr_tf.layers import SparseConv2D, WeightNormConv2D


def one_layer_model(layer, channels):
    inputs = keras.Input((None, None, channels))
    return keras.Model(inputs, layer(inputs))


def test_sparse_conv_counts_conv_plus_amortised_per_sample_overhead():
    model = one_layer_model(SparseConv2D(16, sparsity_groups=4, cardinality=8), 8)
    conv = 3 * 3 * 8 * 16
    pooling = 8
    side = 8 * 32 + 32
    aggregation = 4 * (conv + 16)
    assert macs_per_pixel(model, patch_size=32) == pytest.approx(
        conv + pooling + (side + aggregation) / 32 ** 2)
    # the overhead vanishes as the patch grows
    assert macs_per_pixel(model, patch_size=4096) == pytest.approx(conv + pooling, rel=1e-4)


def test_dense_convs_count_only_their_macs():
    assert macs_per_pixel(one_layer_model(WeightNormConv2D(7, 5), 3)) == 5 * 5 * 3 * 7
    assert macs_per_pixel(one_layer_model(SparseConv2D(4, 3, 1, 1, "none"), 2)) == 72
    assert macs_per_pixel(one_layer_model(keras.layers.Conv2D(6, 3, padding="same"), 4)) == 216


def test_count_params_counts_every_trainable_weight():
    model = one_layer_model(SparseConv2D(16, sparsity_groups=4, cardinality=8), 8)
    kernel, gain, bias = 3 * 3 * 8 * 4 * 16, 4 * 16, 4 * 16
    side = 8 * 32 + 32
    assert count_params(model) == kernel + gain + bias + side
