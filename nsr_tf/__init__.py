"""nsr-tf: Neural Sparse Representation for Image Restoration (Fan et al., NeurIPS 2020)
in TensorFlow/Keras 3."""

from nsr_tf.flops import count_params, macs_per_pixel
from nsr_tf.layers import PixelShuffle, SparseConv2D, WeightNormConv2D
from nsr_tf.models import PRESETS, build_model

__version__ = "0.1.0"

__all__ = ["PRESETS", "PixelShuffle", "SparseConv2D", "WeightNormConv2D", "build_model",
           "count_params", "macs_per_pixel"]
