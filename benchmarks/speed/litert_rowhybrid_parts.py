"""Where a row-hybrid sparse conv spends its time in LiteRT/XNNPACK: each part of the form
as its own tiny .tflite, timed against a constant-filter 3x3 conv of the same MACs.

    python benchmarks/speed/litert_rowhybrid_parts.py [--size 256] [--channels 32]
"""

import argparse
import sys

import nsr_tf  # noqa: F401  (imports TensorFlow without its start-up chatter)

import numpy as np
import tensorflow as tf

from nsr_tf.export.litert import function_to_tflite, latency


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--channels", type=int, default=32)
    args = parser.parse_args(argv)
    h = w = args.size
    c = args.channels
    rows = (h + 2) * w
    kernel = tf.constant(np.random.default_rng(1).normal(size=(3, 3, c, c)).astype(np.float32))
    square = tf.constant(np.random.default_rng(2).normal(size=(1, 3 * c, 3 * c))
                         .astype(np.float32))
    parts = {
        "constant 3x3 conv (reference)": (lambda x: tf.nn.conv2d(x, kernel, 1, "SAME"),
                                          [(1, h, w, c)]),
        "pad + 3 column shifts + concat": (
            lambda x: tf.concat([tf.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))[:, :, j:j + w]
                                 for j in range(3)], -1), [(1, h, w, c)]),
        "BATCH_MATMUL, run-time (3c, 3c)": (lambda a, m: tf.matmul(a, m),
                                            [(1, rows, 3 * c), (1, 3 * c, 3 * c)]),
        "BATCH_MATMUL, constant (3c, 3c)": (lambda a: tf.matmul(a, square), [(1, rows, 3 * c)]),
        "3 row shifts + adds": (
            lambda z: z[:, 0:h, :, 0:c] + z[:, 1:h + 1, :, c:2 * c] + z[:, 2:h + 2, :, 2 * c:],
            [(1, h + 2, w, 3 * c)]),
        "one elementwise add (memory pass)": (lambda x: x + 1.0, [(1, h, w, c)]),
    }
    contents = {name: function_to_tflite(fn, shapes) for name, (fn, shapes) in parts.items()}
    print(f"{h}x{w}, {c} channels, LiteRT + XNNPACK, median of 20 invokes")
    for threads in (1, 2):
        reference = latency(contents["constant 3x3 conv (reference)"], threads)
        for name, content in contents.items():
            t = latency(content, threads)
            print(f"{threads} thread(s)  {name:36} {t * 1e3:7.3f} ms  {t / reference:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
