"""How well the degradation estimators of nsr_tf.estimation do on the repository's test
sets: the noise level of Set12 at known sigmas (AWGN seeded by file name, the evaluation
protocol), and the JPEG quality read back from classic5 saved at known qualities.

    python benchmarks/experiments/estimators.py [--sigmas 15 25 50] [--markdown docs/estimators.md]
"""

import argparse
import io
import os
import sys

import numpy as np
from PIL import Image

from nsr_tf.data.degradations import add_noise_for_file
from nsr_tf.data.images import list_images, read_image
from nsr_tf.estimation import estimate_sigma, jpeg_quality

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.benchmarking import emit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50])
    parser.add_argument("--qualities", type=int, nargs="+", default=[10, 20, 30, 40, 90])
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    lines = [f"command: python benchmarks/experiments/estimators.py {' '.join(argv or sys.argv[1:])}",
             "", "| Set12, true sigma | mean estimate | mean error | max abs error |",
             "|---|---|---|---|"]
    set12 = list_images(os.path.join(REPO, "testsets", "Set12"))
    for sigma in args.sigmas:
        estimates = []
        for path in set12:
            clean = read_image(path, 1)[..., 0]
            estimates.append(estimate_sigma(add_noise_for_file(clean, sigma, path)))
        errors = np.array(estimates) - sigma
        lines.append(f"| {sigma:g} | {np.mean(estimates):.2f} | {errors.mean():+.2f} | "
                     f"{np.abs(errors).max():.2f} |")
    lines += ["", "| classic5, saved at quality | read back (all 5 images) |", "|---|---|"]
    for quality in args.qualities:
        read = []
        for path in list_images(os.path.join(REPO, "testsets", "classic5")):
            buffer = io.BytesIO()
            Image.open(path).save(buffer, "JPEG", quality=quality)
            buffer.seek(0)
            read.append(jpeg_quality(buffer))
        cells = [f"{q} ({'exact' if exact else 'nearest'})" for q, exact in read]
        lines.append(f"| {quality} | {', '.join(cells)} |")
    emit(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
