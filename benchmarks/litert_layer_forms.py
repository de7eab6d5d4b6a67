"""Alternative matmul forms of a run-time-filter 3x3 conv in LiteRT/XNNPACK, one layer,
against a constant-filter conv: row-hybrid (the export default), nine per-tap matmuls,
three per-row matmuls.

    python benchmarks/litert_layer_forms.py [--channels 32] [--sizes 64 256]
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from nsr_tf.export.litert import function_to_tflite, latency  # noqa: E402


def forms(size, c):
    kernel = tf.constant(np.random.default_rng(1).normal(size=(3, 3, c, c)).astype(np.float32))

    def pad(x):
        return tf.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))

    def rowhybrid(x, m):
        cols = tf.concat([pad(x)[:, :, j:j + size] for j in range(3)], -1)
        z = tf.reshape(tf.matmul(tf.reshape(cols, (1, (size + 2) * size, 3 * c)), m),
                       (1, size + 2, size, 3 * c))
        return z[:, 0:size, :, :c] + z[:, 1:size + 1, :, c:2 * c] + z[:, 2:size + 2, :, 2 * c:]

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

    return {"constant conv": (lambda x: tf.nn.conv2d(x, kernel, 1, "SAME"),
                              [(1, size, size, c)]),
            "rowhybrid": (rowhybrid, [(1, size, size, c), (1, 3 * c, 3 * c)]),
            "nine per-tap matmuls": (nine_taps, [(1, size, size, c), (1, 9 * c, c)]),
            "three per-row matmuls": (row_matmuls, [(1, size, size, c), (1, 3 * c, 3 * c)])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    args = parser.parse_args(argv)
    for size in args.sizes:
        contents = {name: function_to_tflite(fn, shapes)
                    for name, (fn, shapes) in forms(size, args.channels).items()}
        reference = latency(contents["constant conv"]) * 1e3
        for name, content in contents.items():
            t = latency(content) * 1e3
            print(f"{size}x{size} {name:24} {t:8.3f} ms  {t / reference:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
