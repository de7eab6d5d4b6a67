"""Training images unlike BSD photographs, made here: graphics (line art, flat-colour
drawings, text as screenshots show it) rendered with Pillow, and saturated-colour
versions of photographs.

Why synthesise: the public collections that hold such images as plain files either carry
no licence (4r6h/wallpapers-random has none) or hold a handful (elementary/wallpapers:
9 photos at its newest commit); DIV2K / Flickr2K / Manga109 are research-only archives.
Rendered images are ours to train on and rebuild bit for bit from a seed
(``docs/training_data.md`` lists their SHA-256; ``nsr_tf.data.sources.check_manifest``
checks a folder against it).

Every drawing is rendered at ``SUPERSAMPLE`` times its size and reduced with a box filter,
so edges are anti-aliased as a renderer or a screenshot at a fractional scale draws them:
clean targets whose edges are not the staircase a 1x rasteriser would leave.
"""

import colorsys
import glob
import os

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from nsr_tf.errors import NsrError

SUPERSAMPLE = 4
GRAPHICS_SIZE = (480, 320)      # as the BSD photos (481x321), landscape
FONT_DIR = "/usr/share/fonts/truetype/dejavu"   # Debian's fonts-dejavu-core
KINDS = ("line_art", "flat_colour", "text")
WORDS = ("the quick brown fox jumps over lazy dog sparse representation image restoration "
         "network kernel group softmax gate channel pixel tile export phone camera photo "
         "JPEG denoise upscale 0123456789 settings cancel OK file edit view help window "
         "menu search results page total price qty SKU 12.50 3,400 %").split()


class SyntheticDataError(NsrError, RuntimeError):
    """Synthetic images cannot be made (e.g. no fonts); the message says what to do."""


def fonts(folder=FONT_DIR):
    found = sorted(glob.glob(os.path.join(folder, "*.ttf")))
    if not found:
        raise SyntheticDataError(f"no TrueType fonts in {folder}: install Debian's "
                                 f"fonts-dejavu-core (apt-get install fonts-dejavu-core)")
    return found


def _colour(rng, saturated=True):
    """A random sRGB colour; saturated ones as graphics use them (HSV S and V high)."""
    hue = rng.uniform()
    sat = rng.uniform(0.6, 1.0) if saturated else rng.uniform(0.0, 0.3)
    val = rng.uniform(0.5, 1.0) if saturated else rng.uniform(0.05, 1.0)
    return tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(hue, sat, val))


def _point(rng, size):
    return (float(rng.uniform(0, size[0])), float(rng.uniform(0, size[1])))


def _line_art(rng, draw, size, font_files):
    """Black or dark strokes of varied width on paper: curves, polylines, hatching, as
    comics and diagrams draw them."""
    dark = int(rng.integers(0, 60))
    ink = (dark,) * 3 if rng.uniform() < 0.7 else _colour(rng)
    for _ in range(rng.integers(15, 40)):
        width = int(rng.integers(1, 6) * SUPERSAMPLE * rng.uniform(0.3, 1.0)) or 1
        shape = rng.integers(4)
        if shape == 0:
            draw.line([_point(rng, size) for _ in range(rng.integers(2, 6))], fill=ink,
                      width=width, joint="curve")
        elif shape == 1:
            box = sorted(rng.uniform(0, size[0], 2)), sorted(rng.uniform(0, size[1], 2))
            draw.ellipse([box[0][0], box[1][0], box[0][1], box[1][1]], outline=ink,
                         width=width)
        elif shape == 2:   # hatching: parallel strokes
            x0, y0 = _point(rng, size)
            dx, dy = rng.uniform(-1, 1, 2) * size[0] / 6
            step = rng.uniform(3, 10) * SUPERSAMPLE
            for i in range(int(rng.integers(4, 14))):
                draw.line([(x0 + i * step, y0), (x0 + i * step + dx, y0 + dy)], fill=ink,
                          width=max(1, width // 2))
        else:
            centre = _point(rng, size)
            radius = rng.uniform(10, 80) * SUPERSAMPLE
            draw.arc([centre[0] - radius, centre[1] - radius, centre[0] + radius,
                      centre[1] + radius], float(rng.uniform(0, 360)),
                     float(rng.uniform(0, 360)), fill=ink, width=width)


def _flat_colour(rng, draw, size, font_files):
    """Overlapping flat, saturated shapes with outlines: illustrations, logos, charts."""
    for _ in range(rng.integers(8, 25)):
        fill = _colour(rng)
        outline = (0, 0, 0) if rng.uniform() < 0.5 else None
        width = int(rng.integers(1, 4) * SUPERSAMPLE)
        shape = rng.integers(3)
        x = sorted(rng.uniform(0, size[0], 2))
        y = sorted(rng.uniform(0, size[1], 2))
        if shape == 0:
            draw.rectangle([x[0], y[0], x[1], y[1]], fill=fill, outline=outline, width=width)
        elif shape == 1:
            draw.ellipse([x[0], y[0], x[1], y[1]], fill=fill, outline=outline, width=width)
        else:
            draw.polygon([_point(rng, size) for _ in range(rng.integers(3, 7))], fill=fill,
                         outline=outline, width=width)


def _text(rng, draw, size, font_files):
    """Lines of text in several fonts, sizes and colours, on panels: screenshots,
    documents, captions."""
    y = rng.uniform(0, 20) * SUPERSAMPLE
    while y < size[1]:
        points = int(rng.integers(9, 36)) * SUPERSAMPLE
        font = ImageFont.truetype(str(font_files[rng.integers(len(font_files))]), points)
        if rng.uniform() < 0.3:   # a panel behind the line, as a UI's bar or a highlight
            draw.rectangle([0, y, size[0], y + points * 1.3],
                           fill=_colour(rng, rng.uniform() < 0.5))
        ink = (0, 0, 0) if rng.uniform() < 0.5 else _colour(rng, rng.uniform() < 0.5)
        words = " ".join(WORDS[i] for i in rng.integers(len(WORDS), size=12))
        draw.text((rng.uniform(-40, 40) * SUPERSAMPLE, y), words, fill=ink, font=font)
        y += points * rng.uniform(1.2, 2.0)


PAINTERS = {"line_art": _line_art, "flat_colour": _flat_colour, "text": _text}


def graphic(kind, seed, size=GRAPHICS_SIZE, font_files=None):
    """One synthetic RGB image (PIL) of ``kind``, the same for the same seed."""
    if kind not in PAINTERS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    font_files = font_files or fonts()
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    big = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
    background = (_colour(rng, saturated=False) if kind != "flat_colour" or rng.uniform() < 0.5
                  else _colour(rng))
    if kind == "line_art" or (kind == "text" and rng.uniform() < 0.6):
        background = tuple(int(v) for v in rng.integers(235, 256, 3))   # paper, page
    image = Image.new("RGB", big, background)
    PAINTERS[kind](rng, ImageDraw.Draw(image), big, font_files)
    return image.reduce(SUPERSAMPLE)     # box filter: anti-aliased edges


def saturate(image, seed):
    """A photo with its colours pushed as phones and saturated-colour test sets show them:
    saturation x1.6-2.4 and a hue rotation, deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    boosted = ImageEnhance.Color(image.convert("RGB")).enhance(float(rng.uniform(1.6, 2.4)))
    hsv = np.asarray(boosted.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + int(rng.integers(256))) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


def save_png(image, path):
    """PNG, written to a temporary name and renamed: no half file after a crash."""
    tmp = path + ".part"
    image.save(tmp, format="PNG")
    os.replace(tmp, path)


def write_graphics(folder, count, seed=0, progress=None):
    """``count`` graphics (the kinds in turn) as PNG in ``folder``; files already there
    are kept (a rerun finishes an interrupted one). Returns the paths."""
    os.makedirs(folder, exist_ok=True)
    font_files = fonts()
    paths = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        path = os.path.join(folder, f"{kind}_{index:04d}.png")
        if not os.path.exists(path):
            save_png(graphic(kind, seed * 100003 + index, font_files=font_files), path)
        paths.append(path)
        if progress:
            progress(1)
    return paths


def write_saturated(sources, folder, seed=0, progress=None):
    """A saturated, hue-rotated PNG in ``folder`` for each source photo (same stem)."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for index, source in enumerate(sorted(sources)):
        stem = os.path.splitext(os.path.basename(source))[0]
        path = os.path.join(folder, f"{stem}_saturated.png")
        if not os.path.exists(path):
            with Image.open(source) as photo:
                save_png(saturate(photo, seed * 100003 + index), path)
        paths.append(path)
        if progress:
            progress(1)
    return paths


def main(argv=None):
    """python -m nsr_tf.data.synthetic: writes the synthetic training sets."""
    import argparse
    import sys

    from tqdm import tqdm

    p = argparse.ArgumentParser(
        prog="python -m nsr_tf.data.synthetic",
        description="Write the synthetic training images of docs/training_data.md: "
                    "graphics (line art, flat colour, text) and saturated versions of a "
                    "folder of photos. Rerunning keeps the files already written.")
    p.add_argument("--out", required=True, help="folder to write into (outside the repo)")
    p.add_argument("--graphics", type=int, default=0, metavar="N",
                   help="N graphics, the three kinds in turn")
    p.add_argument("--saturated-from", metavar="FOLDER",
                   help="write a saturated, hue-rotated PNG of every photo in FOLDER")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", metavar="MANIFEST",
                   help="then check --out against a manifest (docs/training_data/*.sha256): "
                        "exit 1 and say what differs")
    args = p.parse_args(argv)
    try:
        if args.graphics:
            with tqdm(total=args.graphics, desc="graphics", unit="img") as bar:
                write_graphics(args.out, args.graphics, args.seed, bar.update)
        if args.saturated_from:
            from nsr_tf.data.images import list_images
            sources = list_images(args.saturated_from)
            with tqdm(total=len(sources), desc="saturated", unit="img") as bar:
                write_saturated(sources, args.out, args.seed, bar.update)
        if args.check:
            from nsr_tf.data.sources import check_manifest
            count = check_manifest(args.out, args.check)
            print(f"{args.out}: the {count} images of {args.check}, byte for byte")
    except NsrError as error:
        print(f"nsr_tf.data.synthetic: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
