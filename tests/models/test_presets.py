"""The paper's presets: sizes, FLOPs (Table 5), architecture, save/load."""

import math

import numpy as np
import pytest
import keras

from nsr_tf import build_model, count_params, macs_per_pixel
from nsr_tf.layers import SparseConv2D, WeightNormConv2D


@pytest.fixture(scope="module")
def denoise_models():
    return {v: build_model("denoise", v) for v in ("baseline", "sparse-", "sparse+")}


@pytest.mark.parametrize("variant, paper_macs", [
    ("baseline", 0.59e6), ("sparse-", 0.30e6), ("sparse+", 0.60e6)])
def test_denoise_presets_reproduce_table5_flops(denoise_models, variant, paper_macs):
    macs = macs_per_pixel(denoise_models[variant], patch_size=64)
    assert abs(macs / paper_macs - 1) <= 0.02, (variant, macs)


def test_sparse_minus_has_the_baseline_size_and_sparse_plus_twice(denoise_models):
    baseline = count_params(denoise_models["baseline"])
    assert abs(count_params(denoise_models["sparse-"]) / baseline - 1) <= 0.01
    assert abs(count_params(denoise_models["sparse+"]) / baseline - 2) <= 0.03


def test_baseline_macs_are_exactly_its_convs(denoise_models):
    # head 1->32, 16 blocks of 32->64->32, tail 32->1, all 3x3
    expected = 9 * (32 + 16 * (32 * 64 * 2) + 32)
    assert macs_per_pixel(denoise_models["baseline"]) == expected


@pytest.mark.parametrize("scale, authors_count", [(2, 4_877_812), (3, 4_887_637),
                                                  (4, 4_901_392)])
def test_sr_sparse_plus_matches_the_authors_released_parameter_counts(scale, authors_count):
    # The authors' README lists these counts for EDSR+NSR (16 blocks, C=64, k=4, d=16):
    # the same count means the same weights (weight-norm gains per bank, side networks,
    # the 5x5 skip) as their network.
    assert count_params(build_model("sr", "sparse+", scale=scale)) == authors_count


def test_sr_sparse_minus_has_edsr_l_size_at_a_quarter_of_its_flops():
    edsr_l, sparse = build_model("sr", "edsr-l"), build_model("sr", "sparse-")
    assert abs(count_params(sparse) / count_params(edsr_l) - 1) < 0.02
    assert abs(macs_per_pixel(sparse) / macs_per_pixel(edsr_l) - 0.25) < 0.01
    assert abs(macs_per_pixel(sparse) / 9.5e6 - 1) < 0.02   # Table 4: 9.5 M


def test_sr_compact_has_edsr_s_size_at_a_quarter_of_its_flops_and_a_dense_twin():
    edsr_s = build_model("sr", "edsr-s", scale=2)
    compact, twin = build_model("sr", "compact", scale=2), build_model("sr", "compact-dense",
                                                                       scale=2)
    # the same FLOPs as its twin (within the gates' side networks), a quarter of EDSR(S)'s
    assert abs(macs_per_pixel(compact, 48) / macs_per_pixel(twin, 48) - 1) < 0.01
    assert abs(macs_per_pixel(compact, 48) / macs_per_pixel(edsr_s, 48) - 0.25) < 0.01
    # k=4 kernel banks: EDSR(S)'s parameter count within 6%
    assert abs(count_params(compact) / count_params(edsr_s) - 1) < 0.06


def test_ablation_preset_is_the_tables_1_to_3_network():
    model = build_model("sr", "ablation")
    convs = [l for l in model.layers if isinstance(l, SparseConv2D)]
    assert len(convs) == 32
    assert {(l.sparsity_groups, l.cardinality) for l in convs} == {(4, 16)}
    assert convs[0].filters == 128 and convs[1].filters == 32
    assert abs(macs_per_pixel(model) / 1.2e6 - 1) < 0.02   # Table 3, 16 blocks: 1.2 M


@pytest.mark.parametrize("task, channels, scale, shape", [
    ("denoise", 1, None, (2, 17, 23, 1)),
    ("jpeg", 3, None, (2, 17, 23, 3)),
    ("sr", 3, 3, (2, 51, 69, 3)),
    ("sr", 1, 4, (2, 68, 92, 1)),
])
def test_output_shapes(task, channels, scale, shape):
    model = build_model(task, "sparse+", channels=channels, scale=scale, num_blocks=2)
    x = np.random.default_rng(0).uniform(size=(2, 17, 23, channels)).astype("float32")
    assert model(x).shape == shape


def test_architecture_and_init_follow_the_authors():
    model = build_model("sr", "sparse+", scale=2, num_blocks=4)
    layers = {l.name: l for l in model.layers}
    assert isinstance(layers["skip"], WeightNormConv2D) and layers["skip"].kernel_size == 5
    np.testing.assert_array_equal(layers["head"].gain.numpy(), 1.0)
    np.testing.assert_array_equal(layers["tail"].gain.numpy(), 1.0)
    np.testing.assert_array_equal(layers["block0_conv1"].gain.numpy(), 2.0)
    np.testing.assert_allclose(layers["block3_conv2"].gain.numpy(), 1 / math.sqrt(4))
    denoiser = build_model("denoise", "sparse-", num_blocks=2)
    assert "skip" not in {l.name for l in denoiser.layers}   # identity skip


def test_denoiser_learns_a_residual_on_top_of_its_input():
    # With the tail zeroed the network is exactly the identity (identity skip and the
    # mean shift undone), so the body learns the residual.
    model = build_model("denoise", "sparse+", num_blocks=2)
    tail = model.get_layer("tail")
    tail.set_weights([np.zeros_like(w) for w in tail.get_weights()])
    x = np.random.default_rng(1).uniform(size=(1, 12, 12, 1)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), x, atol=1e-6)


def test_model_keras_round_trip(tmp_path):
    model = build_model("sr", "sparse+", scale=2, num_blocks=2)
    x = np.random.default_rng(2).uniform(size=(2, 16, 16, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


@pytest.mark.parametrize("call, message", [
    (lambda: build_model("deblur", "baseline"), "task must be one of"),
    (lambda: build_model("denoise", "sparse"), "variant 'sparse' does not exist"),
    (lambda: build_model("denoise", "edsr-s"), "variant 'edsr-s' does not exist"),
    (lambda: build_model("sr", "sparse+", scale=5), "SR scale must be one of"),
    (lambda: build_model("denoise", "baseline", scale=2), "scale=2 only applies"),
    (lambda: build_model("denoise", "baseline", channels=2), "channels must be 1 or 3"),
    (lambda: build_model("denoise", "baseline", blocks=3), "unknown preset override"),
    (lambda: build_model("denoise", "sparse+", cardinality=5), "not divisible by the cardinality"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_switching_implementation_keeps_weights_and_outputs():
    from nsr_tf.layers import set_implementation
    model = build_model("denoise", "sparse+", num_blocks=2)
    x = np.random.default_rng(3).uniform(size=(2, 16, 16, 1)).astype("float32")
    weights = [w.copy() for w in model.get_weights()]
    reference = model(x).numpy()
    for form in ("rowhybrid", "mixture", "im2col", "grouped"):
        assert set_implementation(model, form) == 4
        np.testing.assert_allclose(model(x).numpy(), reference, atol=1e-5)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="implementation must be one of"):
        set_implementation(model, "fastest")


def test_a_noise_map_denoiser_sees_the_map_and_returns_the_image():
    model = build_model("denoise", "sparse+", num_blocks=2, level_map=True)
    assert model.input_shape[-1] == 2 and model.output_shape[-1] == 1
    x = np.random.default_rng(3).uniform(size=(1, 12, 12, 1)).astype("float32")
    low, high = (np.concatenate([x, np.full_like(x, s / 255)], -1) for s in (10, 50))
    assert np.abs(model(low).numpy() - model(high).numpy()).max() > 1e-4   # the map matters
    tail = model.get_layer("tail")
    tail.set_weights([np.zeros_like(w) for w in tail.get_weights()])
    np.testing.assert_allclose(model(high).numpy(), x, atol=1e-6)   # residual on the image
    with pytest.raises(ValueError, match="level_map"):
        build_model("sr", "sparse+", level_map=True)


def test_a_quality_map_jpeg_model_centres_its_map():
    model = build_model("jpeg", "sparse-", num_blocks=1, level_map=True)
    assert model.input_shape[-1] == 2 and model.output_shape[-1] == 1
    x = np.random.default_rng(4).uniform(size=(1, 12, 12, 1)).astype("float32")
    shifted = model.get_layer("subtract_mean")(np.concatenate([x, np.full_like(x, 0.3)], -1))
    np.testing.assert_allclose(shifted[..., 1], 0.3 - 0.5, atol=1e-7)   # quality 30 -> -0.2
    np.testing.assert_allclose(shifted[..., 0], x[..., 0] - 0.5, atol=1e-7)
    noise = build_model("denoise", "sparse+", num_blocks=1, level_map=True)
    shifted = noise.get_layer("subtract_mean")(np.concatenate([x, np.full_like(x, 0.1)], -1))
    np.testing.assert_allclose(shifted[..., 1], 0.1, atol=1e-7)          # sigma / 255 as is
