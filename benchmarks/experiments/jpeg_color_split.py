"""Where the colour JPEG model's gain over the gray model per channel lies: luma or chroma.

A colour JPEG keeps its luma (Y) at full resolution under the luminance quantisation table,
the same table a gray JPEG of the same quality uses, and its chroma (Cb, Cr) at half
resolution under the coarser chrominance table. So the gray `jpeg` model run on the
decoded Y alone sees exactly what it was trained on. Per image of the test set, each at
quality Q (nsr_tf.data.degradations, libjpeg with 4:2:0 chroma):

- `jpeg` per channel: the gray model on R, G and B, each on its own (the colour card's
  "before");
- `jpeg-color`: the colour model;
- `jpeg` on Y + `jpeg-color`'s chroma: the gray model on the decoded Y, with the colour
  model's Cb and Cr.

PSNR (dB, [0, 255]) on RGB, on Y (the cards' Y: MATLAB's BT.601) and on Cb/Cr together
(JFIF's, as libjpeg). Tiles 64, overlap 16, float32, each model told the true quality.

    python benchmarks/experiments/jpeg_color_split.py --markdown docs/jpeg_color_split.md
"""

import argparse
import os
import sys

import numpy as np

# JFIF's full-range BT.601 (libjpeg's colour transform). Written out: PIL's converts
# 8-bit images only, and the models' outputs are floats that rounding would change.
_TO_YCC = np.array([[0.299, 0.587, 0.114],
                    [-0.168736, -0.331264, 0.5],
                    [0.5, -0.418688, -0.081312]])
_FROM_YCC = np.linalg.inv(_TO_YCC)


def to_ycc(rgb):
    """JFIF Y, Cb, Cr of an RGB image in [0, 1] (Cb and Cr centred on 0.5)."""
    return rgb @ _TO_YCC.T + np.array([0.0, 0.5, 0.5])


def from_ycc(ycc):
    """The RGB image of JFIF Y, Cb, Cr (``to_ycc``'s inverse)."""
    return (ycc - np.array([0.0, 0.5, 0.5])) @ _FROM_YCC.T


def chroma_psnr(reference, estimate):
    """PSNR on the Cb and Cr planes together, [0, 255]."""
    from nsr_tf import metrics
    return metrics.psnr(to_ycc(reference)[..., 1:], to_ycc(np.clip(estimate, 0, 1))[..., 1:])


def main(argv=None):
    from nsr_tf.data.sources import shared_data
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=shared_data())
    parser.add_argument("--testset", default="CBSD68")
    parser.add_argument("--quality", type=int, default=10)
    parser.add_argument("--limit", type=int, help="the first N images only")
    parser.add_argument("--markdown", help="write the report here (numbers as .json beside)")
    args = parser.parse_args(argv)
    folder = os.path.join(args.data_root, args.testset)
    if not os.path.isdir(folder):
        parser.error(f"no {args.testset} folder in {args.data_root}: pass --data-root")
    from tqdm import tqdm
    from nsr_tf import metrics, model_io
    from nsr_tf.benchmarking import emit, header
    from nsr_tf.data import degradations, list_images, load_images
    from nsr_tf.evaluation import PROTOCOL_OVERLAP, PROTOCOL_TILE, restore_ensemble
    from nsr_tf.inference import TiledPredictor, by_channels
    colour, info = model_io.load("jpeg-color")
    gray, _ = model_io.load("jpeg")
    degradation = model_io.degradation_of(info, quality=args.quality)
    predictors = {"colour": TiledPredictor.of(colour, "float32"),
                  "gray": TiledPredictor.of(gray, "float32")}

    def run(name, image):
        image = degradations.with_level_map(image, degradation.map_level(args.quality))
        return restore_ensemble(predictors[name], image, False, tile_size=PROTOCOL_TILE,
                                overlap=PROTOCOL_OVERLAP, scale=1)

    methods = ["input", "jpeg per channel", "jpeg-color", "jpeg on Y + jpeg-color's chroma"]
    images, problems = load_images(list_images(folder)[:args.limit], 3)
    if problems:
        parser.error("; ".join(problems))
    scores = {method: [] for method in methods}
    for path, image in tqdm(images.items(), unit="image", desc="scoring", file=sys.stderr):
        degraded = degradation.degrade_file(image, path)
        clean = degradation.target_of(image)
        restored = run("colour", degraded)
        luma = run("gray", to_ycc(degraded)[..., :1])[..., 0]
        outputs = {"input": degraded,
                   "jpeg per channel": by_channels(lambda im: run("gray", im), degraded, 1),
                   "jpeg-color": restored,
                   "jpeg on Y + jpeg-color's chroma": np.clip(from_ycc(np.concatenate(
                       [luma[..., None], to_ycc(restored)[..., 1:]], -1)), 0, 1)}
        for method, output in outputs.items():
            scores[method].append((metrics.psnr(clean, output),
                                   metrics.psnr(clean, output, 0, True),
                                   chroma_psnr(clean, output)))
    means = {method: np.mean(rows, axis=0) for method, rows in scores.items()}
    before = means["jpeg per channel"]
    lines = [f"# Colour JPEG: the gain in luma and in chroma ({args.testset}, quality "
             f"{args.quality})", "",
             "Command: `python benchmarks/experiments/jpeg_color_split.py"
             + (f" --limit {args.limit}" if args.limit else "") + "`. Mean PSNR dB over "
             f"{len(images)} images; in brackets, the change from `jpeg` per channel.", "",
             header(), "",
             "| method | RGB | Y | Cb, Cr |", "|---|---|---|---|"]
    for method in methods:
        cells = [f"{value:.3f}" + ("" if method in ("input", "jpeg per channel") else
                                   f" ({value - base:+.3f})")
                 for value, base in zip(means[method], before)]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    emit(lines, args.markdown, {method: {"rgb_psnr": float(m[0]), "y_psnr": float(m[1]),
                                         "chroma_psnr": float(m[2])}
                                for method, m in means.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
