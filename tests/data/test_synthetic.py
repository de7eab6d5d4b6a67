"""nsr_tf.data.synthetic: graphics and saturated photos for training, rebuilt from a seed."""

import numpy as np
from PIL import Image

from nsr_tf.data import synthetic
from nsr_tf.files import sha256_file


def test_graphics_are_the_same_for_the_same_seed_and_differ_by_kind(tmp_path):
    first = synthetic.write_graphics(str(tmp_path / "a"), 6, seed=3)
    again = synthetic.write_graphics(str(tmp_path / "b"), 6, seed=3)
    assert [sha256_file(p) for p in first] == [sha256_file(p) for p in again]
    other = synthetic.write_graphics(str(tmp_path / "c"), 6, seed=4)
    assert sha256_file(first[0]) != sha256_file(other[0])
    images = [np.asarray(Image.open(p)) for p in first[:3]]
    assert all(image.shape == (320, 480, 3) for image in images)
    line_art, flat, text = images
    # line art: paper with dark strokes, anti-aliased (values between ink and paper)
    assert np.median(line_art) > 200 and line_art.min() < 80
    assert len(np.unique(line_art)) > 20
    # flat colour: few colours cover most of the picture, and they are saturated
    hsv = np.asarray(Image.fromarray(flat).convert("HSV"))
    assert np.mean(hsv[..., 1] > 150) > 0.3
    # text: glyph edges make many horizontal transitions
    gray = text.mean(axis=-1)
    assert np.mean(np.abs(np.diff(gray, axis=1)) > 60) > 0.01


def test_a_rerun_keeps_what_is_there(tmp_path):
    paths = synthetic.write_graphics(str(tmp_path), 3)
    Image.new("RGB", (4, 4)).save(paths[1])          # the user's file stays
    synthetic.write_graphics(str(tmp_path), 3)
    assert Image.open(paths[1]).size == (4, 4)
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".part"]


def test_saturated_photos_push_colour_and_keep_the_luminance_structure(tmp_path, testsets):
    source = str(testsets / "Set5" / "baby_GT.png") if hasattr(testsets, "__truediv__") \
        else f"{testsets}/Set5/baby_GT.png"
    (out,) = synthetic.write_saturated([source], str(tmp_path), seed=1)
    before = np.asarray(Image.open(source).convert("HSV"), np.float64)
    after = np.asarray(Image.open(out).convert("HSV"), np.float64)
    assert after[..., 1].mean() > 1.3 * before[..., 1].mean()
    luma = [np.asarray(Image.open(p).convert("L"), np.float64).ravel() for p in (source, out)]
    assert np.corrcoef(*luma)[0, 1] > 0.8
