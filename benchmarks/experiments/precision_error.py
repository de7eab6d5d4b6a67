"""How far a mixed-precision copy of a shipped model is from its float32 self.

Four 64x64 crops of Set12 (rows and columns 100-163 of the first four images), AWGN of
the model's sigma (seed 0); for each mixed policy, the max |difference| of the outputs
and the PSNR change against float32, through ``precision.with_policy`` as training and
``restore`` use it.

    python benchmarks/experiments/precision_error.py [--model denoise-sigma25]
"""

import argparse
import os
import sys

from nsr_tf import model_io, precision  # noqa: I100  (quiet TensorFlow first)
from nsr_tf.data.images import list_images, read_image
from nsr_tf.metrics import psnr

import numpy as np

SET12 = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "testsets", "Set12")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="denoise-sigma25")
    parser.add_argument("--sigma", type=float, default=25)
    args = parser.parse_args(argv)
    model, _ = model_io.load(args.model)
    clean = np.stack([read_image(path, channels=1)[100:164, 100:164]
                      for path in list_images(SET12)[:4]]).astype(np.float32)
    noisy = clean + np.random.default_rng(0).normal(0, args.sigma / 255, clean.shape)
    noisy = noisy.astype(np.float32)
    exact = model(noisy).numpy()

    def mean_psnr(outputs):
        return np.mean([psnr(ref, np.clip(out, 0, 1)) for out, ref in zip(outputs, clean)])

    print(f"{args.model}, four 64x64 Set12 crops, sigma {args.sigma:g}; against float32:")
    for policy in ("mixed_bfloat16", "mixed_float16"):
        got = precision.with_policy(model, policy)(noisy).numpy()
        print(f"  {policy}: max |difference| {np.abs(got - exact).max():.5f}, "
              f"PSNR change {mean_psnr(got) - mean_psnr(exact):+.4f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
