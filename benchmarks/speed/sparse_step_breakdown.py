"""Where the Sparse+ training step loses to the dense baseline's, part by part.

The denoise presets' training step (batch 16 of 64x64, L1 + Adam, as precision_speed.py
times it) for the dense baseline, Sparse+, and Sparse+ with one part of the sparse layer
taken out or changed. The changed models are cost probes, not the method (most of them
compute something else): what a part costs is the step time it saves when it is gone.

- ``no pool``: the gates are computed from zeros instead of the pooled input (the pool,
  its gradient and the sum of that gradient into the input's are gone);
- ``no aggregation``: every sample gets bank 0 (the gate-weighted kernel sum and its
  gradient are gone; the per-sample convs stay);
- ``one conv``: one batch conv with sample 0's kernel instead of one conv per sample;
- ``ReLU in the conv``: the block's ReLU applied per sample right after conv1 (each conv,
  bias and ReLU fuse into one oneDNN op) instead of after the concatenation: exact, the
  same function.

Models are traced once, then timed round by round (one step of each per round) and the
median and the median of per-round ratios to the baseline are printed, with the CPU.

    python benchmarks/speed/sparse_step_breakdown.py [--precision mixed_bfloat16] [--rounds 25]
"""

import argparse
import contextlib
import statistics
import sys
import time
from unittest import mock

import nsr_tf  # noqa: F401  (imports TensorFlow without its start-up chatter)

import keras
import tensorflow as tf

from nsr_tf import build_model, precision
from nsr_tf.layers import SparseConv2D, conv_forms


def zero_pool_logits(layer, inputs):
    pooled = tf.zeros((tf.shape(inputs)[0], inputs.shape[-1]), layer.gate_kernel.dtype)
    logits = tf.matmul(pooled, layer.gate_kernel) + layer.gate_bias
    return tf.reshape(logits, (-1, layer.sparsity_groups, layer.cardinality))


def bank_zero(layer, gates):
    batch = tf.shape(gates)[0]
    kernel = layer.group_kernels[:, :, :, 0, :] + 0 * tf.reduce_sum(gates)   # keep gates
    return (tf.broadcast_to(kernel[None], (batch, *kernel.shape)),
            tf.broadcast_to(layer.group_biases[0][None], (batch, layer.filters)))


def one_conv(inputs, kernels, biases):
    return tf.nn.bias_add(tf.nn.conv2d(inputs, kernels[0], 1, "SAME"), biases[0])


def per_sample_relu(inputs, kernels, biases):
    samples = tf.split(inputs, inputs.shape[0], axis=0)
    return tf.concat([tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(sample, kernel, 1, "SAME"),
                                                bias))
                      for sample, kernel, bias in zip(samples, tf.unstack(kernels),
                                                      tf.unstack(biases))], axis=0)


def relu_in_conv():
    """ReLU layers become identities; conv1 of every block applies it per sample."""
    call = SparseConv2D.call

    def conv1_with_relu(layer, inputs, training=None):
        form = per_sample_relu if layer.name.endswith("conv1") else conv_forms.per_sample
        with mock.patch.dict(conv_forms.PER_SAMPLE_FORMS, per_sample=form):
            return call(layer, inputs, training)

    stack = contextlib.ExitStack()
    stack.enter_context(mock.patch.object(SparseConv2D, "call", conv1_with_relu))
    stack.enter_context(mock.patch.object(keras.layers.ReLU, "call", lambda layer, x: x))
    return stack


PROBES = {
    "no pool": lambda: mock.patch.object(SparseConv2D, "gate_logits", zero_pool_logits),
    "no aggregation": lambda: mock.patch.object(SparseConv2D, "aggregate", bank_zero),
    "one conv": lambda: mock.patch.dict(conv_forms.PER_SAMPLE_FORMS, per_sample=one_conv),
    "ReLU in the conv": relu_in_conv,
}


def traced_step(variant, policy, probe=None):
    """A traced training step; ``probe`` (a PROBES key) is in place while it traces."""
    model = precision.with_policy(build_model("denoise", variant, channels=1), policy)
    optimizer = keras.optimizers.Adam(1e-3)
    noisy = tf.random.stateless_uniform((16, 64, 64, 1), (0, 1))
    clean = tf.random.stateless_uniform((16, 64, 64, 1), (0, 2))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(tf.cast(model(noisy, training=True), tf.float32)
                                         - clean))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    with PROBES[probe]() if probe else contextlib.nullcontext():
        step.get_concrete_function()
    for _ in range(2):
        float(step())
    return step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precision", default="mixed_bfloat16",
                        choices=("float32", "mixed_bfloat16", "mixed_float16"))
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args(argv)
    steps = {"baseline": traced_step("baseline", args.precision),
             "Sparse+": traced_step("sparse+", args.precision)}
    for probe in PROBES:
        steps[f"Sparse+, {probe}"] = traced_step("sparse+", args.precision, probe)
    times = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            float(step())
            times[name].append((time.perf_counter() - start) * 1e3)
    print(f"CPU: {precision.cpu_name()}; {args.precision}; batch 16 of 64x64, "
          f"{args.rounds} interleaved rounds")
    print("command: python benchmarks/speed/sparse_step_breakdown.py "
          + " ".join(argv or sys.argv[1:]))
    print("\n| model | ms/step (median) | / baseline | saved against Sparse+ |")
    print("|---|---|---|---|")
    sparse = statistics.median(times["Sparse+"])
    for name, values in times.items():
        ratio = statistics.median(t / b for t, b in zip(values, times["baseline"]))
        saved = sparse - statistics.median(values)
        print(f"| {name} | {statistics.median(values):.0f} | {ratio:.3f} | "
              + (f"{saved:.0f} ms |" if name.startswith("Sparse+,") else "|"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
