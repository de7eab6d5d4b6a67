"""SparseConv2D against an independent numpy reference of paper eq. 10."""

import numpy as np
import pytest
import tensorflow as tf
import keras

from nsr_tf.layers import SparseConv2D
from nsr_tf.layers.conv_forms import FORMS


# ------------------------------------------------------------ numpy reference
def np_conv_same(x, kernel):
    """Plain cross-correlation, zero 'same' padding. x (H, W, C), kernel (kh, kw, C, O)."""
    kh, kw = kernel.shape[:2]
    h, w = x.shape[:2]
    padded = np.pad(x, ((kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros((h, w, kernel.shape[-1]))
    for r in range(kh):
        for c in range(kw):
            out += padded[r:r + h, c:c + w, :] @ kernel[r, c]
    return out


def np_sparse_conv(layer, x):
    """Eq. 10 from the layer's raw weights, written independently of the layer's code."""
    v = layer.kernel.numpy().astype(np.float64)           # (kh, kw, in, k, out)
    k, d, out = layer.sparsity_groups, layer.cardinality, layer.filters
    if layer.weight_norm:
        norm = np.sqrt((v ** 2).sum(axis=(0, 1, 2)))       # (k, out)
        banks = v * layer.gain.numpy() / norm
    else:
        banks = v
    bias = layer.bias.numpy() if layer.use_bias else np.zeros((k, out))
    result = []
    for sample in x.astype(np.float64):
        if layer.gate == "none":
            gamma = np.ones((1, d))
        else:
            logits = sample.mean(axis=(0, 1)) @ layer.gate_kernel.numpy() \
                + layer.gate_bias.numpy()
            logits = logits.reshape(k, d) / layer.temperature
            if layer.gate == "softmax":
                e = np.exp(logits - logits.max(axis=0))
                gamma = e / e.sum(axis=0)
            elif layer.gate == "sigmoid":
                gamma = 1 / (1 + np.exp(-logits))
            else:  # gumbel at inference: argmax over the groups
                gamma = (logits == logits.max(axis=0)).astype(float)
        per_group = out // d
        kernel = np.zeros(banks.shape[:3] + (out,))
        b = np.zeros(out)
        for j in range(d):                       # cardinal group j
            cols = slice(j * per_group, (j + 1) * per_group)
            for i in range(k):                   # sparsity group i
                kernel[..., cols] += gamma[i, j] * banks[:, :, :, i, cols]
                b[cols] += gamma[i, j] * bias[i, cols]
        result.append(np_conv_same(sample, kernel) + b)
    return np.stack(result)


def randomise(layer, seed=0):
    """Non-trivial weights: random gains and biases, larger gate weights (sharp gates)."""
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        if w.name in ("gain", "bias", "gate_bias", "gate_kernel"):
            scale = 3.0 if w.name.startswith("gate") else 0.5
            w.assign(rng.normal(size=w.shape).astype("float32") * scale + (w.name == "gain"))


def make_layer(x, seed=0, **kwargs):
    layer = SparseConv2D(**kwargs)
    layer(x)
    randomise(layer, seed)
    return layer


CASES = [
    dict(filters=8, sparsity_groups=2, cardinality=1, gate="softmax"),
    dict(filters=8, sparsity_groups=4, cardinality=4, gate="softmax", temperature=0.5),
    dict(filters=12, sparsity_groups=3, cardinality=6, gate="softmax", kernel_size=5),
    dict(filters=8, sparsity_groups=4, cardinality=8, gate="sigmoid"),
    dict(filters=8, sparsity_groups=3, cardinality=2, gate="gumbel"),
    dict(filters=8, sparsity_groups=1, cardinality=1, gate="none"),
    dict(filters=6, sparsity_groups=2, cardinality=3, gate="softmax", weight_norm=False),
    dict(filters=6, sparsity_groups=2, cardinality=3, gate="softmax", use_bias=False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
@pytest.mark.parametrize("implementation", ["auto", *FORMS])
def test_matches_numpy_reference_of_eq10(case, implementation):
    x = np.random.default_rng(1).normal(size=(3, 9, 11, 5)).astype("float32")
    layer = make_layer(x, implementation=implementation, **case)
    expected = np_sparse_conv(layer, x)
    np.testing.assert_allclose(layer(x).numpy(), expected, atol=2e-5, rtol=1e-4)


def test_gates_shape_normalisation_and_dependence_on_input():
    x = np.random.default_rng(2).normal(size=(4, 8, 8, 6)).astype("float32")
    layer = make_layer(x, filters=8, sparsity_groups=4, cardinality=2)
    gates = layer.gates(x).numpy()
    assert gates.shape == (4, 4, 2)
    np.testing.assert_allclose(gates.sum(axis=1), 1.0, rtol=1e-6)
    assert np.abs(gates[0] - gates[1]).max() > 1e-3  # per-sample, from the input


def test_gate_pools_over_the_whole_sample():
    x = np.random.default_rng(3).normal(size=(1, 8, 8, 4)).astype("float32")
    layer = make_layer(x, filters=4, sparsity_groups=2, cardinality=2)
    permuted = x[:, ::-1, ::-1, :].copy()   # same mean, different content
    np.testing.assert_allclose(layer.gates(x), layer.gates(permuted), rtol=1e-5)


def test_group_kernels_are_weight_normalised_per_output_channel_of_each_group():
    x = np.zeros((1, 4, 4, 3), "float32")
    layer = make_layer(x, filters=4, sparsity_groups=2, cardinality=2)
    kernels = layer.group_kernels.numpy()
    assert kernels.shape == (3, 3, 3, 2, 4)
    assert layer.group_biases.shape == (2, 4)
    norms = np.sqrt((kernels ** 2).sum(axis=(0, 1, 2)))
    np.testing.assert_allclose(norms, np.abs(layer.gain.numpy()), rtol=1e-5)


def test_init_follows_the_authors():
    layer = SparseConv2D(16, sparsity_groups=2, cardinality=4, weight_gain=2.0)
    layer(np.zeros((1, 4, 4, 8), "float32"))
    np.testing.assert_array_equal(layer.gain.numpy(), 2.0)
    np.testing.assert_array_equal(layer.bias.numpy(), 0.0)
    bound = 1 / np.sqrt(3 * 3 * 8)  # PyTorch's default conv init, fan_in = kh*kw*in
    assert np.abs(layer.kernel.numpy()).max() <= bound


def _gradients(layer, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * tf.cos(tf.range(y.shape[-1], dtype=y.dtype)))
    return tape.gradient(loss, [x, *layer.trainable_weights])


@pytest.mark.parametrize("gate", ["softmax", "sigmoid"])
def test_implementations_agree_on_gradients(gate):
    x = np.random.default_rng(4).normal(size=(2, 7, 6, 4)).astype("float32")
    layer = make_layer(x, filters=6, sparsity_groups=3, cardinality=3, gate=gate)
    names = ["input"] + [w.name for w in layer.trainable_weights]
    layer.implementation = "per_sample"
    reference = _gradients(layer, x)
    # grouped has no gradient on CPU (TF limitation); every other form is checked.
    for form in ("im2col", "rowhybrid", "mixture"):
        layer.implementation = form
        for name, got, want in zip(names, _gradients(layer, x), reference):
            np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4,
                                       err_msg=f"{form}: gradient of {name}")


def test_gradients_reach_kernels_and_side_network():
    x = np.random.default_rng(5).normal(size=(2, 6, 6, 4)).astype("float32")
    layer = make_layer(x, filters=4, sparsity_groups=2, cardinality=2)
    grads = dict(zip([w.name for w in layer.trainable_weights], _gradients(layer, x)[1:]))
    for name in ("kernel", "gain", "bias", "gate_kernel", "gate_bias"):
        assert float(tf.reduce_max(tf.abs(grads[name]))) > 0, name
    before = [w.numpy().copy() for w in layer.trainable_weights]
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.apply(_gradients(layer, x)[1:], layer.trainable_weights)
    for w, old in zip(layer.trainable_weights, before):
        assert not np.allclose(w.numpy(), old), f"{w.name} unchanged by a training step"


def test_gumbel_is_hard_in_training_with_a_straight_through_gradient():
    x = np.random.default_rng(6).normal(size=(8, 5, 5, 4)).astype("float32")
    layer = make_layer(x, filters=4, sparsity_groups=3, cardinality=2, gate="gumbel")
    gates = layer._gates(tf.constant(x), training=True).numpy()
    np.testing.assert_allclose(np.sort(gates, axis=1)[:, -1], 1.0, atol=1e-6)
    np.testing.assert_allclose(gates.sum(axis=1), 1.0, atol=1e-6)
    grads = dict(zip([w.name for w in layer.trainable_weights], _gradients(layer, x)[1:]))
    assert float(tf.reduce_max(tf.abs(grads["gate_kernel"]))) > 0


def test_temperature_sharpens_the_gates():
    x = np.random.default_rng(7).normal(size=(4, 6, 6, 4)).astype("float32")
    sharp = make_layer(x, filters=4, sparsity_groups=4, cardinality=1, temperature=0.1)
    smooth = SparseConv2D.from_config({**sharp.get_config(), "temperature": 10.0})
    smooth(x)
    smooth.set_weights(sharp.get_weights())
    assert sharp.gates(x).numpy().max(axis=1).mean() > smooth.gates(x).numpy().max(axis=1).mean()


def test_config_round_trip():
    layer = SparseConv2D(16, kernel_size=5, sparsity_groups=3, cardinality=8, gate="sigmoid",
                         temperature=2.0, implementation="rowhybrid", use_bias=False,
                         weight_norm=False, weight_gain=0.25, name="sc")
    clone = SparseConv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, SparseConv2D) and restored.get_config() == layer.get_config()


def test_keras_file_round_trip_gives_identical_outputs(tmp_path):
    x = np.random.default_rng(8).normal(size=(2, 8, 8, 3)).astype("float32")
    inputs = keras.Input((None, None, 3))
    outputs = SparseConv2D(6, sparsity_groups=2, cardinality=3, gate="gumbel")(
        keras.layers.ReLU()(SparseConv2D(4, sparsity_groups=4, cardinality=2)(inputs)))
    model = keras.Model(inputs, outputs)
    for layer in model.layers:
        if isinstance(layer, SparseConv2D):
            randomise(layer)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_symbolic_call_shape_and_dtype():
    y = SparseConv2D(12, sparsity_groups=2, cardinality=4)(keras.Input((None, 9, 5)))
    assert tuple(y.shape) == (None, None, 9, 12) and y.dtype == "float32"


@pytest.mark.parametrize("kwargs, message", [
    (dict(filters=10, cardinality=4), "filters=10 is not divisible by cardinality=4"),
    (dict(filters=8, gate="relu"), "gate must be one of"),
    (dict(filters=8, gate="none", sparsity_groups=2), "needs sparsity_groups=1"),
    (dict(filters=8, kernel_size=4), "kernel_size must be odd"),
    (dict(filters=0), "filters must be a positive int, got 0"),
    (dict(filters=8, sparsity_groups=0), "sparsity_groups must be a positive int, got 0"),
    (dict(filters=8, temperature=0), "temperature must be > 0"),
    (dict(filters=8, implementation="fast"), "implementation must be one of"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        SparseConv2D(**{"cardinality": 1, **kwargs})


@pytest.mark.parametrize("form", ["per_sample", "im2col", "rowhybrid", "mixture"])
def test_dynamic_batch_matches_static_batch(form):
    # A static batch unrolls per_sample; an unknown batch loops with map_fn.
    x = np.random.default_rng(9).normal(size=(3, 6, 7, 4)).astype("float32")
    layer = make_layer(x, filters=6, sparsity_groups=2, cardinality=3, implementation=form)
    dynamic = tf.function(lambda t: layer(t),
                          input_signature=[tf.TensorSpec((None, None, None, 4))])
    np.testing.assert_allclose(dynamic(x).numpy(), np_sparse_conv(layer, x), atol=2e-5,
                               rtol=1e-4)


def test_auto_picks_the_per_sample_form_on_cpu():
    layer = SparseConv2D(4, cardinality=2)
    assert layer.resolved_implementation(training=True) == "per_sample"
    assert layer.resolved_implementation(training=False) == "per_sample"
