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
