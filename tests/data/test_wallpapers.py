"""nsr_tf.data.wallpapers: Debian's wallpapers as clean training tiles."""

import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from nsr_tf.data import wallpapers
from nsr_tf.data.sources import write_manifest


@pytest.mark.parametrize("size, factor", [((5120, 2880), 4), ((2560, 1600), 2),
                                          ((1365, 1074), 2), ((4352, 2448), 3),
                                          ((6028, 3391), 4), ((2056, 3088), 2)])
def test_the_reduction_is_the_smallest_factor_of_two_or_more_under_the_limit(size, factor):
    assert wallpapers.reduction(size) == factor
    assert max(size) / factor <= wallpapers.MAX_SIDE
    assert factor == 2 or max(size) / (factor - 1) > wallpapers.MAX_SIDE


@pytest.mark.parametrize("size, grid", [((1280, 720), (3, 2)), ((1280, 800), (3, 3)),
                                        ((682, 537), (1, 2)), ((300, 200), (1, 1))])
def test_tiles_are_a_grid_of_about_the_bsd_size_inside_the_image(size, grid):
    boxes = wallpapers.tile_boxes(size)
    assert len(boxes) == grid[0] * grid[1]
    widths = {right - left for left, _, right, _ in boxes}
    heights = {bottom - top for _, top, _, bottom in boxes}
    assert widths == {size[0] // grid[0]} and heights == {size[1] // grid[1]}
    covered = np.zeros(size[::-1], int)
    for left, top, right, bottom in boxes:
        covered[top:bottom, left:right] += 1
    assert covered.max() == 1                                   # no pixel twice
    assert covered.sum() > 0.99 * size[0] * size[1] - grid[0] * size[1] - grid[1] * size[0]


def test_a_tile_is_the_box_filtered_wallpaper():
    rng = np.random.default_rng(0)
    full = rng.integers(0, 256, (1290, 1940, 3), dtype=np.uint8)    # (H, W): factor 2
    tiles = wallpapers.training_tiles(Image.fromarray(full))
    assert len(tiles) == 2 * 2                   # 970x645 -> 2 columns, 2 rows of 485x322
    blocks = full.astype(np.float64).reshape(645, 2, 970, 2, 3).mean(axis=(1, 3))
    first = np.asarray(tiles[0], np.float64)
    assert first.shape == (322, 485, 3)
    assert np.abs(first - blocks[:322, :485]).max() <= 0.5 + 1e-9     # rounded mean
    last = np.asarray(tiles[3], np.float64)
    assert np.abs(last - blocks[322:644, 485:970]).max() <= 0.5 + 1e-9


def test_transparent_images_are_refused_and_opaque_alpha_is_dropped():
    clear = Image.new("RGBA", (800, 600), (10, 20, 30, 0))
    with pytest.raises(wallpapers.WallpaperError, match="transparency"):
        wallpapers.training_tiles(clear)
    opaque = Image.new("RGBA", (800, 600), (10, 20, 30, 255))
    assert wallpapers.training_tiles(opaque)[0].mode == "RGB"


def test_the_list_is_well_formed():
    stems = [f"{package}_{wallpapers.name_of(path)}" for package, path, _, _
             in wallpapers.WALLPAPERS]
    assert len(stems) == len(set(stems))            # no two wallpapers write the same tiles
    for package, path, kind, licence in wallpapers.WALLPAPERS:
        assert package in wallpapers.PACKAGES and kind in wallpapers.KINDS and licence
        assert path.startswith("usr/share/") and not path.startswith("/")
    assert wallpapers.name_of("usr/share/wallpapers/Kay/contents/images_dark/1.png") == \
        "Kay-dark"


def test_a_missing_deb_names_the_apt_command_and_the_other_version(tmp_path):
    with pytest.raises(wallpapers.WallpaperError) as missing:
        wallpapers.deb_files(str(tmp_path), ["plasma-workspace-wallpapers"])
    assert "apt-get download plasma-workspace-wallpapers=4:5.27.5-2" in str(missing.value)
    (tmp_path / "mate-backgrounds_1.24.0-1_all.deb").write_bytes(b"")
    with pytest.raises(wallpapers.WallpaperError,
                       match="1.24.0-1_all.deb is another version.*mate-backgrounds=1.26.0-1"):
        wallpapers.deb_files(str(tmp_path), ["mate-backgrounds"])


def _fake_deb(folder, package, version, images):
    root = folder / "root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: test <test@invalid>\nDescription: test\n")
    for path, image in images.items():
        (root / os.path.dirname(path)).mkdir(parents=True, exist_ok=True)
        image.save(root / path)
    deb = folder / "debs" / f"{package}_{version}_all.deb"
    deb.parent.mkdir()
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)],
                   check=True, capture_output=True)
    return deb.parent


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs Debian's dpkg-deb")
def test_tiles_come_from_the_deb_once_and_a_rerun_keeps_them(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    photo = Image.fromarray(rng.integers(0, 256, (1000, 1500, 3), dtype=np.uint8))
    art = Image.fromarray(rng.integers(0, 256, (700, 1000, 3), dtype=np.uint8))
    debs = _fake_deb(tmp_path, "fake-wallpapers", "1.0-1",
                     {"usr/share/backgrounds/a.png": photo, "usr/share/backgrounds/b.png": art})
    monkeypatch.setitem(wallpapers.PACKAGES, "fake-wallpapers", "1.0-1")
    entries = (("fake-wallpapers", "usr/share/backgrounds/a.png", "photo", "CC0-1.0"),
               ("fake-wallpapers", "usr/share/backgrounds/b.png", "art", "CC0-1.0"))
    out = tmp_path / "out"
    paths = wallpapers.write_wallpapers(str(debs), str(out), "photo", entries)
    assert len(paths) == 2 * 2                          # 750x500 -> 2 x 2 tiles of 375x250
    assert sorted(os.listdir(out)) == [f"fake-wallpapers_a_0{i}.png" for i in range(4)]
    assert Image.open(paths[0]).size == (375, 250)
    manifest = tmp_path / "photos.sha256"
    write_manifest(str(out), str(manifest))
    Image.new("RGB", (4, 4)).save(paths[1])                # a rerun keeps what is there
    wallpapers.write_wallpapers(str(debs), str(out), "photo", entries)
    assert Image.open(paths[1]).size == (4, 4)
    assert not [p for p in out.iterdir() if p.suffix == ".part"]

    monkeypatch.setattr(wallpapers, "WALLPAPERS", entries)
    again = tmp_path / "again"
    assert wallpapers.main(["--debs", str(debs), "--out", str(again), "--kind", "photo",
                            "--check", str(manifest)]) == 0      # the same bytes again
    assert wallpapers.main(["--debs", str(debs), "--out", str(out), "--kind", "photo",
                            "--check", str(manifest)]) == 1      # the changed tile


def test_the_command_line_says_what_is_wrong_in_one_line(tmp_path, capsys):
    assert wallpapers.main(["--debs", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "apt-get download" in err
    assert wallpapers.main(["--packages"]) == 0
    assert "plasma-workspace-wallpapers=4:5.27.5-2" in capsys.readouterr().out.split()


def test_the_card_names_the_wallpaper_folders_a_run_trained_on():
    assert wallpapers.card_phrase(["/d/CBSD432-clean", "/d/graphics"]) == ""
    photos = wallpapers.card_phrase(["/d/CBSD432-clean", "/d/wallpaper-photos/"])
    assert photos.startswith("36 high-resolution photographs from Debian")
    assert "artworks" not in photos and "`wallpaper-photos`" in photos
    both = wallpapers.card_phrase(["/d/wallpaper-art", "/d/wallpaper-photos"])
    assert both.startswith("36 high-resolution photographs and 46 artworks from")
