"""The sparse convolution of Fan et al. (NeurIPS 2020), paper eq. 10."""

import functools

from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)
import keras
from keras import ops

from nsr_tf.layers import conv_forms
from nsr_tf.layers.checks import positive_int
from nsr_tf.layers.weight_norm import kernel_fan_in_initializer, weight_normalize

GATES = ("softmax", "sigmoid", "gumbel", "none")
IMPLEMENTATIONS = ("auto",) + conv_forms.FORMS


@keras.saving.register_keras_serializable(package="nsr_tf")
class SparseConv2D(keras.layers.Layer):
    """Convolution with ``sparsity_groups`` kernels mixed per sample by a softmax gate.

    Paper eq. 10: the layer holds ``k = sparsity_groups`` kernel banks ``W^i``, each split
    along its output channels into ``d = cardinality`` cardinal groups ``W^{j,i}``. A side
    network (global average pool of this layer's own input over the sample, then one dense
    layer to ``k * d`` logits, reshaped to ``(k, d)``) gives gates ``gamma[b, i, j]``,
    normalised over the sparsity-group axis ``i``. Sample ``b`` is convolved with its own
    kernel ``concat_j(sum_i gamma[b, i, j] W^{j,i})`` and bias aggregated the same way, so
    the conv costs the FLOPs of one bank while holding ``k`` of them.

    Output channel ``o`` belongs to cardinal group ``o // (filters // cardinality)``.
    Every kernel bank is weight-normalised (``g * v / ||v||`` per output channel of each
    bank), as in the authors' code.

    Args:
        filters: output channels; must be divisible by ``cardinality``.
        kernel_size: odd int, square kernel; stride 1, 'same' padding.
        sparsity_groups: ``k``, the number of kernel banks.
        cardinality: ``d``, the number of independently gated output-channel groups.
        gate: "softmax" (the paper's choice), "sigmoid" (CondConv-like, no sparsity),
            "gumbel" (hard straight-through Gumbel-softmax in training, argmax at
            inference) or "none" (a plain dense conv; needs ``sparsity_groups=1``).
            Paper Table 1 compares them.
        temperature: ``tau``; logits are divided by it before the gate (Table 1: 1 best).
        implementation: how the per-sample conv is computed; all are numerically
            equivalent (see ``nsr_tf.layers.conv_forms``). "auto" picks per device and
            mode. It can be changed on a trained layer without touching the weights.
        use_bias: aggregate and add a per-bank bias.
        weight_norm: weight-normalise every kernel bank.
        weight_gain: initial value of the weight-norm gain ``g`` (the authors use 2.0 for
            the first conv of a residual block and ``1/sqrt(num_blocks)`` for the second).

    Input: (batch, height, width, in_channels) -> output (batch, height, width, filters).

    Example:
        >>> layer = SparseConv2D(64, sparsity_groups=4, cardinality=16)
        >>> y = layer(tf.random.normal((2, 32, 32, 64)))      # (2, 32, 32, 64)
        >>> layer.gates(tf.random.normal((2, 32, 32, 64)))    # (2, 4, 16), sums to 1 over axis 1

    Reference: Y. Fan, J. Yu, Y. Mei, Y. Zhang, Y. Fu, D. Liu, T. S. Huang, "Neural Sparse
    Representation for Image Restoration", NeurIPS 2020.
    """

    def __init__(self, filters, kernel_size=3, sparsity_groups=4, cardinality=16,
                 gate="softmax", temperature=1.0, implementation="auto", use_bias=True,
                 weight_norm=True, weight_gain=1.0, **kwargs):
        # Variables are not auto-cast under a mixed policy: the layer casts what it must
        # (the aggregated kernel and bias) itself, so the gates and sums stay float32.
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        positive_int("filters", filters)
        positive_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd ('same' padding), got {kernel_size}")
        positive_int("sparsity_groups", sparsity_groups)
        positive_int("cardinality", cardinality)
        if filters % cardinality:
            raise ValueError(f"filters={filters} is not divisible by "
                             f"cardinality={cardinality}")
        if gate not in GATES:
            raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
        if gate == "none" and sparsity_groups != 1:
            raise ValueError(f"gate='none' is a dense conv and needs sparsity_groups=1, "
                             f"got sparsity_groups={sparsity_groups}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(f"implementation must be one of {IMPLEMENTATIONS}, "
                             f"got {implementation!r}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.sparsity_groups = sparsity_groups
        self.cardinality = cardinality
        self.gate = gate
        self.temperature = float(temperature)
        self.implementation = implementation
        # The export of the native form sets this (nsr_tf.export.converter.implementation):
        # the gate's pool as a mean over (1, 2), which TFLite keeps as MEAN, XNNPACK's
        # global average pool, where the matmul with ones below becomes a SUM over the
        # reshaped input, 3x slower there (LiteRT, 1 thread, 256x256x32: 80 against 245
        # us; a dynamic-int8 3x3 conv of that shape 1.6 ms). Not a config: export only.
        self.pool_as_mean = False
        self.use_bias = use_bias
        self.weight_norm = weight_norm
        self.weight_gain = float(weight_gain)
        if gate == "gumbel":
            self.seed_generator = keras.random.SeedGenerator()

    # ----------------------------------------------------------------- weights
    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels is None:
            raise ValueError("SparseConv2D needs a known number of input channels")
        kh = kw = self.kernel_size
        k = self.sparsity_groups
        # autocast=False on every weight as well as on the layer: Keras honours the
        # layer's flag only inside a model of the same mixed policy. Called alone, or in
        # a float32 model (precision.with_policy's copies: only the blocks are mixed), the
        # layer would otherwise compute its gates and kernel sums in bfloat16 / float16.
        add_weight = functools.partial(self.add_weight, autocast=False)
        self.kernel = add_weight(
            name="kernel", shape=(kh, kw, in_channels, k, self.filters),
            initializer=kernel_fan_in_initializer(kh * kw * in_channels))
        if self.weight_norm:
            self.gain = add_weight(
                name="gain", shape=(k, self.filters),
                initializer=keras.initializers.Constant(self.weight_gain))
        if self.use_bias:
            self.bias = add_weight(name="bias", shape=(k, self.filters),
                                   initializer="zeros")
        if self.gate != "none":
            # The side network: one dense layer, no hidden layer (authors' code).
            self.gate_kernel = add_weight(
                name="gate_kernel", shape=(in_channels, k * self.cardinality),
                initializer=kernel_fan_in_initializer(in_channels))
            self.gate_bias = add_weight(
                name="gate_bias", shape=(k * self.cardinality,),
                initializer=kernel_fan_in_initializer(in_channels))

    @property
    def group_kernels(self):
        """Effective kernel banks, (kh, kw, in, sparsity_groups, filters)."""
        if not self.weight_norm:
            return ops.convert_to_tensor(self.kernel)
        return weight_normalize(self.kernel, self.gain)

    @property
    def group_biases(self):
        """Per-bank biases, (sparsity_groups, filters); zeros without a bias."""
        if not self.use_bias:
            return ops.zeros((self.sparsity_groups, self.filters), self.kernel.dtype)
        return ops.convert_to_tensor(self.bias)

    # ------------------------------------------------------------------- gates
    def gate_logits(self, inputs):
        """Side-network logits, (batch, sparsity_groups, cardinality)."""
        # Global average pool as a matmul with ones: measured 1.8x faster than
        # reduce_mean over (1, 2) on CPU (batch 100, 64x64x64: 1.7 vs 3.1 ms), and the
        # pool is a pass over the whole input that a dense conv does not pay.
        if self.pool_as_mean:
            pooled = ops.cast(ops.mean(inputs, axis=(1, 2)), self.gate_kernel.dtype)
        else:
            batch, height, width = (ops.shape(inputs)[i] for i in range(3))
            pixels = height * width
            flat = ops.reshape(inputs, (batch, pixels, inputs.shape[-1]))
            ones = ops.ones((batch, 1, pixels), inputs.dtype)
            # reshape, not [:, 0]: a shrinking STRIDED_SLICE is not taken by XNNPACK.
            pooled = ops.reshape(ops.matmul(ones, flat), (batch, inputs.shape[-1]))
            # The side network runs in float32 under mixed precision (the pool's sum may
            # be bfloat16, the gates and the kernels they mix are not).
            pooled = ops.cast(pooled, self.gate_kernel.dtype) / ops.cast(
                pixels, self.gate_kernel.dtype)
        logits = ops.matmul(pooled, self.gate_kernel) + self.gate_bias
        return ops.reshape(logits, (-1, self.sparsity_groups, self.cardinality))

    def _gates(self, inputs, training):
        if self.gate == "none":
            return ops.ones((ops.shape(inputs)[0], 1, self.cardinality), self.kernel.dtype)
        logits = self.gate_logits(inputs) / self.temperature
        if self.gate == "softmax":
            return ops.softmax(logits, axis=1)
        if self.gate == "sigmoid":
            return ops.sigmoid(logits)
        # gumbel: hard one-hot selection; straight-through gradient in training.
        if training:
            uniform = keras.random.uniform(ops.shape(logits), minval=1e-9, maxval=1.0,
                                           seed=self.seed_generator)
            soft = ops.softmax(logits - ops.log(-ops.log(uniform)), axis=1)
            hard = ops.one_hot(ops.argmax(soft, axis=1), self.sparsity_groups, axis=1)
            return hard + soft - ops.stop_gradient(soft)
        return ops.one_hot(ops.argmax(logits, axis=1), self.sparsity_groups, axis=1)

    def gates(self, inputs):
        """The gates at inference, (batch, sparsity_groups, cardinality)."""
        inputs = ops.convert_to_tensor(inputs, self.compute_dtype)
        if not self.built:
            self(inputs)
        return self._gates(inputs, False)

    def channel_gates(self, gates):
        """Expand (batch, k, d) gates to one per output channel, (batch, k, filters)."""
        # A broadcast multiply, not ops.repeat: TFLite's TILE is not taken by XNNPACK.
        per_group = ops.ones((1, 1, 1, self.filters // self.cardinality), gates.dtype)
        return ops.reshape(gates[..., None] * per_group,
                           (-1, self.sparsity_groups, self.filters))

    # ------------------------------------------------------------------ forward
    def resolved_implementation(self, training=False):
        """The form "auto" stands for on this machine and in this mode."""
        if self.implementation != "auto":
            return self.implementation
        # Measured (docs/design.md, Runtimes): on CPU the per-sample conv over the batch is
        # the fastest for training and inference; on GPU the grouped conv with the batch
        # folded into channels runs as one kernel and has a gradient there.
        if tf.config.list_logical_devices("GPU"):
            return "grouped"
        return "per_sample"

    def call(self, inputs, training=None):
        # autocast=False also leaves the inputs alone: cast them to the compute dtype.
        inputs = ops.cast(inputs, self.compute_dtype)
        if self.gate == "none":
            kernel = ops.reshape(self.group_kernels, (*self.kernel.shape[:3], self.filters))
            outputs = ops.conv(inputs, self._compute(kernel, inputs), strides=1,
                               padding="same")
            return outputs + self._compute(self.group_biases[0], inputs) if self.use_bias \
                else outputs
        gates = self._gates(inputs, training)
        form = self.resolved_implementation(training)
        if form == "mixture":
            return conv_forms.mixture(inputs, self._compute(self.channel_gates(gates), inputs),
                                      self._compute(self.group_kernels, inputs),
                                      self._compute(self.group_biases, inputs))
        kernels, biases = self.aggregate(gates)
        return conv_forms.PER_SAMPLE_FORMS[form](inputs, self._compute(kernels, inputs),
                                                 self._compute(biases, inputs))

    @staticmethod
    def _compute(tensor, inputs):
        """The aggregated kernel or bias in the inputs' dtype (mixed precision: the
        weights, gates and their sums stay float32; only the conv runs in bfloat16 or
        float16)."""
        return tensor if tensor.dtype == inputs.dtype else ops.cast(tensor, inputs.dtype)

    def aggregate(self, gates):
        """Eq. 10: per-sample kernels (batch, kh, kw, in, filters) and biases
        (batch, filters), the gate-weighted sums of the banks per cardinal group."""
        k, d = self.sparsity_groups, self.cardinality
        per_group = self.filters // d
        kh, kw, in_channels = self.kernel.shape[:3]
        taps = kh * kw * in_channels
        # One matmul batched over the d cardinal groups, (d, batch, k) @ (d, k, taps*m):
        # measured 2.2x faster than an einsum over per-channel gates (batch 100, 64->64,
        # k=4, d=16), which matters for thin layers (docs/benchmarks.md).
        gates = ops.transpose(gates, (2, 0, 1))
        banks = ops.reshape(self.group_kernels, (taps, k, d, per_group))
        banks = ops.reshape(ops.transpose(banks, (2, 1, 0, 3)), (d, k, taps * per_group))
        kernels = ops.reshape(ops.matmul(gates, banks), (d, -1, taps, per_group))
        kernels = ops.reshape(ops.transpose(kernels, (1, 2, 0, 3)),
                              (-1, kh, kw, in_channels, self.filters))
        biases = ops.transpose(ops.reshape(self.group_biases, (k, d, per_group)), (1, 0, 2))
        biases = ops.transpose(ops.matmul(gates, biases), (1, 0, 2))
        return kernels, ops.reshape(biases, (-1, self.filters))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size,
                      sparsity_groups=self.sparsity_groups, cardinality=self.cardinality,
                      gate=self.gate, temperature=self.temperature,
                      implementation=self.implementation, use_bias=self.use_bias,
                      weight_norm=self.weight_norm, weight_gain=self.weight_gain)
        return config


def set_implementation(model, implementation):
    """Switches every SparseConv2D of ``model`` to ``implementation``; weights untouched.

    Returns the number of layers switched. Call before tracing (a ``tf.function`` or
    ``model.predict`` traced earlier keeps the form it was traced with).
    """
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"implementation must be one of {IMPLEMENTATIONS}, "
                         f"got {implementation!r}")
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, SparseConv2D)]
    for layer in layers:
        layer.implementation = implementation
    return len(layers)
