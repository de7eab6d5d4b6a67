"""Layers: the sparse convolution (paper eq. 10), weight-normalised conv, pixel shuffle,
channel slice."""

from nsr_tf.layers.channel_slice import ChannelSlice
from nsr_tf.layers.pixel_shuffle import PixelShuffle
from nsr_tf.layers.sparse_conv import GATES, IMPLEMENTATIONS, SparseConv2D, set_implementation
from nsr_tf.layers.weight_norm import WeightNormConv2D, weight_normalize

__all__ = ["GATES", "IMPLEMENTATIONS", "ChannelSlice", "PixelShuffle", "SparseConv2D", "WeightNormConv2D",
           "set_implementation", "weight_normalize"]
