"""Layers: the sparse convolution (paper eq. 10), weight-normalised conv, pixel shuffle."""

from nsr_tf.layers.pixel_shuffle import PixelShuffle
from nsr_tf.layers.sparse_conv import GATES, IMPLEMENTATIONS, SparseConv2D, set_implementation
from nsr_tf.layers.weight_norm import WeightNormConv2D, weight_normalize

__all__ = ["GATES", "IMPLEMENTATIONS", "PixelShuffle", "SparseConv2D", "WeightNormConv2D",
           "set_implementation", "weight_normalize"]
