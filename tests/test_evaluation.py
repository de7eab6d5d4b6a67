"""Evaluation protocol: the paper's Bicubic and JPEG columns, determinism, outputs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nsr_tf.data import Degradation
from nsr_tf.evaluation import evaluate_folder, restore_ensemble, summarise
from nsr_tf.inference import TiledPredictor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("scale, paper", [(2, 33.66), (3, 30.39), (4, 28.42)])
def test_bicubic_column_of_table_4_on_set5(testsets, scale, paper):
    rows = evaluate_folder(os.path.join(testsets, "Set5"), Degradation("sr", scale=scale),
                           baselines=["input"], channels=3)
    (summary,) = summarise(rows)
    assert summary["images"] == 5 and abs(summary["psnr"] - paper) < 0.05


@pytest.mark.parametrize("quality, paper", [(10, 27.82), (20, 30.12), (30, 31.48),
                                            (40, 32.43)])
def test_jpeg_column_of_table_6_on_classic5(testsets, quality, paper):
    rows = evaluate_folder(os.path.join(testsets, "classic5"),
                           Degradation("jpeg", quality=quality), baselines=["input"])
    assert abs(summarise(rows)[0]["psnr"] - paper) < 0.05


def test_ensemble_of_an_equivariant_model_is_the_model():
    # A per-pixel model commutes with flips/rotations: the x8 ensemble changes nothing.
    import keras
    inputs = keras.Input((None, None, 1))
    model = keras.Model(inputs, keras.layers.Rescaling(0.5, offset=0.1)(inputs))
    image = np.random.default_rng(0).uniform(size=(20, 33)).astype(np.float32)
    predictor = TiledPredictor(model)
    out = restore_ensemble(predictor, image, True, tile_size=16, overlap=4)
    np.testing.assert_allclose(out, image * 0.5 + 0.1, atol=1e-6)


def level_map_stand_in(scale):
    """A gray level-map model that outputs ``scale`` * image + its map channel."""
    import keras

    from nsr_tf.layers import ChannelSlice
    inputs = keras.Input((None, None, 2))
    image = keras.layers.Rescaling(scale)(ChannelSlice(1)(inputs))
    return keras.Model(inputs, keras.layers.Add()(
        [image, keras.layers.Lambda(lambda x: x[..., 1:])(inputs)]))


def linked(folder, testset, names):
    """``folder`` holding links to ``names`` of the repository test set ``testset``."""
    folder.mkdir()
    for name in names:
        os.symlink(os.path.join(testset, name), folder / name)
    return folder


def test_a_level_map_model_is_told_the_true_a_given_or_the_estimated_level(testsets,
                                                                            tmp_path):
    # The map value reaches the model: a stand-in model that outputs its map channel.
    from nsr_tf.estimation import estimate_sigma
    model = level_map_stand_in(0.0)
    folder = linked(tmp_path / "two", os.path.join(testsets, "Set12"), ("01.png", "05.png"))
    degradation = Degradation("denoise", 30)

    def told(map_level):
        return [row["psnr"] for row in evaluate_folder(folder, degradation, model,
                                                       map_level=map_level)]

    def psnr_of_constant(level):
        from nsr_tf.data.images import list_images, read_image
        from nsr_tf.metrics import psnr
        return [psnr(read_image(path, 1), np.full((1, 1, 1), level, np.float32) +
                     0 * read_image(path, 1)) for path in list_images(folder)]

    np.testing.assert_allclose(told(None), psnr_of_constant(30 / 255), atol=1e-4)
    np.testing.assert_allclose(told(12), psnr_of_constant(12 / 255), atol=1e-4)
    from nsr_tf.data.images import list_images, read_image
    estimated = [estimate_sigma(degradation.degrade_file(read_image(path, 1), path))
                 for path in list_images(folder)]
    assert all(abs(e - 30) < 2 for e in estimated)
    expected = [psnr_of_constant(e / 255)[i] for i, e in enumerate(estimated)]
    np.testing.assert_allclose(told("auto"), expected, atol=1e-4)
    quality = Degradation("jpeg", quality=20)
    jpeg = [row["psnr"] for row in evaluate_folder(folder, quality, model, map_level=35)]
    np.testing.assert_allclose(jpeg, psnr_of_constant(0.35), atol=1e-4)


def test_a_gray_model_on_colour_data_restores_each_channel(testsets, tmp_path):
    # A gray level-map stand-in (0.5 * image + map) on RGB Set5 images: scored in RGB,
    # every channel restored on its own with the map told.
    from nsr_tf.data.images import list_images, read_image
    from nsr_tf.metrics import psnr
    model = level_map_stand_in(0.5)
    folder = linked(tmp_path / "rgb", os.path.join(testsets, "Set5"),
                    ("baby_GT.png", "bird_GT.png"))
    degradation = Degradation("denoise", 20)
    rows = evaluate_folder(folder, degradation, model, channels=3)
    expected = []
    for path in list_images(folder):
        clean = read_image(path, 3)
        noisy = degradation.degrade_file(clean, path)
        assert not np.allclose(noisy[..., 0] - clean[..., 0], noisy[..., 1] - clean[..., 1])
        expected.append(psnr(clean, 0.5 * noisy + 20 / 255))
    np.testing.assert_allclose([row["psnr"] for row in rows], expected, atol=1e-4)


def evaluate(*args):
    return subprocess.run([sys.executable, os.path.join(REPO, "training", "evaluate.py"),
                           *map(str, args)], capture_output=True, text=True, timeout=600)


def test_evaluate_command_is_deterministic_and_writes_json_and_csv(testsets, model_file,
                                                                   tmp_path):
    set12 = tmp_path / "Set12"          # four of the twelve: the command, not the scores
    set12.mkdir()
    for name in ("01.png", "02.png", "03.png", "04.png"):
        os.symlink(os.path.join(testsets, "Set12", name), set12 / name)
    first = evaluate("--model", model_file, "--data-dir", set12, "--baseline", "input",
                     "--per-image", "--json", tmp_path / "a.json", "--csv", tmp_path / "a.csv")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "AWGN sigma 25" in first.stdout and "01.png" in first.stdout
    second = evaluate("--model", model_file, "--data-dir", set12, "--baseline", "input",
                      "--json", tmp_path / "b.json")
    assert second.returncode == 0, second.stderr[-2000:]
    a = json.loads((tmp_path / "a.json").read_text())
    b = json.loads((tmp_path / "b.json").read_text())
    assert a["summary"] == b["summary"]
    assert {row["method"] for row in a["images"]} == {"model", "input"}
    assert len((tmp_path / "a.csv").read_text().splitlines()) == 1 + 2 * 4


def test_evaluate_command_errors_are_one_line(tmp_path):
    missing = evaluate("--model", tmp_path / "none.keras", "--data-dir", tmp_path)
    assert missing.returncode == 1 and "none.keras: no such model file" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert evaluate("--data-dir", tmp_path).returncode == 2


def test_the_gray_testset_psnr_of_a_model_and_of_its_litert_file_agree():
    # one function scores a Keras model and an exported file alike (export/deployment.py,
    # benchmarks/experiments/native_file_psnr.py): Set12 at sigma 25 for a denoiser, None
    # for colour and SR models
    from nsr_tf import build_model, model_io
    from nsr_tf.evaluation import gray_testset_psnr
    from nsr_tf.export import convert
    from nsr_tf.export.litert import LiteRTPredictor
    info = model_io.ModelInfo(task="denoise", sigma=25, channels=1)
    model = build_model("denoise", "sparse-", num_blocks=1)
    keras_psnr = gray_testset_psnr(model, info, 64, 16)
    lite = LiteRTPredictor(convert(model, "rowhybrid", tile=64))
    assert abs(gray_testset_psnr(lite, info, 64, 16) - keras_psnr) < 1e-3
    assert 0 < keras_psnr < 60
    assert gray_testset_psnr(model, model_io.ModelInfo(task="sr", scale=2, channels=3),
                             64, 16) is None
