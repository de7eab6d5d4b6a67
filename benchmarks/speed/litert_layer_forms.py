"""Alternative forms of a run-time-filter 3x3 conv in LiteRT/XNNPACK, one layer, against a
constant-filter conv: the row-hybrid (the export default) whole and in bands of rows,
nine per-tap matmuls, three per-row matmuls, shifts done by depthwise convs, and the
bare matmuls (what the shifts and adds around them cost).

    python benchmarks/speed/litert_layer_forms.py [--channels 32] [--sizes 64 256]
        [--bands 8 16 32] [--threads 1]

Results: docs/benchmarks.md (LiteRT section).
"""

import argparse
import sys

import nsr_tf  # noqa: F401  (imports TensorFlow without its start-up chatter)

import numpy as np
import tensorflow as tf

from nsr_tf.export.litert import (function_to_tflite, interpreter, latency,
                                  undelegated_ops)
from nsr_tf.layers import conv_forms


def forms(size, c, bands=()):
    kernel = tf.constant(np.random.default_rng(1).normal(size=(3, 3, c, c)).astype(np.float32))

    def pad(x):
        return tf.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))

    def nine_taps(x, m):
        p, out = pad(x), None
        for t in range(9):
            r, col = divmod(t, 3)
            y = tf.matmul(tf.reshape(p[:, r:r + size, col:col + size], (1, size * size, c)),
                          m[:, t * c:(t + 1) * c])
            out = y if out is None else out + y
        return tf.reshape(out, (1, size, size, c))

    def row_matmuls(x, m):
        cols, out = tf.concat([pad(x)[:, :, j:j + size] for j in range(3)], -1), None
        for r in range(3):
            y = tf.matmul(tf.reshape(cols[:, r:r + size], (1, size * size, 3 * c)),
                          m[:, :, r * c:(r + 1) * c])
            out = y if out is None else out + y
        return tf.reshape(out, (1, size, size, c))

    # The shifts done by static depthwise convs (one memory pass each) instead of
    # pad + slices + concat: a 1x3 depthwise conv with channel multiplier 3 puts the three
    # horizontal shifts side by side (channel order (c, j): the run-time matrix's rows are
    # permuted to match), a 3x1 "selector" depthwise conv row-shifts tap row r's block.
    shift_h = np.zeros((1, 3, c, 3), np.float32)
    for j in range(3):
        shift_h[0, j, :, j] = 1.0
    select_v = np.zeros((3, 1, 3 * c, 1), np.float32)
    for r in range(3):
        select_v[r, 0, r * c:(r + 1) * c, 0] = 1.0
    shift_h, select_v = tf.constant(shift_h), tf.constant(select_v)

    def dw_slices(x, m):
        p = tf.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0)))
        cols = tf.nn.depthwise_conv2d(p, shift_h, (1, 1, 1, 1), "SAME")
        z = tf.reshape(tf.matmul(tf.reshape(cols, (1, (size + 2) * size, 3 * c)), m),
                       (1, size + 2, size, 3 * c))
        return z[:, 0:size, :, :c] + z[:, 1:size + 1, :, c:2 * c] + z[:, 2:size + 2, :, 2 * c:]

    def dw_sum(x, m):
        cols = tf.nn.depthwise_conv2d(x, shift_h, (1, 1, 1, 1), "SAME")
        z = tf.reshape(tf.matmul(tf.reshape(cols, (1, size * size, 3 * c)), m),
                       (1, size, size, 3 * c))
        z = tf.nn.depthwise_conv2d(z, select_v, (1, 1, 1, 1), "SAME")
        return tf.reduce_sum(tf.reshape(z, (1, size, size, 3, c)), 3)

    def dw_dw_slices(x, m):
        cols = tf.nn.depthwise_conv2d(x, shift_h, (1, 1, 1, 1), "SAME")
        z = tf.reshape(tf.matmul(tf.reshape(cols, (1, size * size, 3 * c)), m),
                       (1, size, size, 3 * c))
        z = tf.nn.depthwise_conv2d(z, select_v, (1, 1, 1, 1), "SAME")
        return z[..., :c] + z[..., c:2 * c] + z[..., 2 * c:]

    # The library's row-hybrid (the exported path: inputs, per-sample kernels, biases),
    # in one piece and in bands of output rows.
    library_shapes = [(1, size, size, c), (1, 3, 3, c, c), (1, c)]
    result = {"constant conv": (lambda x: tf.nn.conv2d(x, kernel, 1, "SAME"),
                                [(1, size, size, c)]),
              "rowhybrid": (lambda x, k, b: conv_forms.rowhybrid(x, k, b, size * size),
                            library_shapes)}
    for band in bands:
        if band < size:
            result[f"rowhybrid, bands of {band}"] = (
                lambda x, k, b, band=band: conv_forms.rowhybrid(x, k, b, band * size),
                library_shapes)
    # The matmuls alone, without the shifts and adds around them: what the memory passes
    # cost is the difference to the forms above.
    im2col_weights = tf.constant(np.random.default_rng(2).normal(size=(9 * c, c))
                                 .astype(np.float32))
    result.update({
        "matmul alone (rowhybrid's)": (lambda a, m: tf.matmul(a, m),
                                       [(1, (size + 2) * size, 3 * c), (1, 3 * c, 3 * c)]),
        "matmul alone, 9C x C const": (lambda a: tf.matmul(a, im2col_weights),
                                       [(1, size * size, 9 * c)]),
        "depthwise shift + slices": (dw_slices, [(1, size, size, c), (1, 3 * c, 3 * c)]),
        "depthwise shift + select + sum": (dw_sum, [(1, size, size, c), (1, 3 * c, 3 * c)]),
        "depthwise shift + select + slices": (dw_dw_slices,
                                              [(1, size, size, c), (1, 3 * c, 3 * c)]),
            "nine per-tap matmuls": (nine_taps, [(1, size, size, c), (1, 9 * c, c)]),
            "three per-row matmuls": (row_matmuls, [(1, size, size, c), (1, 3 * c, 3 * c)])})
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--bands", type=int, nargs="*", default=[8, 16, 32],
                        help="band heights (output rows) of the banded row-hybrid")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    for size in args.sizes:
        contents = {name: function_to_tflite(fn, shapes)
                    for name, (fn, shapes) in forms(size, args.channels, args.bands).items()}
        reference = latency(contents["constant conv"], args.threads, runs=50) * 1e3
        for name, content in contents.items():
            t = latency(content, args.threads, runs=50) * 1e3
            left, _ = undelegated_ops(interpreter(content))
            print(f"{size}x{size} {name:28} {t:8.3f} ms  {t / reference:5.2f}x"
                  f"  not delegated: {left or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
