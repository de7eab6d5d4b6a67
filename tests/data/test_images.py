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


def _portrait_jpeg(path, orientation=6, icc=None, make="nsr-tf test camera"):
    """A landscape-stored JPEG with Pillow's EXIF writer: orientation 6 means 'rotate 90
    degrees clockwise to display', as phones write portrait shots."""
    y, x = np.mgrid[0:20, 0:30]
    stored = np.stack([x * 8, y * 12, np.full_like(x, 128)], -1).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = make
    extra = {"icc_profile": icc} if icc else {}
    Image.fromarray(stored).save(path, quality=100, subsampling=0, exif=exif.tobytes(),
                                 **extra)
    return stored


def test_a_portrait_phone_jpeg_is_read_upright(tmp_path):
    stored = _portrait_jpeg(tmp_path / "portrait.jpg")
    image = read_image(tmp_path / "portrait.jpg")
    assert image.shape == (30, 20, 3)                        # upright: taller than wide
    upright = np.rot90(stored, -1) / 255.0                   # clockwise
    np.testing.assert_allclose(image, upright, atol=0.03)


def test_the_metadata_to_carry_drops_only_the_orientation(tmp_path):
    from PIL import ImageCms

    from nsr_tf.data.images import read_metadata
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    _portrait_jpeg(tmp_path / "p.jpg", icc=icc)
    meta = read_metadata(tmp_path / "p.jpg")
    assert meta["icc_profile"] == icc
    exif = Image.Exif()
    exif.load(meta["exif"])
    assert 0x0112 not in exif and exif[0x010F] == "nsr-tf test camera"
    assert read_metadata(tmp_path / "missing.png") == {}


def test_webp_is_read(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (12, 17, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "x.webp", lossless=True)
    assert list_images(tmp_path) == [str(tmp_path / "x.webp")]
    np.testing.assert_array_equal(np.round(read_image(tmp_path / "x.webp") * 255), pixels)


def bomb_png(path, side=60000):
    """A PNG whose header claims side x side pixels (3.6 G for 60000): Pillow refuses it
    as a decompression bomb before decoding anything."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_one_bad_file_among_others(tmp_path):
    bomb_png(tmp_path / "bomb.png")
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "fine.png")
    with pytest.raises(BadImageError, match="bomb.png: refused, too many pixels"):
        read_image(tmp_path / "bomb.png")
    images, problems = load_images(list_images(tmp_path), 1)
    assert list(images) == [str(tmp_path / "fine.png")]
    assert len(problems) == 1 and "bomb.png" in problems[0]
