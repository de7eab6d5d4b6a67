import numpy as np
import pytest
from PIL import Image

from nsr_tf.data.images import BadImageError, list_images, load_images, read_image


def test_reads_gray_rgb_rgba_16bit_bmp_and_jpeg(tmp_path):
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (9, 7), dtype=np.uint8)
    rgb = rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (9, 7, 4), dtype=np.uint8)
    deep = rng.integers(0, 65536, (9, 7), dtype=np.uint16)
    Image.fromarray(gray).save(tmp_path / "g.png")
    Image.fromarray(rgb).save(tmp_path / "c.bmp")
    Image.fromarray(rgba).save(tmp_path / "a.png")
    Image.fromarray(deep).save(tmp_path / "d.png")
    Image.fromarray(rgb).save(tmp_path / "j.jpg", quality=95)
    np.testing.assert_allclose(read_image(tmp_path / "g.png")[..., 0], gray / 255.0, atol=1e-7)
    np.testing.assert_allclose(read_image(tmp_path / "c.bmp"), rgb / 255.0, atol=1e-7)
    np.testing.assert_allclose(read_image(tmp_path / "a.png"), rgba[..., :3] / 255.0, atol=1e-7)
    np.testing.assert_allclose(read_image(tmp_path / "a.png", keep_alpha=True)[..., 3],
                               rgba[..., 3] / 255.0, atol=1e-7)
    np.testing.assert_allclose(read_image(tmp_path / "d.png")[..., 0], deep / 65535.0,
                               atol=1e-7)
    assert read_image(tmp_path / "j.jpg").shape == (9, 7, 3)
    luma = read_image(tmp_path / "c.bmp", channels=1)[..., 0]
    np.testing.assert_allclose(luma, rgb @ np.array([0.299, 0.587, 0.114]) / 255.0, atol=1e-6)
    assert read_image(tmp_path / "g.png", channels=3).shape == (9, 7, 3)


def test_bad_files_are_reported_with_their_names(tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "good.png")
    data = (tmp_path / "good.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[:len(data) // 2])
    Image.fromarray(np.zeros((10, 40), np.uint8)).save(tmp_path / "small.png")
    with pytest.raises(BadImageError, match="notes.png"):
        read_image(tmp_path / "notes.png")
    images, problems = load_images(list_images(tmp_path), channels=1, min_size=32)
    assert [p.split("/")[-1] for p in images] == ["good.png"]
    assert len(problems) == 3
    assert any("notes.png" in p for p in problems)
    assert any("truncated.png" in p for p in problems)
    assert any("small.png" in p and "smaller than the 32x32 patch" in p for p in problems)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(BadImageError, match="no image files"):
        list_images(tmp_path)
    with pytest.raises(BadImageError, match="no such folder"):
        list_images(tmp_path / "missing")
