"""Net2Net widening (nsr_tf.train.grow): a model wider inside its blocks starts computing
what the narrow model computed, its copies split unequally so that they learn apart."""

import os

import numpy as np
import pytest

from nsr_tf import build_model, model_io
from nsr_tf.train import TrainConfig, Trainer
from nsr_tf.train.grow import copy_sources, split_weights, widen_blocks


def randomised(model, seed):
    """``model`` with every weight drawn at random (gains, biases and gates included, which
    start as constants): a widening that drops one of them then shows."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.3, w.shape).astype("float32") + (w != 0) * w
                       for w in model.get_weights()])
    return model


def test_copies_stay_in_their_cardinal_group():
    # 2 groups of 2 channels widened to 2 groups of 4: each group copies its own channels
    np.testing.assert_array_equal(copy_sources(8, 4, 2), [0, 1, 0, 1, 2, 3, 2, 3])
    # dense (one group): the wide layer copies the narrow one twice
    np.testing.assert_array_equal(copy_sources(6, 3, 1), [0, 1, 2, 0, 1, 2])
    sources = copy_sources(64, 32, 16)
    assert np.all(sources // 2 == np.arange(64) // 4)        # the same cardinal group


def test_the_shares_of_one_channel_sum_to_one_and_differ():
    sources = copy_sources(12, 4, 1)                          # three copies each
    share = split_weights(sources, 4, np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(sources, weights=share), np.ones(4))
    assert len(np.unique(np.round(share, 6))) == 12


@pytest.mark.parametrize("task,narrow,wide,channels,scale", [
    ("jpeg", "sparse-", "sparse+", 3, None),       # k=2, d=2: 32 -> 64 inside
    ("denoise", "sparse-", "baseline", 1, None),    # dense to dense: no gates
])
def test_a_widened_model_computes_what_the_narrow_one_did(task, narrow, wide, channels,
                                                          scale):
    small = randomised(build_model(task, narrow, channels=channels, num_blocks=2,
                                   sparsity_groups=1 if wide == "baseline" else 2,
                                   gate="none" if wide == "baseline" else "softmax",
                                   cardinality=1 if wide == "baseline" else 2), 0)
    big = build_model(task, wide, channels=channels, num_blocks=2)
    theirs = {layer.name: layer for layer in small.layers}
    for layer in big.layers:           # what --init-from copies: the layers that match
        if layer.name in theirs and [w.shape for w in layer.get_weights()] == \
                [w.shape for w in theirs[layer.name].get_weights()]:
            layer.set_weights(theirs[layer.name].get_weights())
    before = big.get_layer("block1_conv1").kernel.shape
    assert [b for b, _, _ in widen_blocks(big, theirs, np.random.default_rng(1))] == [0, 1]
    assert big.get_layer("block1_conv1").kernel.shape == before
    x = np.random.default_rng(2).uniform(size=(2, 24, 20, channels)).astype("float32")
    np.testing.assert_allclose(big(x).numpy(), small(x).numpy(), atol=2e-5)
    # the copies of one channel carry different shares of conv2's weights
    kernel = big.get_layer("block0_conv2").kernel.numpy()
    copies = copy_sources(kernel.shape[2], small.get_layer("block0_conv2").kernel.shape[2],
                          big.get_layer("block0_conv1").cardinality)
    first = np.flatnonzero(copies == 0)
    assert not np.allclose(kernel[:, :, first[0]], kernel[:, :, first[1]])


def test_an_sr_model_widens_with_sixteen_cardinal_groups():
    small = randomised(build_model("sr", "compact", scale=2, num_blocks=1), 3)
    big = build_model("sr", "compact", scale=2, num_blocks=1, width_multiplier=2.0)
    theirs = {layer.name: layer for layer in small.layers}
    for layer in big.layers:
        if layer.name in theirs and not layer.name.startswith("block"):
            layer.set_weights(theirs[layer.name].get_weights())
    assert widen_blocks(big, theirs, np.random.default_rng(0)) == [(0, 32, 64)]
    x = np.random.default_rng(4).uniform(size=(1, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(big(x).numpy(), small(x).numpy(), atol=2e-5)


def test_train_py_widens_sparse_minus_to_sparse_plus_and_the_copies_learn_apart(
        train_images, tmp_path):
    tiny = dict(task="jpeg", quality=10, data_dir=train_images, epochs=1, num_blocks=1,
                patch_size=32, patches_per_image=4, batch_size=4, precision="float32")
    Trainer(TrainConfig(variant="sparse-", job_dir=str(tmp_path / "narrow"), **tiny),
            log=lambda *_: None).fit()
    source_path = str(tmp_path / "narrow" / "best.keras")
    source, _ = model_io.load(source_path)
    lines = []
    wide = Trainer(TrainConfig(variant="sparse+", init_from=source_path,
                               job_dir=str(tmp_path / "wide"), **tiny), log=lines.append)
    said = next(line for line in lines if line.startswith("initialised"))
    assert "widened inside from 32 to 64" in said and "start fresh" not in said, said
    x = np.random.default_rng(0).uniform(size=(1, 24, 24, 1)).astype("float32")
    np.testing.assert_allclose(wide.model(x).numpy(), source(x).numpy(), atol=2e-5)
    wide.fit()
    kernel = wide.model.get_layer("block0_conv1").kernel.numpy()
    # channel 0 and its copy (channel 16 of the first of d=2 groups, now 32 wide) moved
    # apart in training: the unequal shares broke the symmetry
    assert copy_sources(64, 32, 2)[16] == 0
    assert not np.allclose(kernel[..., 0], kernel[..., 16])
    assert os.path.exists(tmp_path / "wide" / "best.keras")


def test_the_width_flag_overrides_the_preset_and_refuses_nonsense(capsys):
    from nsr_tf.cli.train import config_from_args
    config = config_from_args(["--task", "sr", "--variant", "compact", "--num-blocks", "32",
                               "--width-multiplier", "2"])
    assert config.model_overrides == {"width_multiplier": 2.0}
    model = build_model("sr", "compact", scale=2, num_blocks=1, **config.model_overrides)
    assert model.get_layer("block0_conv1").filters == 64
    with pytest.raises(SystemExit):
        config_from_args(["--width-multiplier", "0"])
    assert "--width-multiplier must be > 0" in capsys.readouterr().err


def test_a_width_the_cardinality_does_not_divide_stops_before_the_job_folder(
        train_images, tmp_path):
    from nsr_tf.errors import UsageError
    job = tmp_path / "job"
    config = TrainConfig(task="sr", variant="compact", data_dir=train_images,
                         model_overrides={"width_multiplier": 1.3}, job_dir=str(job))
    with pytest.raises(UsageError, match="41 is not divisible by the cardinality 16"):
        Trainer(config, log=lambda *_: None)
    assert not job.exists()          # a rerun with a good width is not "a different run"
