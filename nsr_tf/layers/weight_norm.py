"""Weight normalisation (Salimans & Kingma, 2016) built into conv layers.

Keras 3 has no weight normalisation and the tensorflow-addons wrapper is dead (it does not
import with TF 2.21), so it is written here natively: the effective kernel is
``g * v / ||v||``, with one norm and one gain per output channel (the norm runs over every
axis but the output-channel axes). The authors wrap every conv of the network in
``torch.nn.utils.weight_norm`` and then overwrite ``g`` with a constant (docs/design.md,
The network); ``weight_gain`` is that constant.
"""

import functools
import math

from nsr_tf.quiet import tf  # noqa: F401  (first: TensorFlow without its chatter)
import keras
from keras import ops


def weight_normalize(v, g, reduce_axes=(0, 1, 2), epsilon=1e-12):
    """``g * v / ||v||`` where the norm runs over ``reduce_axes`` of ``v``.

    ``g`` must broadcast against ``v`` once the reduced axes are dropped.
    """
    norm = ops.sqrt(ops.sum(ops.square(v), axis=reduce_axes) + epsilon)
    return v * (g / norm)


def kernel_fan_in_initializer(fan_in):
    """PyTorch's default conv/linear init (kaiming_uniform with a=sqrt(5)).

    U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Matching it matters even under weight
    normalisation: the size of ``v`` sets the effective step of Adam on its direction.
    """
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound)


@keras.saving.register_keras_serializable(package="nsr_tf")
class WeightNormConv2D(keras.layers.Layer):
    """A stride-1, 'same'-padded 2D convolution with built-in weight normalisation.

    Computes ``conv(x, g * v / ||v||) + b`` (norm per output channel). Used for the head,
    tail and skip convs of the networks (docs/design.md, The network).

    Args:
        filters: output channels.
        kernel_size: odd int, square kernel.
        use_bias: add a bias (initialised to zero).
        weight_norm: if False, a plain conv with the kernel ``v``.
        weight_gain: initial value of ``g`` (the authors use 1 for head/tail/skip).

    Input: (batch, height, width, in_channels). Output: (batch, height, width, filters).
    """

    def __init__(self, filters, kernel_size=3, use_bias=True, weight_norm=True,
                 weight_gain=1.0, **kwargs):
        # Mixed precision: the weight-normalised kernel is computed in float32 from the
        # float32 variables, then cast to the inputs' dtype for the conv.
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"filters must be a positive int, got {filters!r}")
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd int, got {kernel_size!r}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.use_bias = use_bias
        self.weight_norm = weight_norm
        self.weight_gain = float(weight_gain)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        kh = kw = self.kernel_size
        # autocast=False on the weights too: Keras honours the layer's flag only inside a
        # model of the same mixed policy (SparseConv2D.build).
        add_weight = functools.partial(self.add_weight, autocast=False)
        self.kernel = add_weight(
            name="kernel", shape=(kh, kw, in_channels, self.filters),
            initializer=kernel_fan_in_initializer(kh * kw * in_channels))
        if self.weight_norm:
            self.gain = add_weight(
                name="gain", shape=(self.filters,),
                initializer=keras.initializers.Constant(self.weight_gain))
        if self.use_bias:
            self.bias = add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    @property
    def effective_kernel(self):
        if not self.weight_norm:
            return self.kernel
        return weight_normalize(self.kernel, self.gain)

    def call(self, inputs):
        # autocast=False also leaves the inputs alone: cast them to the compute dtype.
        inputs = ops.cast(inputs, self.compute_dtype)
        outputs = ops.conv(inputs, ops.cast(self.effective_kernel, inputs.dtype), strides=1,
                           padding="same")
        if self.use_bias:
            outputs = outputs + ops.cast(self.bias, inputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size,
                      use_bias=self.use_bias, weight_norm=self.weight_norm,
                      weight_gain=self.weight_gain)
        return config
