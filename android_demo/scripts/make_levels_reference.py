"""Writes Python's noise and JPEG-quality estimates for the Java twins' JUnit test.

    python android_demo/scripts/make_levels_reference.py OUT_DIR

OUT_DIR/levels_reference.txt lists: sigma cases (an image and
``nsr_tf.estimation.estimate_sigma`` of it, i.e. scikit-image's, ``estimate_noise_rms``,
the binned one, and ``estimate_flat_rms``, the flat-patch one), then files (JPEGs
written here by Pillow at several qualities, one with a non-IJG table, and a PNG) with
``nsr_tf.estimation.jpeg_quality`` of each. OUT_DIR/grid_reference.txt: images (8-bit
pixels) with ``grid_zero_fractions`` and ``jpeg_grid`` of each: never compressed, JPEG'd
and decoded, cropped after, gray, too small. LevelsTest reads the same inputs.
"""

import io
import os
import sys

import numpy as np
from PIL import Image

from nsr_tf.estimation import (estimate_flat_rms, estimate_noise_rms, estimate_sigma,
                               grid_zero_fractions, jpeg_grid, jpeg_quality)


def _jpeg_decoded(pixels, quality):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())))


def write_grid_reference(path, rng):
    yy, xx = np.mgrid[0:150, 0:163] / 100.0
    scene = np.stack([0.3 + 0.4 * np.sin(6 * xx) * np.cos(4 * yy), 0.5 + 0.3 * xx * yy,
                      0.4 + 0.2 * np.sin(15 * xx * yy)], -1)
    clean = np.round(np.clip(scene + rng.normal(0, 3 / 255, scene.shape), 0, 1) * 255
                     ).astype(np.uint8)
    decoded = _jpeg_decoded(clean, 90)
    gray = _jpeg_decoded(np.ascontiguousarray(clean[..., 1]), 80)[..., None]
    cases = [clean, decoded, np.ascontiguousarray(decoded[3:, 5:]), gray,
             np.ascontiguousarray(decoded[:127])]
    with open(path, "w") as out:
        out.write(f"{len(cases)}\n")
        for pixels in cases:
            h, w, c = pixels.shape
            image = (pixels / np.float32(255)).astype(np.float32)
            fractions = grid_zero_fractions(image[..., 0] if c == 1 else image)
            grid = jpeg_grid(image[..., 0] if c == 1 else image)
            out.write(f"{h} {w} {c} {grid[0] if grid else -1} {grid[1] if grid else -1}\n")
            out.write(("-1" if fractions is None else
                       " ".join(repr(float(v)) for v in fractions.ravel())) + "\n")
            out.write(" ".join(str(int(v)) for v in pixels.ravel()) + "\n")


def main(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:37, 0:50]
    smooth = 0.5 + 0.3 * np.sin(yy / 5.0)[..., None] * np.cos(xx / 7.0)[..., None]
    sigma_cases = [(smooth + rng.normal(0, s / 255, smooth.shape)).astype(np.float32)
                   for s in (5, 15, 25, 50)]
    sigma_cases.append(rng.uniform(0, 1, (21, 18, 3)).astype(np.float32))   # RGB, odd sizes
    sigma_cases.append(np.full((16, 16, 1), 0.5, np.float32))               # no detail: 0
    # big enough for the flat-patch estimator (64+ patches), with a blown-out corner and
    # odd edges its patches leave off
    yy, xx = np.mgrid[0:90, 0:101] / 100.0
    ramp = np.stack([0.2 + 0.6 * xx, 0.7 - 0.4 * yy, 0.5 + 0.2 * np.sin(20 * xx * yy)], -1)
    wide = np.clip(ramp + rng.normal(0, 6 / 255, ramp.shape), 0, 1).astype(np.float32)
    wide[:30, :41] = 1.0
    sigma_cases += [wide, np.ascontiguousarray(wide[..., 1:2])]
    files = []
    picture = Image.fromarray(np.round(np.clip(smooth[..., 0] + rng.normal(
        0, 0.05, smooth.shape[:2]), 0, 1) * 255).astype(np.uint8))
    for quality in (5, 10, 37, 50, 75, 95, 100):
        name = f"q{quality}.jpg"
        picture.save(os.path.join(folder, name), quality=quality)
        files.append(name)
    custom = [list(range(1, 65)), [99] * 64]     # not an IJG table: the nearest one
    picture.convert("RGB").save(os.path.join(folder, "custom.jpg"), qtables=custom)
    picture.save(os.path.join(folder, "plain.png"))
    files += ["custom.jpg", "plain.png"]
    with open(os.path.join(folder, "levels_reference.txt"), "w") as out:
        out.write(f"{len(sigma_cases)}\n")
        for image in sigma_cases:
            h, w, c = image.shape
            plane = image if c > 1 else image[..., 0]
            out.write(f"{h} {w} {c} {estimate_sigma(plane)!r} {estimate_noise_rms(plane)!r} "
                      f"{estimate_flat_rms(plane)!r}\n")
            out.write(" ".join(repr(float(v)) for v in image.ravel()) + "\n")
        out.write(f"{len(files)}\n")
        for name in files:
            read = jpeg_quality(os.path.join(folder, name))
            out.write(f"{name} {read[0] if read else -1} {int(read[1]) if read else -1}\n")
    write_grid_reference(os.path.join(folder, "grid_reference.txt"), rng)
    # EXIF orientation: every value, big- and little-endian TIFF, none, and a PNG
    oriented = []
    for value in range(1, 9):
        exif = Image.Exif()
        exif[0x010F] = "camera"
        exif[0x0112] = value
        name = f"orientation{value}.jpg"
        picture.save(os.path.join(folder, name), exif=exif.tobytes())
        oriented.append(name)
    # Pillow writes big-endian ('MM') TIFF; phones often little-endian ('II'): one IFD0
    # entry, orientation (SHORT) 6
    tiff = b"II\x2a\x00\x08\x00\x00\x00" + b"\x01\x00" + b"\x12\x01\x03\x00" \
        + b"\x01\x00\x00\x00" + b"\x06\x00\x00\x00" + b"\x00\x00\x00\x00"
    picture.save(os.path.join(folder, "orientation_little_endian.jpg"),
                 exif=b"Exif\x00\x00" + tiff)
    oriented += ["orientation_little_endian.jpg", "q75.jpg", "plain.png"]
    with open(os.path.join(folder, "orientation_reference.txt"), "w") as out:
        out.write(f"{len(oriented)}\n")
        for name in oriented:
            with Image.open(os.path.join(folder, name)) as image:
                out.write(f"{name} {image.getexif().get(0x0112, 1)}\n")


if __name__ == "__main__":
    main(sys.argv[1])
