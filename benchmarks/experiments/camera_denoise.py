"""Denoising realistic camera noise: noisy/clean pairs made with
nsr_tf.data.camera_noise (Poisson-Gaussian in linear light, Bayer mosaic, bilinear
demosaic, sRGB gamma, then the camera's JPEG or none) from held-out colour photos, restored
as `nsr-restore --model denoise --sigma auto` restores a colour photo, against CBM3D told
the same estimate and against the gray model per channel (what `--model denoise-blind`
gave colour photos before).

    python benchmarks/experiments/camera_denoise.py [--data-dir ../shared/data/Kodak24] [--images 8]
        [--crop 256] [--markdown docs/camera_denoise.md] [--model JOB/best.keras]

Pairs: the centre crop of each of the first --images files, noise levels drawn from
Brooks et al.'s distribution seeded by the file name (as benchmarks/experiments/camera_noise.py).
The reference is the same camera pipeline without the noise (and without the JPEG).
PSNR on RGB [0, 255]. CBM3D is the `bm3d` package's `bm3d_rgb` (pip install bm3d; the
column is left out without it). Deterministic; no timing.
"""

import argparse
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.data.sources import shared_data
from nsr_tf.benchmarking import emit, header
DEFAULT_DATA = shared_data("Kodak24")
# (label, the camera's JPEG quality or None, whether the photo is read from a JPEG file:
# else nsr-restore looks for a JPEG's grid in its pixels, nsr_tf.estimation.compression_of)
CONDITIONS = (("camera, JPEG q95 (as phones write)", 95, True),
              ("camera, JPEG q95, saved as PNG (as many web images)", 95, False),
              ("camera, raw (no JPEG)", None, False))


def restorer(name):
    """(a function (noisy RGB, whether it was JPEG-compressed, sigma=None) -> (restored,
    the sigma told last)) of a shipped model, as nsr-restore runs it (``nsr_tf.photo``):
    its own --sigma auto estimator (and a camera-noise model's second look, unless
    ``second_look`` is False) unless told ``sigma``, its default float32 tiling, a gray
    model per channel."""
    from nsr_tf import photo
    model = photo.prepare(name, photo.Options(precision="float32"))

    def run(noisy, jpeg, sigma=None, second_look=True):
        options = photo.Options(sigma="auto" if sigma is None else sigma,
                                precision="float32")
        level = photo.choose_level(None, noisy, model, options, jpeg_file=jpeg)
        level.recheck = level.recheck and second_look
        restored = photo.restore_array(noisy, model, level)
        return restored, level.sigma
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--markdown")
    parser.add_argument("--model", help="a colour denoiser to score instead of the shipped "
                        "one (a .keras file with its JSON, e.g. a training job's best.keras)")
    parser.add_argument("--no-cbm3d", action="store_true",
                        help="leave out the CBM3D column (without this, a missing bm3d "
                             "package stops the run rather than drop the column)")
    args = parser.parse_args(argv)
    from nsr_tf import pretrained
    from nsr_tf.data.camera_noise import camera_pair, noise_rms
    from nsr_tf.data.degradations import file_seed
    from nsr_tf.data.images import list_images, read_image
    from nsr_tf.data.sources import require_folder
    from nsr_tf.errors import NsrError
    from nsr_tf.estimation import compression_of
    from nsr_tf.metrics import psnr
    try:
        files = list_images(require_folder(args.data_dir))[:args.images]
    except NsrError as error:
        print(f"camera_denoise.py: error: {error}", file=sys.stderr)
        return 1
    bm3d = None
    if not args.no_cbm3d:
        try:
            import bm3d
        except ImportError:
            print("camera_denoise.py: error: the CBM3D column needs the bm3d package (pip "
                  "install bm3d; non-commercial licence), or pass --no-cbm3d",
                  file=sys.stderr)
            return 1
    if args.model:
        colour = args.model
        auto = f"`{args.model}`, --sigma auto"
    else:
        colour, _ = pretrained.pick("denoise", 3)
        auto = f"`--model denoise` ({colour}), --sigma auto"
    # the same model told each pair's true noise RMS: what a perfect estimator would give
    told_true = "the same model told the true RMS"
    methods = {auto: restorer(colour)}
    methods[told_true] = methods[auto]
    # --sigma auto as it was before the second look (nsr_tf.estimation.settle_level)
    one_look = "the same, --sigma auto without the second look"
    methods[one_look] = lambda noisy, jpeg, sigma=None, run=methods[auto]: \
        run(noisy, jpeg, sigma, second_look=False)
    if colour != "denoise-blind":
        methods["`denoise-blind` per channel, --sigma auto (before)"] = \
            restorer("denoise-blind")
    lines = [f"Command: `python benchmarks/experiments/camera_denoise.py {' '.join(argv or sys.argv[1:])}`"
             ".", "", header(), "",
             f"{len(files)} images of {os.path.basename(os.path.normpath(args.data_dir))}, "
             f"centre {args.crop}x{args.crop} crops. PSNR dB on RGB against the noise-free "
             f"camera output, mean over the images; in brackets the gain over the noisy "
             f"input; 'told': the mean sigma the model's map (or CBM3D) was given.", ""]
    columns = ["noise", "true RMS", "noisy input"] + list(methods) + \
        (["CBM3D told the same estimate"] if bm3d else [])
    lines += ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    results, notes = {}, []
    for label, quality, jpeg_file in CONDITIONS:
        scores = {name: [] for name in columns[2:]}
        told = {name: [] for name in columns[3:]}
        rms = []
        for path in files:
            image = read_image(path, 3)
            top = max(0, (image.shape[0] - args.crop) // 2)
            left = max(0, (image.shape[1] - args.crop) // 2)
            clean = image[top:top + args.crop, left:left + args.crop]
            noisy, reference = [t.numpy() for t in camera_pair(
                clean, [file_seed(path) % (2 ** 31), 17], quality=quality)]
            rms.append(noise_rms(noisy, reference))
            scores["noisy input"].append(psnr(reference, noisy))
            jpeg = compression_of(noisy, jpeg_file) is not None
            for name, run in methods.items():
                restored, sigma = run(noisy, jpeg, rms[-1] if name == told_true else None)
                scores[name].append(psnr(reference, restored))
                told[name].append(sigma)
            if bm3d:   # told the colour model's estimate
                estimate = told[auto][-1]
                restored = bm3d.bm3d_rgb(noisy.astype(np.float64), estimate / 255.0)
                scores[columns[-1]].append(psnr(reference, np.clip(restored, 0, 1)))
                told[columns[-1]].append(estimate)
        base = np.mean(scores["noisy input"])
        cells = [label, f"{np.mean(rms):.2f}", f"{base:.2f}"]
        cells += [f"{np.mean(scores[n]):.2f} ({np.mean(scores[n]) - base:+.2f}; told "
                  f"{np.mean(told[n]):.1f})" for n in columns[3:]]
        lines.append("| " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
        results[label] = {"true_rms": float(np.mean(rms)),
                          **{n: {"psnr": float(np.mean(scores[n])),
                                 "told": float(np.mean(told[n])) if n in told else None}
                             for n in columns[2:]},
                          "per_image": {os.path.basename(path): {
                              "true_rms": rms[i],
                              **{n: {"psnr": scores[n][i],
                                     "told": told[n][i] if n in told else None}
                                 for n in columns[2:]}} for i, path in enumerate(files)}}
        # where the estimate costs most against the true RMS (per image)
        loss = np.array(scores[told_true]) - np.array(scores[auto])
        worst = int(np.argmax(loss))
        gains = np.array(scores[auto]) - np.array(scores["noisy input"])
        notes.append(f"{label}: the estimate costs most on {os.path.basename(files[worst])} "
                     f"({loss[worst]:.2f} dB; true RMS {rms[worst]:.2f}, estimated "
                     f"{told[auto][worst]:.2f}); without that image the mean gain of "
                     f"{auto} is {np.mean(np.delete(gains, worst)):+.2f} dB.")
    lines += [""] + [f"- {note}" for note in notes]
    emit(lines, args.markdown, data=results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
