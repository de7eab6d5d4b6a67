import io

import numpy as np
import pytest

from nsr_tf.data import Degradation, training_dataset, validation_pairs
from nsr_tf.data import degradations


def images(count, size=(70, 90), channels=1, seed=0):
    rng = np.random.default_rng(seed)
    # smooth content so that bicubic pairs can be compared
    out = []
    for _ in range(count):
        small = rng.uniform(size=(size[0] // 8 + 2, size[1] // 8 + 2, channels))
        big = degradations.imresize(small, output_shape=(size[0] + 16, size[1] + 16))
        out.append(np.clip(big[8:-8, 8:-8], 0, 1).astype(np.float32))
    return out


@pytest.mark.parametrize("degradation, channels", [
    (Degradation("denoise", sigma=25), 1), (Degradation("jpeg", quality=10), 1),
    (Degradation("jpeg", quality=30), 3), (Degradation("sr", scale=3), 3)])
def test_batches_have_the_right_shapes_and_ranges(degradation, channels):
    scale = degradation.output_scale
    data = training_dataset(images(3, channels=channels), degradation, patch_size=16,
                            batch_size=4, patches_per_image=8)
    batches = list(data)
    assert len(batches) == 3 * 8 // 4    # one pass is one epoch
    degraded, clean = batches[0]
    assert degraded.shape == (4, 16, 16, channels)
    assert clean.shape == (4, 16 * scale, 16 * scale, channels)
    assert clean.numpy().min() >= 0 and clean.numpy().max() <= 1
    if degradation.task == "denoise":
        noise = (degraded - clean).numpy()
        assert abs(noise.std() * 255 - 25) < 3
    else:
        assert degraded.numpy().min() >= 0 and degraded.numpy().max() <= 1
        assert not np.allclose(degraded.numpy(), clean.numpy()[:, ::scale, ::scale])


def test_sr_pairs_are_aligned_under_flips_and_rotations():
    degradation = Degradation("sr", scale=2)
    data = training_dataset(images(2, size=(80, 80), channels=1), degradation,
                            patch_size=24, batch_size=8, patches_per_image=16)
    for lr, hr in data:
        for lr_patch, hr_patch in zip(lr.numpy(), hr.numpy()):
            down = degradations.imresize(hr_patch, 0.5)
            # away from the patch border the LR patch is the bicubic of the HR patch
            assert np.abs(down[4:-4, 4:-4] - lr_patch[4:-4, 4:-4]).max() < 4 / 255


def test_epochs_draw_new_patches():
    data = training_dataset(images(2), Degradation("denoise"), 16, 4, 4)
    first = np.concatenate([c.numpy() for _, c in data])
    second = np.concatenate([c.numpy() for _, c in data])
    assert not np.allclose(first, second)


def test_validation_pairs_are_deterministic():
    clean = {"/a/x.png": images(1)[0]}
    degradation = Degradation("denoise", sigma=15)
    (name, noisy, target), = validation_pairs(clean, degradation)
    (_, again, _), = validation_pairs(clean, degradation)
    assert name == "x.png"
    np.testing.assert_array_equal(noisy, again)
    np.testing.assert_array_equal(target, clean["/a/x.png"])
    sr = validation_pairs({"/a/y.png": images(1, size=(31, 45))[0]}, Degradation("sr", scale=3))
    assert sr[0][1].shape == (10, 15, 1) and sr[0][2].shape == (30, 45, 1)


def test_noise_map_patches_carry_their_own_sigma():
    degradation = Degradation("denoise", sigma=25, sigma_range=(5, 60))
    data = training_dataset(images(4), degradation, patch_size=32, batch_size=8,
                            patches_per_image=16)
    sigmas, measured = [], []
    for degraded, clean in data:
        assert degraded.shape == (8, 32, 32, 2) and clean.shape == (8, 32, 32, 1)
        level = degraded[..., 1].numpy()
        assert np.ptp(level, axis=(1, 2)).max() < 1e-6            # constant per patch
        sigmas += list(level[:, 0, 0] * 255)
        measured += list(np.std(degraded[..., :1] - clean, axis=(1, 2, 3)) * 255)
    sigmas, measured = np.array(sigmas), np.array(measured)
    assert 5 <= sigmas.min() and sigmas.max() <= 60 and np.ptp(sigmas) > 25
    np.testing.assert_allclose(measured, sigmas, rtol=0.12, atol=0.5)   # the noise added
    # evaluation: the fixed sigma and its map
    image = images(1)[0]
    model_input = degradation.model_input(image)
    assert model_input.shape == image.shape[:2] + (2,)
    np.testing.assert_allclose(model_input[..., 1], 25 / 255, rtol=1e-6)
    assert "noise map" in degradation.describe()
    with pytest.raises(ValueError, match="sigma-range"):
        Degradation("jpeg", sigma_range=(0, 50))


def test_a_map_jitter_share_of_patches_is_told_a_wrong_sigma_with_a_clean_target():
    degradation = Degradation("denoise", sigma=25, sigma_range=(5, 60), map_jitter=0.5)
    data = training_dataset(images(4), degradation, patch_size=32, batch_size=16,
                            patches_per_image=64)
    told, measured = [], []
    for degraded, clean in data:
        told += list(degraded[:, 0, 0, 1].numpy() * 255)
        # the noise is the true level's: the target is the clean patch
        measured += list(np.std(degraded[..., :1] - clean, axis=(1, 2, 3)) * 255)
    ratio = np.array(told) / np.array(measured)
    off = np.mean(np.abs(ratio - 1) > 0.15)
    # half the patches jittered by a factor uniform in [0.5, 1.5]: about 0.5 * 0.7 are
    # more than 15% off (the unjittered ones are within 12%: the test above)
    assert 0.25 < off < 0.47, off
    assert 0.42 < ratio.min() and ratio.max() < 1.75
    assert ratio.min() < 0.65 and ratio.max() > 1.35   # both directions, far enough
    assert "told a level off" in degradation.describe()


def test_map_jitter_falls_on_camera_and_awgn_patches_alike():
    degradation = Degradation("denoise", sigma=25, sigma_range=(0, 75), noise="mix",
                              map_jitter=0.5)
    data = training_dataset(images(4, size=(96, 96), channels=3), degradation,
                            patch_size=32, batch_size=16, patches_per_image=64)
    off = {True: [], False: []}
    for degraded, target in data:
        residual = (degraded[..., :3] - target).numpy()
        told = degraded[:, 0, 0, 3].numpy() * 255
        for noise, level in zip(residual, told):
            rms = np.sqrt(np.mean(noise ** 2)) * 255
            # camera noise went through demosaicking: neighbours correlate; AWGN's do not
            lag = np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]
            if rms > 2:
                off[lag > 0.25].append(abs(level / rms - 1) > 0.15)
    assert len(off[True]) > 80 and len(off[False]) > 80, {k: len(v) for k, v in off.items()}
    # about 0.5 * 0.7 of each kind are told a wrong level
    assert 0.2 < np.mean(off[True]) < 0.5 and 0.2 < np.mean(off[False]) < 0.5, \
        {k: np.mean(v) for k, v in off.items()}


def test_quality_map_patches_are_libjpeg_at_their_own_quality():
    from PIL import Image
    degradation = Degradation("jpeg", quality=20, quality_range=(10, 40))
    data = training_dataset(images(4), degradation, patch_size=32, batch_size=8,
                            patches_per_image=8)
    qualities = []
    for degraded, clean in data:
        assert degraded.shape == (8, 32, 32, 2) and clean.shape == (8, 32, 32, 1)
        for patch, target in zip(degraded.numpy(), clean.numpy()):
            quality = patch[0, 0, 1] * 100
            assert quality == pytest.approx(round(quality), abs=1e-4)
            assert np.ptp(patch[..., 1]) == 0
            quality = int(round(quality))
            qualities.append(quality)
            buffer = io.BytesIO()   # Pillow's libjpeg at that quality: the same pixels
            Image.fromarray(np.round(target[..., 0] * 255).astype(np.uint8)).save(
                buffer, "JPEG", quality=quality)
            expected = np.asarray(Image.open(buffer), np.float32) / 255
            np.testing.assert_allclose(patch[..., 0], expected, atol=1e-6)
    assert min(qualities) >= 10 and max(qualities) <= 40 and len(set(qualities)) > 8
    assert "JPEG quality 20 (quality map; trained on 10-40)" == degradation.describe()
    np.testing.assert_allclose(degradation.model_input(images(1)[0])[..., 1], 0.2)
    np.testing.assert_allclose(degradation.model_input(images(1)[0], 35)[..., 1], 0.35)
    with pytest.raises(ValueError, match="quality-range"):
        Degradation("jpeg", quality_range=(10, 101))
    with pytest.raises(ValueError, match="quality-range"):
        Degradation("denoise", quality_range=(10, 50))


def test_blind_patches_vary_in_level_without_a_map():
    degradation = Degradation("denoise", sigma_range=(0, 60), blind=True)
    data = training_dataset(images(4), degradation, patch_size=32, batch_size=16,
                            patches_per_image=8)
    degraded, clean = next(iter(data))
    assert degraded.shape == (16, 32, 32, 1) and not degradation.level_map
    measured = np.std(degraded - clean, axis=(1, 2, 3)) * 255
    assert measured.min() < 20 and measured.max() > 40          # sigma drawn per patch
    assert degradation.model_input(images(1)[0]).shape[-1] == 1
    assert "blind; trained on 0-60" in degradation.describe()
    with pytest.raises(ValueError, match="--blind"):
        Degradation("denoise", blind=True)


def test_making_a_dataset_leaves_the_global_seed_alone():
    # Export builds its int8 calibration set with training_dataset: it must not reset
    # the caller's random stream.
    import tensorflow as tf
    tf.random.set_seed(123)
    expected = tf.random.uniform((3,)).numpy()
    tf.random.set_seed(123)
    next(iter(training_dataset(images(2, channels=1), Degradation("denoise", 25), 32, 4, 2,
                               seed=9)))
    np.testing.assert_array_equal(tf.random.uniform((3,)).numpy(), expected)


def test_patches_differ_between_epochs():
    def first_batches(seed):
        data = training_dataset(images(3, channels=1), Degradation("denoise", 25), 32, 6, 2,
                                seed=seed)
        return [next(iter(data))[1].numpy() for _ in range(2)]   # two epochs
    one, two = first_batches(4)
    assert not np.array_equal(one, two)
