"""The half-size copy the package ships (nsr_tf.model_io.half_copy): the same model with
its weights rounded to float16 in the file, float32 again once loaded."""

import json
import os
import zipfile

import numpy as np
import pytest

from nsr_tf import model_io
from nsr_tf.data import Degradation
from nsr_tf.evaluation import evaluate_folder, summarise


def test_the_half_copy_holds_each_weight_rounded_to_float16(model_file):
    original, _ = model_io.load(str(model_file))
    rng = np.random.default_rng(0)         # gates and gains start as constants: vary them
    original.set_weights([w + rng.normal(0, 0.1, w.shape).astype("float32")
                          for w in original.get_weights()])
    original.save(model_file)
    copy = model_io.half_copy(str(model_file))
    assert copy == str(model_file.with_name("m_half.keras"))
    half, info = model_io.load(copy)
    assert info.task == "denoise" and info.tile_size == 32      # its JSON came along
    for theirs, ours in zip(original.weights, half.weights):
        assert ours.dtype == "float32"                          # the model computes as before
        expected = theirs.numpy().astype(np.float16).astype(np.float32)   # numpy's rounding
        np.testing.assert_array_equal(ours.numpy(), expected)
    # the same network with the rounded weights set by hand gives the same output
    original.set_weights([w.astype(np.float16).astype(np.float32)
                          for w in original.get_weights()])
    x = rng.uniform(size=(1, 24, 20, 1)).astype("float32")
    np.testing.assert_allclose(half(x).numpy(), original(x).numpy(), atol=1e-6)
    with zipfile.ZipFile(model_file) as a, zipfile.ZipFile(copy) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "model.weights.h5":
                assert a.read(name) == b.read(name)            # config untouched
        full, small = (z.getinfo("model.weights.h5").file_size for z in (a, b))
    parameters = sum(w.size for w in original.get_weights())
    assert full - small == pytest.approx(2 * parameters, rel=0.02)   # two bytes a weight


def test_a_weight_float16_cannot_hold_is_refused_by_name(model_file, tmp_path):
    model, _ = model_io.load(str(model_file))
    weights = model.get_weights()
    weights[0] = weights[0] + 1e5
    model.set_weights(weights)
    model.save(model_file)
    with pytest.raises(model_io.ModelError, match=r"m\.keras: weight .* float16's range"):
        model_io.half_copy(str(model_file), str(tmp_path / "out.keras"))
    assert not os.path.exists(tmp_path / "out.keras")
    assert not os.path.exists(tmp_path / "out.keras.partial")


def test_a_file_that_is_not_a_keras_archive_is_named(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_text("not a zip")
    with pytest.raises(model_io.ModelError, match="bad.keras: not a .keras archive"):
        model_io.half_copy(str(bad))


def test_a_shipped_upscaler_in_float16_scores_what_it_did(testsets, tmp_path):
    """The 32-block `sr-x2` (10.5 MB in float32) rounded to float16: Set5 moves by well
    under the cards' 0.01 dB (measured 0.0001 dB)."""
    from nsr_tf import pretrained
    copy = model_io.half_copy(pretrained.path("sr-x2"), str(tmp_path / "sr_x2.keras"))
    assert os.path.getsize(copy) < 0.55 * os.path.getsize(pretrained.path("sr-x2"))
    folder = os.path.join(testsets, "Set5")
    scores = []
    for model_path in (pretrained.path("sr-x2"), copy):
        model, info = model_io.load(model_path)
        rows = summarise(evaluate_folder(folder, Degradation("sr", scale=2), model, channels=3,
                                         tile_size=info.tile_size, overlap=info.overlap))
        scores.append(rows[0]["psnr"])
    stated = json.load(open(pretrained.path("sr-x2", ".json")))["scores"]["Set5"]["psnr"]
    assert scores[0] == pytest.approx(stated, abs=0.01)
    assert scores[1] == pytest.approx(scores[0], abs=0.002)
