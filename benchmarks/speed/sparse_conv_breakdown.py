"""Where a sparse conv's time goes on CPU, part by part, against the dense conv.

Batch 100, 64x64x64 input, 3x3, k=4, d=16 (the Fig. 5 layer). Each part runs alone in a
``tf.function``; parts are interleaved round by round and the median is printed, in ms
and relative to the dense conv of the same FLOPs. Compares the naive formulations with
the ones the layer uses (docs/benchmarks.md).

    python benchmarks/speed/sparse_conv_breakdown.py [--rounds 7]
"""

import argparse
import statistics
import sys
import time

import nsr_tf  # noqa: F401  (imports TensorFlow without its start-up chatter)

import numpy as np
import tensorflow as tf

from nsr_tf.layers import SparseConv2D, WeightNormConv2D, conv_forms

tf.get_logger().setLevel("ERROR")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    batch, k, d = 100, 4, 16
    x = tf.constant(rng.normal(size=(batch, 64, 64, 64)).astype("float32"))
    dense64 = WeightNormConv2D(64)
    dense16 = WeightNormConv2D(16)
    sparse64 = SparseConv2D(64, sparsity_groups=k, cardinality=d, implementation="per_sample")
    sparse16 = SparseConv2D(16, sparsity_groups=k, cardinality=d, implementation="per_sample")
    for layer in (dense64, dense16, sparse64, sparse16):
        layer(x)
    gates = sparse64.gates(x)
    kernels, biases = sparse64.aggregate(gates)
    kernels16, biases16 = sparse16.aggregate(sparse16.gates(x))

    def map_fn_conv(kernels, biases):
        return tf.map_fn(
            lambda a: tf.nn.conv2d(a[0][None], a[1], 1, "SAME")[0] + a[2],
            (x, kernels, biases), fn_output_signature=tf.TensorSpec(None, tf.float32))

    def einsum_aggregate():
        channel = sparse64.channel_gates(gates)
        return tf.einsum("bko,hwcko->bhwco", channel, sparse64.group_kernels)

    parts = {
        "dense conv 64->64": lambda: dense64(x),
        "dense conv 64->16": lambda: dense16(x),
        "sparse layer 64->64 (total)": lambda: sparse64(x),
        "sparse layer 64->16 (total)": lambda: sparse16(x),
        "pool: reduce_mean": lambda: tf.reduce_mean(x, (1, 2)),
        "pool: matmul with ones (used)": lambda: sparse64.gate_logits(x),
        "aggregate: einsum, channel gates": einsum_aggregate,
        "aggregate: matmul over d (used)": lambda: sparse64.aggregate(gates)[0],
        "per-sample conv 64->64: map_fn": lambda: map_fn_conv(kernels, biases),
        "per-sample conv 64->64: unrolled (used)":
            lambda: conv_forms.per_sample(x, kernels, biases),
        "per-sample conv 64->16: map_fn": lambda: map_fn_conv(kernels16, biases16),
        "per-sample conv 64->16: unrolled (used)":
            lambda: conv_forms.per_sample(x, kernels16, biases16),
    }
    parts = {name: tf.function(fn) for name, fn in parts.items()}
    times = {name: [] for name in parts}
    for fn in parts.values():
        fn()
    for _ in range(args.rounds):
        for name, fn in parts.items():
            fn()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    dense = statistics.median(times["dense conv 64->64"])
    print(f"batch {batch}, 64x64x64, 3x3, k={k}, d={d}; median of {args.rounds} rounds")
    for name, t in times.items():
        t = statistics.median(t)
        print(f"{name:42} {t * 1e3:7.1f} ms  {t / dense:5.2f}x dense 64->64")
    return 0


if __name__ == "__main__":
    sys.exit(main())
