"""Gate maps (paper Fig. 6)."""

import os

import numpy as np
from PIL import Image

from nsr_tf import build_model
from nsr_tf.cli.visualize import colorize, gate_maps, main, render, sparse_layers


def test_maps_follow_the_image_and_are_rendered(testsets, tmp_path):
    model = build_model("denoise", "sparse+", num_blocks=2)
    layers = sparse_layers(model)
    assert [layer.name for layer in layers] == ["block0_conv2", "block1_conv2"]
    first = np.asarray(Image.open(os.path.join(testsets, "Set12", "01.png"))) / 255.0
    second = np.asarray(Image.open(os.path.join(testsets, "Set12", "02.png"))) / 255.0
    maps_a = gate_maps(model, first[:96, :128], layers, tile_size=32, stride=16)
    maps_b = gate_maps(model, second[:96, :128], layers, tile_size=32, stride=16)
    assert maps_a["block0_conv2"].shape == (5, 7, 2)
    np.testing.assert_allclose(maps_a["block0_conv2"].sum(-1), 1.0, atol=1e-5)
    assert not np.allclose(maps_a["block1_conv2"], maps_b["block1_conv2"])
    # the maps vary over one image too
    assert maps_a["block0_conv2"][..., 0].std() > 0
    out = render(first[:96, :128], maps_a, tmp_path / "gates.png")
    with Image.open(out) as picture:
        assert picture.size[0] > 3 * 200 and picture.mode == "RGB"


def test_colours():
    blue, yellow = colorize(np.array([[[1.0, 0.0], [0.0, 1.0]]]))[0]
    assert blue[2] > blue[0] and yellow[0] > yellow[2]            # the paper's blue/yellow
    assert colorize(np.full((2, 2, 5), 0.2)).shape == (2, 2, 3)


def test_command(tmp_path, testsets):
    model = build_model("denoise", "sparse-", num_blocks=1)
    model.save(tmp_path / "m.keras")
    assert main(["--model", str(tmp_path / "m.keras"), "--image",
                 os.path.join(testsets, "Set12", "03.png"), "--out",
                 str(tmp_path / "g.png"), "--stride", "64"]) == 0
    assert (tmp_path / "g.png").exists()
    assert main(["--model", str(tmp_path / "m.keras"), "--image", "missing.png"]) == 1
