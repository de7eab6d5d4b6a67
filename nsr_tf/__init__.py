"""nsr-tf: Neural Sparse Representation for Image Restoration (Fan et al., NeurIPS 2020)
in TensorFlow/Keras 3."""

import warnings

from nsr_tf.quiet import import_tensorflow

# TensorFlow's C++ start-up chatter (oneDNN notices, absl lines) drowns the tools'
# one-line messages: imported once here, before Keras, with the chatter filtered out.
import_tensorflow()

# A reloaded .keras model records its input as a list and warns on every call with a
# plain tensor; the call is correct.
warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match")

from nsr_tf.flops import count_params, macs_per_pixel  # noqa: E402
from nsr_tf.layers import PixelShuffle, SparseConv2D, WeightNormConv2D
from nsr_tf.models import PRESETS, build_model

__version__ = "0.1.0"

__all__ = ["PRESETS", "PixelShuffle", "SparseConv2D", "WeightNormConv2D", "build_model",
           "count_params", "macs_per_pixel"]
