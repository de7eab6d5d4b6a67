"""How well the noise estimators read realistic camera noise: noisy/clean pairs made with
nsr_tf.data.camera_noise (Poisson-Gaussian in linear light, Bayer mosaic, bilinear
demosaic, sRGB gamma, optional JPEG) and AWGN, on held-out colour images; the true noise
RMS of each pair against nsr_tf.estimation.estimate_sigma (finest wavelet band, the
white-noise estimator), estimate_noise_rms (the same on 2x2-averaged pixels, x2; what
`--sigma auto` uses on a JPEG photo for a camera-noise model) and estimate_flat_rms (the
flattest 8x8 patches; what it uses on any other photo).

    python benchmarks/experiments/camera_noise.py [--data-dir ../shared/data/Kodak24]
        [--markdown docs/camera_noise.md]

Noise levels: camera rows draw (shot, read) from Brooks et al.'s distribution, seeded per
image; AWGN rows use the given sigmas. Deterministic; no timing.
"""

import argparse
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.data.sources import shared_data
from nsr_tf.benchmarking import emit
DEFAULT_DATA = shared_data("Kodak24")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[5, 15, 25])
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf.data.camera_noise import camera_pair, noise_rms
    from nsr_tf.data.degradations import add_noise_for_file, file_seed
    from nsr_tf.data.images import list_images, read_image
    from nsr_tf.data.sources import require_folder
    from nsr_tf.errors import NsrError
    from nsr_tf.estimation import estimate_flat_rms, estimate_noise_rms, estimate_sigma
    try:
        files = list_images(require_folder(args.data_dir))
    except NsrError as error:
        print(f"camera_noise.py: error: {error}", file=sys.stderr)
        return 1
    conditions = [(f"AWGN sigma {s:g}", ("awgn", s)) for s in args.sigmas] + \
        [("camera, raw (no JPEG)", ("camera", None)), ("camera, JPEG q95", ("camera", 95)),
         ("camera, JPEG q85", ("camera", 85)), ("camera, JPEG q75", ("camera", 75))]
    lines = [f"command: python benchmarks/experiments/camera_noise.py {' '.join(argv or sys.argv[1:])}",
             "", f"{len(files)} images of {os.path.basename(os.path.normpath(args.data_dir))}"
             "; ratio = estimate / true noise RMS ([0, 255] scale), median over the "
             "images; |log| error: median of |ln ratio|.", "",
             "| noise | true RMS (median) | estimate_sigma ratio | its abs log error | "
             "estimate_noise_rms ratio | its abs log error | estimate_flat_rms ratio | "
             "its abs log error |", "|---" * 8 + "|"]
    for label, (kind, value) in conditions:
        true, fine, binned, flat = [], [], [], []
        for path in files:
            clean = read_image(path, 3)
            if kind == "awgn":
                noisy, reference = add_noise_for_file(clean, value, path), clean
            else:
                seed = [file_seed(path) % (2 ** 31), 17]
                noisy, reference = [t.numpy() for t in camera_pair(clean, seed,
                                                                   quality=value)]
            true.append(noise_rms(noisy, reference))
            fine.append(estimate_sigma(noisy))
            binned.append(estimate_noise_rms(noisy))
            flat.append(estimate_flat_rms(noisy))
        true = np.array(true)
        cells = []
        for estimate in (np.array(fine), np.array(binned), np.array(flat)):
            log = np.log(estimate / true)
            cells += [f"{np.exp(np.median(log)):.2f}", f"{np.median(np.abs(log)):.2f}"]
        lines.append(f"| {label} | {np.median(true):.2f} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    emit(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
