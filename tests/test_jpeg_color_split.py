"""benchmarks/experiments/jpeg_color_split.py: JFIF's colour transform against Pillow's,
and the report's rows on two crops."""

import json
import os

import numpy as np
from PIL import Image

from tests.scripts import load_script

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_colour_transform_is_jfifs_as_pillow_computes_it():
    split = load_script("benchmarks/experiments/jpeg_color_split.py")
    rgb = np.asarray(Image.open(os.path.join(REPO, "tests", "assets", "cbsd68", "3096.png"))
                     .convert("RGB"))
    pillow = np.asarray(Image.fromarray(rgb).convert("YCbCr"), dtype=np.float64)
    ours = split.to_ycc(rgb / 255.0) * 255.0
    assert np.abs(ours - pillow).max() <= 1.0        # Pillow rounds to 8 bits
    np.testing.assert_allclose(split.from_ycc(split.to_ycc(rgb / 255.0)), rgb / 255.0,
                               atol=1e-12)


def test_the_report_splits_the_colour_models_gain_into_luma_and_chroma(tmp_path):
    split = load_script("benchmarks/experiments/jpeg_color_split.py")
    crops = tmp_path / "CBSD68"
    crops.mkdir()
    for name in ("3096.png", "167062.png"):
        Image.open(os.path.join(REPO, "tests", "assets", "cbsd68", name)).convert(
            "RGB").crop((0, 0, 96, 96)).save(crops / name)
    report = tmp_path / "split.md"
    assert split.main(["--data-root", str(tmp_path), "--markdown", str(report)]) == 0
    rows = json.loads((tmp_path / "split.json").read_text())["results"]
    # the colour model restores the colour the gray one cannot see (Cb, Cr), and both
    # restore the input's luma
    colour, gray = rows["jpeg-color"], rows["jpeg per channel"]
    assert colour["chroma_psnr"] > gray["chroma_psnr"] + 0.5
    assert min(colour["y_psnr"], gray["y_psnr"]) > rows["input"]["y_psnr"] + 0.3
    assert "| jpeg on Y + jpeg-color's chroma |" in report.read_text()
