"""Mixed precision: the policy chosen per machine, and model copies that compute in it
while the gates, kernel sums and the output stay float32."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from nsr_tf import build_model, precision
from nsr_tf.layers import SparseConv2D, WeightNormConv2D, sparse_conv, weight_norm
from nsr_tf.layers.weight_norm import weight_normalize


@pytest.mark.parametrize("flags, gpus, expected", [
    ({"avx512f", "amx_bf16", "amx_tile"}, [], "mixed_bfloat16"),
    ({"avx512f", "avx512_bf16"}, [], "mixed_bfloat16"),
    ({"avx2", "fma"}, [], "float32"),
    ({"avx2"}, [(8, 0)], "mixed_float16"),
    ({"avx512_bf16"}, [(6, 1)], "float32"),        # a GPU without tensor cores
])
def test_auto_picks_by_hardware_and_says_why(flags, gpus, expected):
    policy, reason = precision.choose("auto", flags=flags, gpus=gpus)
    assert policy == expected and reason


def test_an_explicit_choice_is_kept_and_warns_where_slow():
    policy, reason = precision.choose("mixed_bfloat16", flags={"avx2"}, gpus=[])
    assert policy == "mixed_bfloat16" and "slow" in reason
    assert precision.choose("float32", flags={"amx_bf16"}, gpus=[])[0] == "float32"
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.choose("int4")


@pytest.mark.parametrize("policy, tolerance", [("mixed_bfloat16", 0.02),
                                               ("mixed_float16", 0.002)])
def test_a_mixed_copy_computes_the_blocks_in_low_precision(policy, tolerance):
    model = build_model("denoise", "sparse+", num_blocks=2)
    copy = precision.with_policy(model, policy)
    assert precision.policy_of(copy) == policy and precision.policy_of(model) == "float32"
    for layer in copy.layers:
        mixed = isinstance(layer, SparseConv2D) or layer.name.endswith("relu")
        assert layer.compute_dtype == (policy.split("_")[1] if mixed else "float32"), \
            layer.name
        assert all(v.dtype == "float32" for v in layer.weights)
    tiles = np.random.default_rng(0).uniform(size=(2, 32, 32, 1)).astype(np.float32)
    expected, got = model(tiles).numpy(), copy(tiles)
    assert got.dtype == tf.float32
    difference = np.abs(got.numpy() - expected).max()
    assert 0 < difference < tolerance          # low precision, but close
    back = precision.with_policy(copy, "float32")
    np.testing.assert_array_equal(back(tiles).numpy(), expected)


def test_gates_and_kernel_sums_stay_float32_under_bfloat16():
    x = tf.random.stateless_uniform((2, 16, 16, 8), (1, 2))
    exact = SparseConv2D(8, sparsity_groups=4, cardinality=2)
    mixed = SparseConv2D(8, sparsity_groups=4, cardinality=2, dtype="mixed_bfloat16")
    exact.build(x.shape)
    mixed.build(x.shape)
    mixed.set_weights(exact.get_weights())
    gates = mixed.gates(x)
    assert gates.dtype == tf.float32
    # only the pooled sum is bfloat16: the gates agree to bfloat16's resolution
    np.testing.assert_allclose(gates.numpy(), exact.gates(x).numpy(), atol=1e-2)
    kernels, biases = mixed.aggregate(exact.gates(x))
    assert kernels.dtype == tf.float32 and biases.dtype == tf.float32
    out = mixed(x)
    assert out.dtype == tf.bfloat16
    np.testing.assert_allclose(out.numpy().astype(np.float32), exact(x).numpy(), atol=0.05)


def test_a_mixed_layer_called_alone_keeps_its_gates_float32():
    # Keras honours a layer's autocast=False only inside a model of the same mixed
    # policy; the layers' weights opt out themselves, so alone or in a model the layer
    # computes the same thing.
    x = tf.random.stateless_uniform((2, 16, 16, 8), (3, 4))
    layer = SparseConv2D(8, sparsity_groups=4, cardinality=2, dtype="mixed_bfloat16")
    inputs = keras.Input((16, 16, 8))
    in_model = keras.Model(inputs, layer(inputs))
    seen = []
    aggregate = layer.aggregate
    layer.aggregate = lambda gates: seen.append(gates.dtype) or aggregate(gates)
    alone = layer(x).numpy()
    assert seen == [tf.float32]
    np.testing.assert_array_equal(alone, in_model(x).numpy())


def test_a_mixed_copy_sums_kernels_and_normalises_in_float32(monkeypatch):
    # precision.with_policy's copies are float32 models with mixed blocks: before the
    # weights opted out of autocasting, their gates, weight normalisation and kernel sums
    # ran in bfloat16 there (Keras autocasts a mixed layer's weights in a float32 model).
    seen = []

    def spy(kernel, gain):
        seen.append(tf.as_dtype(kernel.dtype))
        return weight_normalize(kernel, gain)

    monkeypatch.setattr(weight_norm, "weight_normalize", spy)
    monkeypatch.setattr(sparse_conv, "weight_normalize", spy)
    copy = precision.with_policy(build_model("denoise", "sparse+", num_blocks=1),
                                 "mixed_bfloat16")
    seen.clear()
    copy(tf.random.stateless_uniform((2, 16, 16, 1), (5, 6)))
    assert len(seen) == 4 and set(seen) == {tf.float32}    # head, 2 sparse convs, tail
    layer = WeightNormConv2D(8, dtype="mixed_bfloat16")
    seen.clear()
    layer(tf.random.stateless_uniform((2, 16, 16, 8), (7, 8)))
    assert seen == [tf.float32]
