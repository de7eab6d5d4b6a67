"""nsr-tf: Neural Sparse Representation for Image Restoration (Fan et al., NeurIPS 2020)
in TensorFlow/Keras 3.

``import nsr_tf`` is light: TensorFlow is imported on first use of what needs it (the
layers, the models, FLOPs counting), quietly (``nsr_tf.quiet``)."""

from nsr_tf.lazy import exports

__version__ = "0.1.0"

_EXPORTS = {"count_params": "nsr_tf.flops", "macs_per_pixel": "nsr_tf.flops",
            "PixelShuffle": "nsr_tf.layers", "SparseConv2D": "nsr_tf.layers",
            "WeightNormConv2D": "nsr_tf.layers", "PRESETS": "nsr_tf.models",
            "build_model": "nsr_tf.models"}
__getattr__ = exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
