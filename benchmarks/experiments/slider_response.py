"""How a noise-level-map denoiser answers its slider: on Set12 with AWGN of one sigma, the
model told each of several sigmas; per told sigma, the PSNR against the clean image and
the RMS of what it removed (input - output, on [0, 255]). A model that follows the map
removes more when told more; `--map-jitter` training (docs/generalisation.md) trades some
of that response for robustness to a wrong slider, and this measures how much.

    python benchmarks/experiments/slider_response.py \\
        --model denoise-blind --model ~/jobs/denoise-blind-jitter/best.keras \\
        --markdown docs/slider_response.md

Protocol of the cards (noise seeded by the file name, tiles 64, overlap 16, float32).
"""

import argparse
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def response(model, folder, sigma, told_levels):
    """{told: (PSNR dB, removed RMS on [0, 255])}, means over the folder's images."""
    from nsr_tf import metrics, model_io
    from nsr_tf.data import degradations
    from nsr_tf.data.images import list_images, load_images
    from nsr_tf.evaluation import PROTOCOL_OVERLAP, PROTOCOL_TILE
    from nsr_tf.inference import TiledPredictor, restore
    keras_model, info = model_io.load(model)
    degradation = model_io.degradation_of(info, sigma=sigma)
    predictor = TiledPredictor.of(keras_model, "float32")
    images, _ = load_images(list_images(folder), 1)
    out = {}
    for told in told_levels:
        psnrs, removed = [], []
        for path, clean in images.items():
            noisy = degradation.degrade_file(clean, path)
            fed = degradations.with_level_map(noisy, degradation.map_level(told))
            restored = restore(predictor, fed, tile_size=PROTOCOL_TILE,
                               overlap=PROTOCOL_OVERLAP)
            psnrs.append(metrics.psnr(clean, restored))
            removed.append(float(np.sqrt(np.mean((noisy - restored) ** 2)) * 255))
        out[told] = (float(np.mean(psnrs)), float(np.mean(removed)))
        print(f"{model} sigma {sigma} told {told}: {out[told][0]:.2f} dB, removed RMS "
              f"{out[told][1]:.2f}", flush=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True,
                        help="a noise-level-map denoiser (.keras or a shipped name); repeat")
    parser.add_argument("--data-dir", default=os.path.join(REPO, "testsets", "Set12"))
    parser.add_argument("--sigma", type=float, default=25)
    parser.add_argument("--told", type=float, nargs="+", default=[5, 15, 25, 35, 50, 75])
    parser.add_argument("--markdown", help="write the table here (and its numbers as .json)")
    args = parser.parse_args(argv)
    from nsr_tf.benchmarking import emit, header
    results = {model: response(model, args.data_dir, args.sigma, args.told)
               for model in args.model}
    lines = ["# The slider's effect: a noise-map denoiser told another sigma", "",
             f"Command: `python benchmarks/experiments/slider_response.py "
             + " ".join(f"--model {m}" for m in args.model) + "`. "
             f"{os.path.basename(os.path.normpath(args.data_dir))}, AWGN sigma "
             f"{args.sigma:g}; PSNR dB / RMS removed (input - output, [0, 255]).", "",
             header(), "", "| told | " + " | ".join(f"`{m}`" for m in args.model) + " |",
             "|---" * (1 + len(args.model)) + "|"]
    for told in args.told:
        lines.append(f"| {told:g} | " + " | ".join(
            f"{results[m][told][0]:.2f} / {results[m][told][1]:.2f}" for m in args.model)
            + " |")
    emit(lines, args.markdown, {m: {str(t): v for t, v in r.items()}
                                for m, r in results.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
