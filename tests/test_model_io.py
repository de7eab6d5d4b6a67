"""The half-size copy the package ships (nsr_tf.model_io.half_copy): the same model with
its weights rounded to float16 in the file, float32 again once loaded."""

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


def test_a_shipped_model_in_float16_scores_what_it_did(testsets, tmp_path):
    """A shipped float32 model (the dense baseline, which no queue entry ships again) rounded
    to float16: Set12 PSNR moves by well under the cards' 0.01 dB (measured on every
    shipped model: 0.0004 dB at most, docs/model_files_measured.md). The shipped upscalers
    are float16 files already (their cards' scores are of those files)."""
    from nsr_tf import pretrained
    original = pretrained.path("denoise-sigma25-baseline")
    assert model_io.stored_precision(original) == "float32"
    copy = model_io.half_copy(original, str(tmp_path / "baseline.keras"))
    assert model_io.stored_precision(copy) == "float16"
    assert os.path.getsize(copy) < 0.55 * os.path.getsize(original)
    folder = tmp_path / "set12"            # three of Set12: the test's time, same protocol
    folder.mkdir()
    for name in ("01.png", "05.png", "08.png"):
        os.symlink(os.path.join(testsets, "Set12", name), folder / name)
    scores = []
    for model_path in (original, copy):
        model, _ = model_io.load(model_path)
        rows = summarise(evaluate_folder(str(folder), Degradation("denoise", 25), model,
                                         channels=1))
        scores.append(rows[0]["psnr"])
    assert scores[0] > 28.0                # a denoiser at sigma 25, not a broken load
    assert scores[1] == pytest.approx(scores[0], abs=0.002)
