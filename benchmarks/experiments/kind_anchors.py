"""The classical anchor on the test sets of other kinds (docs/training_data.md): BM3D on
gray, CBM3D on colour, at AWGN sigma 25, the protocol of the cards (noise seeded by the
file name, PSNR and SSIM on [0, 255] after clipping), so the denoisers' kind rows have a
method beside them that nobody trained (no published rows exist for sets made here).

    pip install bm3d   # the Tampere reference implementation; licence: non-commercial use
    python benchmarks/experiments/kind_anchors.py \\
        --kind "graphics (synthetic)=$HOME/data/graphics-test" \\
        --kind "saturated photos (Kodak24)=$HOME/data/kodak24-saturated"

Rows go to docs/kind_anchors.json (read by release/ship_color_models.py,
ship_level_models.py and ship_models.py) and docs/kind_anchors.md; every image is saved as it is
done, so a rerun resumes. Slow: CBM3D takes about 25 s per 500x500 image on one core.
bm3d is not a dependency of nsr-tf (its licence is for non-commercial use): this script
alone imports it.
"""

import argparse
import json
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "docs", "kind_anchors.json")
SIGMA = 25
# channels -> the method's name in the cards
METHODS = {1: "BM3D", 3: "CBM3D"}


def key(channels, kind, sigma=SIGMA):
    from nsr_tf.benchmarking import row_key
    return row_key(METHODS[channels], kind, sigma)


def denoise(noisy, sigma, channels):
    import bm3d
    if channels == 3:   # CBM3D: BM3D in the opponent colour space
        return bm3d.bm3d_rgb(noisy, sigma / 255.0)
    return bm3d.bm3d(noisy[..., 0], sigma / 255.0)[..., None]


def measure(folder, channels, row, save, sigma=SIGMA):
    """Fills ``row`` image by image (calling ``save`` after each), then its means."""
    from nsr_tf import metrics
    from nsr_tf.data import Degradation
    from nsr_tf.data.images import list_images, load_images
    images, problems = load_images(list_images(folder), channels)
    if problems:
        raise SystemExit(f"kind_anchors.py: error: {'; '.join(problems)}")
    degradation = Degradation("denoise", sigma=sigma)
    psnrs, ssims = row.setdefault("images", {}), row.setdefault("ssim_images", {})
    for path, clean in sorted(images.items()):
        name = os.path.basename(path)
        if name in psnrs:
            continue
        noisy = degradation.degrade_file(clean, path)
        output = np.clip(denoise(noisy, sigma, channels), 0, 1)
        psnrs[name] = metrics.psnr(clean, output)
        ssims[name] = metrics.ssim(clean, output)
        print(f"{METHODS[channels]} {name}: {psnrs[name]:.2f} dB", flush=True)
        save()
    row["psnr"] = float(np.mean(list(psnrs.values())))
    row["ssim"] = float(np.mean(list(ssims.values())))
    save()
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", action="append", required=True, metavar="NAME=FOLDER",
                        help="a test set of another kind (the ship tools' --kind); repeat")
    parser.add_argument("--channels", type=int, nargs="+", choices=(1, 3), default=[3, 1],
                        help="CBM3D on RGB (3) and/or BM3D on the images read in gray (1)")
    parser.add_argument("--markdown", default=os.path.join(REPO, "docs", "kind_anchors.md"))
    args = parser.parse_args(argv)
    kinds = {}
    for item in args.kind:
        kind, sep, folder = item.partition("=")
        if not sep or not kind or not os.path.isdir(folder):
            parser.error(f"--kind {item!r}: expected NAME=FOLDER with an existing folder")
        kinds[kind] = folder
    try:
        import bm3d  # noqa: F401
    except ImportError:
        print("kind_anchors.py: error: needs the bm3d package (pip install bm3d; "
              "non-commercial licence)", file=sys.stderr)
        return 1
    from nsr_tf.benchmarking import emit, header
    results = json.load(open(OUT)) if os.path.exists(OUT) else {"rows": {}}
    results.setdefault("machine", header())

    def save():
        tmp = OUT + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(results, handle, indent=1)
        os.replace(tmp, OUT)
    for channels in args.channels:
        for kind, folder in kinds.items():
            row = results["rows"].setdefault(key(channels, kind),
                                             {"method": METHODS[channels], "kind": kind})
            measure(folder, channels, row, save)
    emit(table(results), args.markdown)
    return 0


def table(results):
    lines = ["# Classical anchors on the test sets of other kinds", "",
             "Command: in the docstring of `benchmarks/experiments/kind_anchors.py`. AWGN "
             f"sigma {SIGMA}, noise seeded by the file name (the cards' protocol); PSNR dB "
             "on [0, 255] after clipping (RGB for CBM3D, gray for BM3D), SSIM beside it. "
             "The Tampere reference implementation (`bm3d` 4.0.3, profile 'np').", "",
             results["machine"], "", "| method | set | images | PSNR (SSIM) |",
             "|---|---|---|---|"]
    for row in results["rows"].values():
        if "psnr" in row:
            lines.append(f"| {row['method']} | {row['kind']} | {len(row['images'])} | "
                         f"{row['psnr']:.2f} ({row['ssim']:.4f}) |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
