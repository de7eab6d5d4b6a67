"""Paper Fig. 5 protocol: one sparse conv layer vs a dense conv, forward time on CPU.

One layer, batch 100, 64x64 patches, 64 input channels, 3x3 kernels, forward pass,
inside a ``tf.function`` (the real inference path). Dense and sparse runs are interleaved
round by round and the median per configuration is reported, so machine noise hits both
sides of each ratio alike. Also a training step (forward + backward, batch 16, 64x64)
for a sparse layer vs a dense layer of the same FLOPs, and for the denoising networks.

  same size:  SparseConv2D(64 -> 64/k, k banks): the parameters of the dense 64 -> 64
              layer at 1/k of its FLOPs (the block's inner width shrinks, as in Sparse-)
  same FLOPs: SparseConv2D(64 -> 64, k banks): k times the parameters of the dense layer

Paper (PyTorch, 4-core i5): same size k=2/4/8 0.60/0.39/0.29; same FLOPs k=2..16 ~1.08.

    python benchmarks/speed/layer_speed.py [--rounds 7] [--forms per_sample,grouped] [--out docs/...]
"""

import argparse
import os
import statistics
import sys
import time

import nsr_tf  # noqa: F401  (imports TensorFlow without its start-up chatter)

import numpy as np
import tensorflow as tf
import keras

from nsr_tf.layers import SparseConv2D, WeightNormConv2D
from nsr_tf.models import build_model

tf.get_logger().setLevel("ERROR")  # one retracing warning per layer is expected here


def dense_layer(filters):
    return WeightNormConv2D(filters, 3)


def sparse_layer(filters, groups, form):
    return SparseConv2D(filters, 3, sparsity_groups=groups, cardinality=min(16, filters),
                        implementation=form)


def forward_fn(layer, x):
    layer(x)
    fn = tf.function(lambda t: layer(t, training=False))
    fn(x)  # trace
    return lambda: fn(x).numpy()


def train_step_fn(layer, x):
    """One training step of ``layer`` (a layer or a model): forward, backward (to the
    weights and to the input, as inside a network), Adam update, L1 loss."""
    layer(x)
    target = tf.zeros_like(layer(x))
    optimizer = keras.optimizers.Adam(1e-4)
    optimizer.build(layer.trainable_variables)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_mean(tf.abs(layer(x, training=True) - target))
        grads = tape.gradient(loss, [x, *layer.trainable_variables])
        optimizer.apply_gradients(zip(grads[1:], layer.trainable_variables))
        return loss + tf.reduce_sum(grads[0][0, 0, 0])

    step()
    return lambda: step().numpy()


def interleaved_medians(fns, rounds, repeats):
    """Median seconds per call of each fn, timed round-robin.

    Each timing follows one untimed call of the same fn: the previous configuration may
    have left the allocator and caches cold (the mixture form allocates k times the
    output), which would otherwise be charged to whatever runs next.
    """
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()
            start = time.perf_counter()
            for _ in range(repeats):
                fn()
            times[name].append((time.perf_counter() - start) / repeats)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--forms", default="per_sample,grouped",
                        help="SparseConv2D implementations to time (comma separated)")
    parser.add_argument("--train-batch", type=int, default=16)
    args = parser.parse_args(argv)
    forms = args.forms.split(",")
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(args.batch, 64, 64, 64)).astype("float32"))

    print(f"TF {tf.__version__}, {os.cpu_count()} CPUs, batch {args.batch}, 64x64x64, "
          f"3x3, forward, median of {args.rounds} interleaved rounds")
    fns = {("dense", 64): forward_fn(dense_layer(64), x)}
    for k in (2, 4, 8):
        fns[("dense", 64 // k)] = forward_fn(dense_layer(64 // k), x)
    for form in forms:
        for k in (2, 4, 8):
            fns[(form, "size", k)] = forward_fn(sparse_layer(64 // k, k, form), x)
        for k in (2, 4, 8, 16):
            fns[(form, "flops", k)] = forward_fn(sparse_layer(64, k, form), x)
    t = interleaved_medians(fns, args.rounds, repeats=1)
    dense = t[("dense", 64)]
    print(f"dense 64->64: {dense * 1e3:.1f} ms")
    print(f"{'form':12} {'':10} " + " ".join(f"{'k=' + str(k):>7}" for k in (2, 4, 8, 16)))
    for form in forms:
        size = " ".join(f"{t[(form, 'size', k)] / dense:7.2f}" for k in (2, 4, 8))
        flops = " ".join(f"{t[(form, 'flops', k)] / dense:7.2f}" for k in (2, 4, 8, 16))
        print(f"{form:12} {'same size':10} {size}")
        print(f"{form:12} {'same FLOPs':10} {flops}")
    print(f"{'dense 64->64/k':23} " + " ".join(
        f"{t[('dense', 64 // k)] / dense:7.2f}" for k in (2, 4, 8)) + "   (lower bound)")
    print("paper (PyTorch)  same size   0.60    0.39    0.29")
    print("paper (PyTorch)  same FLOPs  1.08    1.08    1.06    1.06")

    xt = tf.constant(rng.normal(size=(args.train_batch, 64, 64, 64)).astype("float32"))
    train = {"dense": train_step_fn(dense_layer(64), xt)}
    for form in [f for f in forms if f != "grouped"]:  # grouped: no CPU gradient
        train[form] = train_step_fn(sparse_layer(64, 4, form), xt)
    t = interleaved_medians(train, args.rounds, repeats=3)
    print(f"\ntraining step (fwd + bwd to weights and input + Adam), batch "
          f"{args.train_batch}, 64x64x64, sparse k=4 d=16 vs dense of the same FLOPs "
          f"({t['dense'] * 1e3:.1f} ms):")
    for form in train:
        if form != "dense":
            print(f"  {form:12} {t[form] / t['dense']:.2f}x")

    # The networks: denoise Sparse+ vs its same-FLOPs dense baseline (Table 5).
    patches = tf.constant(rng.uniform(size=(args.train_batch, 64, 64, 1)).astype("float32"))
    models = {variant: train_step_fn(build_model("denoise", variant), patches)
              for variant in ("baseline", "sparse+", "sparse-")}
    t = interleaved_medians(models, args.rounds, repeats=1)
    print(f"\nnetwork training step, batch {args.train_batch}, 64x64 gray patches, "
          f"denoise baseline {t['baseline'] * 1e3:.0f} ms: Sparse+ (same FLOPs) "
          f"{t['sparse+'] / t['baseline']:.2f}x, Sparse- (same size) "
          f"{t['sparse-'] / t['baseline']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
