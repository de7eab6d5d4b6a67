"""Numerically equivalent ways to compute a per-sample convolution.

Each sample ``b`` of a batch is convolved (stride 1, 'same' zero padding, odd square
kernel) with its own kernel ``kernels[b]`` of shape (kh, kw, in, out) and gets its own
bias ``biases[b]``. TensorFlow has no batched-filter conv op, and which emulation is fast
depends on the runtime (measured, docs/design.md, Runtimes), hence several forms:

- ``per_sample``: one plain conv per sample (unrolled for a static batch, ``tf.map_fn``
  otherwise). Fastest measured for CPU training and inference in TF.
- ``grouped``: the batch folded into channels, one grouped conv. One kernel launch on GPU;
  on CPU its gradient is not implemented ("Gradients for grouped convolutions are not
  supported on CPU"), so use it forward-only there.
- ``im2col``: the kh*kw shifted copies concatenated along channels, then one batched
  matmul against (kh*kw*in, out). Builtin TFLite ops only.
- ``rowhybrid``: the kw horizontally shifted copies concatenated along channels, one
  batched matmul against (kw*in, kh*out) and kh row-shifted adds. Builtin TFLite ops only;
  the fastest form measured on LiteRT/XNNPACK (docs/design.md, Runtimes).
- ``mixture``: not a per-sample conv at all: a static conv to ``k * out`` channels with all
  kernel banks, then the gate-weighted sum of the ``k`` outputs. Exact for a linear conv;
  static weights only (GPU delegates), ``k`` times the FLOPs.

These are hand-written because no library offers a per-sample-filter conv for TF/TFLite.
"""

from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)


# Above this many samples per_sample loops with tf.map_fn instead of unrolling.
MAX_UNROLLED_BATCH = 256


def per_sample(inputs, kernels, biases):
    batch = inputs.shape[0]
    if batch == 1:  # one conv; no split/unstack ops (LiteRT's XNNPACK takes neither)
        kernel = tf.reshape(kernels, kernels.shape[1:])   # reshape: no STRIDED_SLICE
        return tf.nn.bias_add(tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME"),
                              tf.reshape(biases, biases.shape[1:]))
    if batch is not None and batch <= MAX_UNROLLED_BATCH:
        # A static batch is unrolled into one conv per sample. Measured (batch 100,
        # 64x64x64, docs/benchmarks.md): tf.map_fn's while loop and TensorArray copies
        # cost 17% over a dense conv of the same FLOPs (44% for a 16-channel output);
        # unrolled, 6% (10%). Each conv + bias_add pair is fused by grappler. split and
        # unstack, not indexing: the gradient of B strided slices is B zero-padded
        # full-size tensors summed, O(B^2) memory traffic; split's gradient is a concat.
        samples = tf.split(inputs, batch, axis=0)
        return tf.concat([tf.nn.bias_add(tf.nn.conv2d(sample, kernel, strides=1,
                                                      padding="SAME"), bias)
                          for sample, kernel, bias in zip(samples, tf.unstack(kernels),
                                                          tf.unstack(biases))], axis=0)

    def conv_one(args):
        sample, kernel, bias = args
        return tf.nn.bias_add(tf.nn.conv2d(sample[None], kernel, strides=1, padding="SAME"),
                              bias)[0]

    return tf.map_fn(conv_one, (inputs, kernels, biases),
                     fn_output_signature=tf.TensorSpec(None, inputs.dtype))


def grouped(inputs, kernels, biases):
    shape = tf.shape(inputs)
    batch, height, width = shape[0], shape[1], shape[2]
    in_channels = inputs.shape[-1]
    kh, kw, _, out_channels = kernels.shape[1:]
    folded = tf.reshape(tf.transpose(inputs, (1, 2, 0, 3)),
                        (1, height, width, batch * in_channels))
    # (kh, kw, in, batch * out): group b of the output reads input channels of sample b.
    filters = tf.reshape(tf.transpose(kernels, (1, 2, 3, 0, 4)),
                         (kh, kw, in_channels, batch * out_channels))
    outputs = tf.nn.conv2d(folded, filters, strides=1, padding="SAME")
    outputs = tf.transpose(tf.reshape(outputs, (height, width, batch, out_channels)),
                           (2, 0, 1, 3))
    return outputs + biases[:, None, None, :]


def _pad_same(inputs, kh, kw):
    return tf.pad(inputs, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))


def im2col(inputs, kernels, biases):
    shape = tf.shape(inputs)
    batch, height, width = shape[0], shape[1], shape[2]
    kh, kw, in_channels, out_channels = kernels.shape[1:]
    padded = _pad_same(inputs, kh, kw)
    # Column order (row, col, channel) matches the kernel's (kh, kw, in) flattening.
    columns = tf.concat([padded[:, r:r + height, c:c + width, :]
                         for r in range(kh) for c in range(kw)], axis=-1)
    columns = tf.reshape(columns, (batch, height * width, kh * kw * in_channels))
    matrix = tf.reshape(kernels, (batch, kh * kw * in_channels, out_channels))
    outputs = tf.reshape(tf.matmul(columns, matrix), (batch, height, width, out_channels))
    return outputs + biases[:, None, None, :]


def rowhybrid_matrix(kernels):
    """(batch, kh, kw, in, out) -> (batch, kw*in, kh*out); column block r is kernel row r."""
    kh, kw, in_channels, out_channels = kernels.shape[-4:]
    matrix = tf.transpose(kernels, (0, 2, 3, 1, 4))
    return tf.reshape(matrix, (-1, kw * in_channels, kh * out_channels))


# A tile larger than this many pixels is done in bands of output rows, so that each band's
# (kh * out)-wide matmul result stays in cache: on LiteRT/XNNPACK a 32-channel layer on a
# 256x256 tile costs 2.6x a constant conv in one piece, 1.7x in bands of 32 rows (8,192
# pixels); no gain at 64x64 (benchmarks/speed/litert_layer_forms.py, docs/litert_latency.md).
BAND_PIXELS = 8192


def rowhybrid(inputs, kernels, biases, band_pixels=None):
    """``band_pixels``: band size in pixels for static shapes (default ``BAND_PIXELS``)."""
    band_pixels = band_pixels or BAND_PIXELS
    height, width = inputs.shape[1], inputs.shape[2]
    kh, kw = kernels.shape[1:3]
    padded = _pad_same(inputs, kh, kw)
    matrix = rowhybrid_matrix(kernels)
    if height is None or width is None or height * width <= band_pixels:
        return _rowhybrid_rows(padded, matrix, biases, kh, kw)
    band = max(1, band_pixels // width)
    return concat_tree([_rowhybrid_rows(padded[:, top:min(top + band, height) + kh - 1],
                                         matrix, biases, kh, kw)
                         for top in range(0, height, band)], axis=1)


def _rowhybrid_rows(padded, matrix, biases, kh, kw):
    """Output rows of the 'same' conv whose padded input rows (kh - 1 extra) and padded
    columns are ``padded``."""
    batch, padded_height, padded_width = _dims(padded)[:3]
    width = padded_width - (kw - 1)
    height = padded_height - (kh - 1)
    in_channels = padded.shape[-1]
    out_channels = matrix.shape[-1] // kh
    # (batch, padded_height, width, kw * in): the kw horizontal shifts side by side.
    columns = tf.concat([padded[:, :, c:c + width, :] for c in range(kw)], axis=-1)
    columns = tf.reshape(columns, (batch, padded_height * width, kw * in_channels))
    rows = tf.matmul(columns, matrix)
    rows = tf.reshape(rows, (batch, padded_height, width, kh * out_channels))
    # Output row y sums kernel row r applied to padded row y + r.
    outputs = biases[:, None, None, :]
    for r in range(kh):
        outputs = outputs + rows[:, r:r + height, :, r * out_channels:(r + 1) * out_channels]
    return outputs


def _dims(tensor):
    """Static sizes where known (clean export graphs), run-time sizes otherwise."""
    dynamic = tf.shape(tensor)
    return [size if size is not None else dynamic[i] for i, size in enumerate(tensor.shape)]


def concat_tree(parts, axis, fan_in=4):
    """Concatenation in ops of at most ``fan_in`` inputs: XNNPACK takes 2 to 5."""
    while len(parts) > 1:
        parts = [tf.concat(parts[i:i + fan_in], axis) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), fan_in)]
    return parts[0]


def mixture(inputs, channel_gates, group_kernels, group_biases):
    """Static conv with every bank, then the gate-weighted sum of the bank outputs.

    ``channel_gates``: (batch, k, out); ``group_kernels``: (kh, kw, in, k, out);
    ``group_biases``: (k, out).
    """
    kh, kw, in_channels, groups, out_channels = group_kernels.shape
    kernel = tf.reshape(group_kernels, (kh, kw, in_channels, groups * out_channels))
    outputs = tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME")
    outputs = outputs + tf.reshape(group_biases, (groups * out_channels,))
    shape = tf.shape(outputs)
    # Tensors of rank 4 at most: LiteRT's GPU delegate refuses rank 5 (measured: "RESHAPE:
    # Tensor dimensions must be less than 5" for the former 5-D reshape and einsum).
    outputs = tf.reshape(outputs, (shape[0], shape[1] * shape[2], groups, out_channels))
    gates = tf.reshape(channel_gates, (-1, 1, groups, out_channels))
    mixed = tf.reduce_sum(outputs * gates, axis=2)
    return tf.reshape(mixed, (shape[0], shape[1], shape[2], out_channels))


PER_SAMPLE_FORMS = {
    "per_sample": per_sample,
    "grouped": grouped,
    "im2col": im2col,
    "rowhybrid": rowhybrid,
}
FORMS = (*PER_SAMPLE_FORMS, "mixture")
