"""MACs per pixel and parameter counts of the networks (paper Tables 2-6 "FLOPs").

The paper's "FLOPs (M)" are multiply-accumulates per output pixel (per LR pixel for SR):
the denoising baseline's 0.59 M is exactly its conv MACs. A sparse conv also pays a
per-sample overhead, amortised here over a ``patch_size`` x ``patch_size`` patch (the
training patch, or one inference tile): the global pooling (one add per input value),
the side network (a dense layer in -> k*d, plus the gate normalisation) and the kernel
aggregation of eq. 10 (k MACs per kernel and bias entry).
Bias adds, ReLUs, residual adds, mean shift and pixel shuffle are not counted (as in the
paper). All convs of the networks here run at the input resolution.
"""

from nsr_tf.quiet import tf  # noqa: F401  (first: TensorFlow without its chatter)
import keras
import numpy as np

from nsr_tf.layers import SparseConv2D, WeightNormConv2D


def _conv_macs(kernel_size, in_channels, out_channels):
    return kernel_size * kernel_size * in_channels * out_channels


def layer_macs_per_pixel(layer, in_channels, patch_size=64):
    """MACs per (input-resolution) pixel of one layer; 0 for layers without MACs."""
    if isinstance(layer, SparseConv2D):
        macs = _conv_macs(layer.kernel_size, in_channels, layer.filters)
        if layer.gate == "none":
            return macs
        k, d = layer.sparsity_groups, layer.cardinality
        per_sample = (in_channels * k * d + k * d  # side network and gate
                      + k * (macs + layer.filters))  # eq. 10 kernel + bias aggregation
        return macs + in_channels + per_sample / (patch_size * patch_size)
    if isinstance(layer, WeightNormConv2D):
        return _conv_macs(layer.kernel_size, in_channels, layer.filters)
    if isinstance(layer, keras.layers.Conv2D):
        if layer.strides != (1, 1) or layer.dilation_rate != (1, 1):
            raise ValueError(f"layer {layer.name}: only stride-1 convs are counted")
        kh, kw = layer.kernel_size
        return kh * kw * in_channels * layer.filters // layer.groups
    return 0


def macs_per_pixel(model, patch_size=64):
    """MACs per output pixel of ``model`` (per LR pixel for SR), per-sample overhead of
    the sparse convs amortised over ``patch_size`` x ``patch_size``."""
    total = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer) or not layer.weights:
            continue
        total += layer_macs_per_pixel(layer, layer.input.shape[-1], patch_size)
    return total


def count_params(model):
    """Number of trainable parameters (weights, biases, weight-norm gains, side nets)."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))
