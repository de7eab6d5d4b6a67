"""nsr_tf.photo: restoring one photo as a library call (nsr-restore's policy)."""

import os

import numpy as np
import pytest
from PIL import Image

from nsr_tf import photo
from nsr_tf.errors import UsageError


def test_output_names_keep_every_result_apart():
    files = ["in/x.jpg", "in/x.png", "in/y.png", "other/x.png", "in/Y.JPG"]
    names = photo.output_names(files, "out")
    assert names == {
        "in/x.jpg": os.path.join("out", "x_jpg_restored.png"),
        "in/x.png": os.path.join("out", "x_png_restored.png"),
        "in/y.png": os.path.join("out", "y_png_restored.png"),
        "other/x.png": os.path.join("out", "x_png_2_restored.png"),
        "in/Y.JPG": os.path.join("out", "Y_jpg_restored.png"),
    }
    assert len(set(names.values())) == len(files)
    # a name of its own keeps the plain form, and the same files always get the same names
    assert photo.output_names(["a/b.png"], "o") == {"a/b.png": os.path.join("o",
                                                                          "b_restored.png")}
    assert photo.output_names(files, "out") == names
    assert photo.degraded_name(names["in/x.jpg"]) == os.path.join("out", "x_jpg_degraded.png")


@pytest.mark.parametrize("bad", [-1, 256, 1e9, "loud"])
def test_options_refuse_a_sigma_off_the_scale(bad):
    with pytest.raises(UsageError, match="--sigma must be 'auto' or a number in \\[0, 255\\]"):
        photo.Options(sigma=bad)


def test_options_refuse_a_quality_off_the_scale():
    with pytest.raises(UsageError, match="--quality must be in 1..100, got 0"):
        photo.Options(quality=0)
    assert photo.Options(sigma=0).sigma == 0 and photo.Options(sigma=255.0).sigma == 255


def test_the_level_note_says_how_it_was_chosen():
    assert photo.Level(0.1, sigma=25.5, told=[25.5]).note() == "sigma 25.5"
    estimated = photo.Level(0.1, sigma=20.0, how="finest wavelet band", estimated=True,
                            told=[20.0])
    assert estimated.note() == "sigma 20.0 (estimated: finest wavelet band)"
    estimated.told = [6.39, 1.2, 1.06]
    assert estimated.note() == (
        "sigma 1.1 (estimated: read 6.4 by the finest wavelet band; told that, the model "
        "found only 1.2, then 1.1 to remove: texture, not noise, so it restored the photo "
        "again told what it removed)")
    assert photo.Level(how="JPEG quality 30 read from the file").note() == \
        "JPEG quality 30 read from the file"
    assert photo.Level().note() is None


def test_save_never_leaves_a_half_file(tmp_path):
    target = tmp_path / "x_restored.png"
    photo.save(str(target), np.linspace(0, 1, 12 * 10).reshape(12, 10))
    assert Image.open(target).size == (10, 12) and os.listdir(tmp_path) == ["x_restored.png"]
    with pytest.raises(Exception):
        photo.save(str(tmp_path / "bad.png"), np.zeros((4, 4, 7)))   # 7 channels: refused
    assert os.listdir(tmp_path) == ["x_restored.png"]    # neither bad.png nor its .part


def test_a_library_call_restores_as_the_command_does(model_file, tmp_path, capsys):
    from nsr_tf.cli.restore import main
    image = np.random.default_rng(3).integers(0, 256, (40, 36), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "p.png")
    options = photo.Options(precision="float32")
    model = photo.prepare(str(model_file), options)
    assert model.channels == 1 and model.scale == 1 and "tiles 64 overlap 8" in model.summary
    result = photo.restore_file(str(tmp_path / "p.png"), model, options,
                                str(tmp_path / "lib.png"))
    assert result.outputs == [str(tmp_path / "lib.png")] and result.size == (36, 40)
    assert main([str(tmp_path / "p.png"), "--model", str(model_file), "--out",
                 str(tmp_path / "cli"), "--precision", "float32"]) == 0
    capsys.readouterr()
    assert (tmp_path / "lib.png").read_bytes() == (tmp_path / "cli" / "p_restored.png").read_bytes()
