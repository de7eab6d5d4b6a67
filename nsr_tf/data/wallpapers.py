"""High-resolution photographs and artwork from Debian's wallpaper packages, as training
images (issue 34: images unlike the BSD photographs, with their provenance).

Why these: every image here ships in Debian ``main`` with a free licence stated per file or
per package in the package's copyright file (``WALLPAPERS`` names it for each), the
packages are pinned to a version (``PACKAGES``), so the same bytes come back on any
machine with Debian's archive, and they are 1.3-6 k pixels wide: photographs taken well
above the 0.15-megapixel scale of the BSD images. The public GitHub collections looked at
before hold no licence or a handful of photos (``docs/training_data.md``).

How a wallpaper becomes training images: it is reduced by the smallest whole factor of at
least 2 that brings its longer side to ``MAX_SIDE`` or under, with a box filter (each
output pixel the mean of a factor x factor block: ``PIL.Image.reduce``). That averages away
the JPEG blocks and sensor noise of the full-size file, so what is left is a clean target
for denoising, JPEG removal and super-resolution. The reduced image is then cut into a grid
of tiles of about the BSD images' size (``TILE``), because the training pipeline draws the
same number of patches from every file: a 1280x800 photo counts as nine files, not one.

Only images whose copyright entry names them (or covers them with a pattern) are listed;
images with transparency, portrait crops of a listed landscape image and the smaller copies
of the same picture are left out.

Usage (the .deb files are Debian's, fetched by apt from the machine's own sources)::

    mkdir -p ~/data/debs && (cd ~/data/debs && apt-get download $(python -m \
        nsr_tf.data.wallpapers --packages))
    python -m nsr_tf.data.wallpapers --debs ~/data/debs --kind photo \
        --out ~/data/wallpaper-photos --check docs/training_data/wallpaper_photos.sha256
"""

import glob
import os
import subprocess
import tempfile

from PIL import Image

from nsr_tf.data.sources import DatasetUnavailableError
from nsr_tf.data.synthetic import save_png
from nsr_tf.errors import NsrError

MAX_SIDE = 1600
TILE = (480, 320)     # about the BSD photos' 481x321: one file's share of patches each
KINDS = ("photo", "art")

# Debian bookworm's versions; another version may hold other images (the --check says).
PACKAGES = {
    "gnome-backgrounds": "43.1-1",
    "lomiri-wallpapers-16.04": "20.04.0-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "mate-backgrounds": "1.26.0-1",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
    "ukui-wallpapers": "20.04.3-1.1",
}

_LOMIRI = "usr/share/backgrounds/"
_MATE = "usr/share/backgrounds/mate/"
_PLASMA = "usr/share/wallpapers/"
_UKUI = "usr/share/backgrounds/"


def _plasma(name, kind, image="2560x1600.jpg", folder="images"):
    return ("plasma-workspace-wallpapers", f"{_PLASMA}{name}/contents/{folder}/{image}", kind,
            "GPL-2+")


# (package, path inside it, kind, licence as the package's copyright file gives it)
WALLPAPERS = (
    ("gnome-backgrounds", "usr/share/backgrounds/gnome/adwaita-d.webp", "art", "CC-BY-SA-3.0"),
    ("gnome-backgrounds", "usr/share/backgrounds/gnome/adwaita-l.webp", "art", "CC-BY-SA-3.0"),
    *(("lomiri-wallpapers-16.04", _LOMIRI + name, kind, licence) for name, kind, licence in (
        ("Bridge_by_Sander_Klootwijk.jpg", "photo", "CC-BY-SA-4.0"),
        ("Dragonfly_by_Bolly.jpg", "photo", "CC-BY-SA-4.0"),
        ("Picture_0B_by_freespace.jpg", "photo", "CC-BY-4.0"),
        ("Picture_1A_by_freespace.jpg", "photo", "CC-BY-4.0"),
        ("Wine_by_Jakkub_Mede.jpg", "photo", "CC-BY-4.0"),
        ("aitzgorri_by_Aitzol_Berasategi.jpg", "photo", "CC-BY-4.0"),
        ("analogpattern_by_Peter_Nerlich.jpg", "photo", "CC-BY-SA-4.0"),
        ("free_by_Peter_Nerlich.jpg", "photo", "CC-BY-SA-4.0"),
        ("friends_by_Aitzol_Berasategi.jpg", "photo", "CC-BY-4.0"),
        ("greentock_by_Peter_Nerlich.jpg", "photo", "CC-BY-SA-4.0"),
        ("life_by_Aitzol_Berasategi.jpg", "photo", "CC-BY-4.0"),
        ("picosdeeuropa_by_Aitzol_Berasategi.jpg", "photo", "CC-BY-4.0"),
        ("seeding_by_Clements_Engelhardt.jpg", "photo", "CC0-1.0"),
        ("sunset_by_Aitzol_Berasategi.jpg", "photo", "CC-BY-4.0"),
        ("umang_by_Abhishek_Mudgal.jpg", "art", "CC-BY-4.0"))),
    *(("lomiri-wallpapers-20.04", _LOMIRI + name, kind, "CC-BY-SA-3.0") for name, kind in (
        ("Fossa_by_Jasper_Roks.jpg", "art"),
        ("Infinite-Sea_by_Aury88.jpg", "photo"),
        ("Kleiber_by_Lukas_Baubkus.jpg", "photo"),
        ("Painting-Colors_by__herobrine7gamer.jpg", "art"))),
    *(("mate-backgrounds", _MATE + name, kind, licence) for name, kind, licence in (
        ("abstract/Elephants.jpg", "art", "GPL-2+"),
        ("desktop/Float-into-MATE.png", "art", "GPL-2+"),
        ("desktop/GreenTraditional.jpg", "art", "GPL-2+"),
        ("desktop/Ubuntu-Mate-Cold-no-logo.png", "art", "CC-BY-SA-4.0"),
        ("desktop/Ubuntu-Mate-Dark-no-logo.png", "art", "CC-BY-SA-4.0"),
        ("desktop/Ubuntu-Mate-Radioactive-no-logo.png", "art", "CC-BY-SA-4.0"),
        ("desktop/Ubuntu-Mate-Warm-no-logo.png", "art", "CC-BY-SA-4.0"),
        ("nature/Aqua.jpg", "photo", "GPL-2+"),
        ("nature/Blinds.jpg", "photo", "GPL-2+"),
        ("nature/Dune.jpg", "photo", "GPL-2+"),
        ("nature/FreshFlower.jpg", "photo", "GPL-2+"),
        ("nature/GreenMeadow.jpg", "photo", "GPL-2+"),
        ("nature/RainDrops.jpg", "photo", "GPL-2+"),
        ("nature/Storm.jpg", "photo", "GPL-2+"),
        ("nature/TwoWings.jpg", "photo", "GPL-2+"),
        ("nature/Wood.jpg", "photo", "GPL-2+"))),
    *(_plasma(name, "photo") for name in (
        "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
        "Grey", "Kite", "OneStandsOut", "Path", "summer_1am")),
    *(_plasma(name, "art") for name in ("Autumn",)),
    *(_plasma(name, "art", "3840x2160.png") for name in (
        "Canopee", "Cascade", "Cluster", "Kokkini", "Opal")),
    *(_plasma(name, "art", "5120x2880.png") for name in (
        "Altai", "IceCold", "Kay", "MilkyWay", "Patak")),
    *(_plasma(name, "art", "5120x2880.jpg") for name in (
        "Flow", "Honeywave", "SafeLanding", "Shell", "Volna")),
    _plasma("Elarun", "art", "2560x1600.png"),
    _plasma("FlyingKonqui", "art", "2560x1600.png"),
    _plasma("PastelHills", "art", "3200x2000.jpg"),
    _plasma("Flow", "art", "5120x2880.jpg", "images_dark"),
    _plasma("Kay", "art", "5120x2880.png", "images_dark"),
    _plasma("Patak", "art", "3840x2160.png", "images_dark"),
    *(("ukui-wallpapers", _UKUI + name, "art", "CC-BY-SA-3.0") for name in (
        "2004default.jpg", "calla.png", "city.png", "desert.png", "firstgeneration.jpg",
        "fluent-color.png", "focal-ubuntukylin.png", "goldfish.png", "rhythm.jpg",
        "rollpaper.png", "string.jpg", "the-mouse.jpg")),
)


class WallpaperError(NsrError, RuntimeError):
    """A .deb is missing or cannot be unpacked; the message says which and what to run."""


def name_of(path):
    """The stem the tiles of ``path`` are named by: the wallpaper's folder for Plasma's
    packages (``Kay``, ``Kay-dark``), the file's stem otherwise."""
    parts = path.split("/")
    if "contents" in parts:
        name = parts[parts.index("contents") - 1]
        return name + ("-dark" if "images_dark" in parts else "")
    return os.path.splitext(parts[-1])[0]


def of_kind(kind, entries=None):
    """The entries of ``entries`` (WALLPAPERS unless given) that are of ``kind``."""
    return [entry for entry in (WALLPAPERS if entries is None else entries)
            if entry[2] == kind]


def reduction(size):
    """The box-filter factor for an image of ``size``: the smallest whole number of at
    least 2 that brings the longer side to MAX_SIDE or under."""
    factor = 2
    while max(size) / factor > MAX_SIDE:
        factor += 1
    return factor


def tile_boxes(size, tile=TILE):
    """(left, top, right, bottom) of a grid of tiles of about ``tile`` over ``size``: as
    many columns and rows as the tile size fits to the nearest whole number (at least
    one), the remainder (under one column or row of pixels per tile) left at the edges."""
    columns = max(1, int(size[0] / tile[0] + 0.5))
    rows = max(1, int(size[1] / tile[1] + 0.5))
    width, height = size[0] // columns, size[1] // rows
    return [(c * width, r * height, (c + 1) * width, (r + 1) * height)
            for r in range(rows) for c in range(columns)]


def training_tiles(image):
    """The reduced RGB tiles one wallpaper gives, row by row."""
    if image.mode in ("RGBA", "LA", "PA") and image.getchannel("A").getextrema()[0] < 250:
        raise WallpaperError("an image with transparency is no training target")
    reduced = image.convert("RGB").reduce(reduction(image.size))
    return [reduced.crop(box) for box in tile_boxes(reduced.size)]


def deb_files(folder, packages):
    """{package: path of its .deb at the pinned version in ``folder``}, or one error line
    naming every one missing (and any other version there) and the apt-get command."""
    found, missing, others = {}, [], []
    for package in packages:
        version = PACKAGES[package]
        path = os.path.join(folder, f"{package}_{version.replace(':', '%3a')}_all.deb")
        if os.path.exists(path):
            found[package] = path
            continue
        missing.append(f"{package}={version}")
        others += sorted(os.path.basename(p) for p in glob.glob(
            os.path.join(folder, f"{package}_*.deb")))
    if missing:
        instead = f" ({', '.join(others)} is another version)" if others else ""
        raise WallpaperError(f"{len(missing)} of the pinned .deb files are not in {folder}"
                             f"{instead}: run (cd {folder} && apt-get download "
                             f"{' '.join(missing)})")
    return found


def _unpack(deb, folder):
    try:
        subprocess.run(["dpkg-deb", "-x", deb, folder], check=True, capture_output=True)
    except FileNotFoundError:
        raise WallpaperError("dpkg-deb is not installed (Debian's dpkg package): it unpacks "
                             f"{deb}") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip().splitlines()
        raise WallpaperError(f"{deb} does not unpack: "
                             f"{message[-1] if message else error}") from None


def write_wallpapers(debs, out, kind, entries=None, progress=None):
    """The tiles of every wallpaper of ``kind`` in ``entries`` as PNG in ``out``
    (``PACKAGE_NAME_NN.png``), unpacking each package's .deb from the folder ``debs`` once
    (seconds). Tiles already there are kept (a rerun finishes an interrupted one).
    Returns the paths. ``entries``: WALLPAPERS unless given."""
    if kind not in KINDS:
        raise WallpaperError(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    chosen = of_kind(kind, entries)
    packages = sorted({entry[0] for entry in chosen})
    debs_of = deb_files(debs, packages)                   # all of them there before any work
    os.makedirs(out, exist_ok=True)
    paths = []
    for package in packages:
        with tempfile.TemporaryDirectory(prefix="nsr-wallpapers-") as unpacked:
            _unpack(debs_of[package], unpacked)
            for _, inside, _, _ in (entry for entry in chosen if entry[0] == package):
                source = os.path.join(unpacked, inside)
                if not os.path.exists(source):
                    raise WallpaperError(f"{inside} is not in {debs_of[package]}")
                with Image.open(source) as image:
                    tiles = training_tiles(image)
                for index, tile in enumerate(tiles):
                    path = os.path.join(out, f"{package}_{name_of(inside)}_{index:02d}.png")
                    if not os.path.exists(path):
                        save_png(tile, path)
                    paths.append(path)
                if progress:
                    progress(1)
    return paths


FOLDERS = {"photo": "wallpaper-photos", "art": "wallpaper-art"}   # as docs/training_data.md


def card_phrase(data_dirs):
    """What a model card says of the wallpaper folders among a run's ``--data-dir``s
    (matched by folder name, as docs/training_data.md names them), or "" if none."""
    names = {os.path.basename(os.path.normpath(d)) for d in data_dirs or ()}
    used = [(kind, folder) for kind, folder in FOLDERS.items() if folder in names]
    if not used:
        return ""
    what = {"photo": "high-resolution photographs", "art": "artworks"}
    counts = " and ".join(f"{len(of_kind(kind))} {what[kind]}" for kind, _ in used)
    folders = ", ".join(f"`{folder}`" for _, folder in used)
    return (f"{counts} from Debian's wallpaper packages (free licences per file; "
            f"box-reduced and tiled: {folders})")


def main(argv=None):
    """python -m nsr_tf.data.wallpapers: the tiles of the listed Debian wallpapers."""
    import argparse
    import sys

    from tqdm import tqdm

    p = argparse.ArgumentParser(
        prog="python -m nsr_tf.data.wallpapers",
        description="Write training tiles from Debian's wallpaper packages "
                    "(docs/training_data.md): each listed photo or artwork reduced with a "
                    "box filter and cut into tiles of about 480x320. Rerunning keeps what "
                    "is written.")
    p.add_argument("--packages", action="store_true",
                   help="print the pinned packages as apt-get download takes them, and stop")
    p.add_argument("--debs", metavar="FOLDER",
                   help="the folder holding the .deb files (fetched there by: apt-get "
                        "download $(python -m nsr_tf.data.wallpapers --packages))")
    p.add_argument("--out", metavar="FOLDER", help="folder to write into (outside the repo)")
    p.add_argument("--kind", choices=KINDS, default="photo",
                   help="photographs or artwork (default: %(default)s)")
    p.add_argument("--check", metavar="MANIFEST",
                   help="then check --out against a manifest (docs/training_data/*.sha256): "
                        "exit 1 and say what differs")
    args = p.parse_args(argv)
    if args.packages:
        print(" ".join(f"{name}={version}" for name, version in sorted(PACKAGES.items())))
        return 0
    if not args.debs or not args.out:
        p.error("--debs and --out are needed (or --packages)")
    try:
        chosen = of_kind(args.kind)
        deb_files(args.debs, sorted({entry[0] for entry in chosen}))   # before the bar
        count = len(chosen)
        with tqdm(total=count, desc=f"wallpapers ({args.kind})", unit="img") as bar:
            paths = write_wallpapers(args.debs, args.out, args.kind, progress=bar.update)
        print(f"{args.out}: {len(paths)} tiles of {count} wallpapers ({args.kind})")
        if args.check:
            from nsr_tf.data.sources import check_manifest
            count = check_manifest(args.out, args.check)
            print(f"{args.out}: the {count} images of {args.check}, byte for byte")
    except NsrError as error:
        print(f"nsr_tf.data.wallpapers: {error}", file=sys.stderr)
        return 1 if isinstance(error, DatasetUnavailableError) else 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
