"""The Degradation type: its checks, its level map and the evaluation inputs it makes."""

import numpy as np
import pytest

from nsr_tf.data import Degradation


def test_bad_degradation_arguments():
    with pytest.raises(ValueError, match="--sigma"):
        Degradation("denoise", sigma=0)
    with pytest.raises(ValueError, match="--quality"):
        Degradation("jpeg", quality=101)
    with pytest.raises(ValueError, match="--scale"):
        Degradation("sr", scale=5)


def test_evaluation_noise_is_seeded_by_the_file_name_and_independent_per_channel():
    clean = np.full((40, 50, 3), 0.5, np.float32)
    degradation = Degradation("denoise", sigma=20)
    noisy = degradation.degrade_file(clean, "/somewhere/a.png")
    np.testing.assert_array_equal(noisy, degradation.degrade_file(clean, "/elsewhere/a.png"))
    assert not np.array_equal(noisy, degradation.degrade_file(clean, "/somewhere/b.png"))
    noise = (noisy - clean).reshape(-1, 3) * 255
    assert np.allclose(noise.std(axis=0), 20, rtol=0.05)
    assert np.abs(np.corrcoef(noise.T)[np.triu_indices(3, 1)]).max() < 0.05


def test_a_level_map_model_is_fed_its_level_as_one_more_channel():
    degraded = np.zeros((8, 9, 3), np.float32)
    noise = Degradation("denoise", sigma=30, sigma_range=(0, 75))
    fed = noise.model_input(degraded)
    assert fed.shape == (8, 9, 4) and np.allclose(fed[..., 3], 30 / 255)
    assert np.allclose(noise.model_input(degraded, 51)[..., 3], 0.2)
    quality = Degradation("jpeg", quality=40, quality_range=(10, 90))
    assert np.allclose(quality.model_input(degraded)[..., 3], 0.4)
    assert Degradation("denoise", sigma=30).model_input(degraded) is degraded


def test_told_levels_under_map_jitter():
    import tensorflow as tf
    seeds = [tf.constant([7, i]) for i in range(2000)]
    plain = Degradation("jpeg", quality=10, quality_range=(10, 90))
    assert all(float(plain.told_level(q, s)) == q for q, s in zip((10, 37, 90), seeds))
    jitter = Degradation("jpeg", quality=10, quality_range=(10, 90), map_jitter=0.25)
    told = np.array([float(jitter.told_level(40, s)) for s in seeds])
    factor = told[told != 40] / 40
    assert 0.22 < factor.size / told.size < 0.28            # the share jittered
    assert 0.5 <= factor.min() < 0.53 and 1.47 < factor.max() <= 1.5
    assert abs(np.mean(factor) - 1) < 0.03                  # uniform about the truth
    # clipped to the trained range
    low = np.array([float(jitter.told_level(12, s)) for s in seeds[:400]])
    assert low.min() == 10 and (low < 12).any() and (low > 12).any()
    with pytest.raises(ValueError, match="--map-jitter"):
        Degradation("denoise", sigma=25, map_jitter=0.2)    # no level map
    with pytest.raises(ValueError, match="--map-jitter"):
        Degradation("denoise", sigma_range=(0, 75), blind=True, map_jitter=0.2)
    with pytest.raises(ValueError, match="--map-jitter"):
        Degradation("denoise", sigma_range=(0, 75), map_jitter=1.5)
