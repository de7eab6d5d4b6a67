"""Writes the Python tiler's output for the Java tiler's JUnit test to compare against.

    python android_demo/scripts/make_tiler_reference.py OUT.txt

The model is a plain function that depends on the whole tile (like the sparse gates):
out = nearest_upsample(tile, scale) * (0.5 + mean(tile)); TilerTest.gateLike is the same.
"""

import sys

import numpy as np

from nsr_tf.inference import restore

CASES = [  # height, width, channels, tile, overlap, scale, batch
    (37, 53, 1, 16, 8, 1, 3), (64, 64, 3, 32, 16, 1, 4), (20, 13, 1, 32, 8, 1, 2),
    (41, 30, 3, 16, 4, 2, 5), (50, 71, 1, 24, 12, 3, 1)]


class GateLike:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, tiles, batch_size):
        factor = 0.5 + tiles.astype(np.float64).mean(axis=(1, 2, 3))
        up = tiles.repeat(self.scale, axis=1).repeat(self.scale, axis=2)
        return (up * factor.astype(np.float32)[:, None, None, None]).astype(np.float32)


def main(path):
    rng = np.random.default_rng(0)
    with open(path, "w") as out:
        out.write(f"{len(CASES)}\n")
        for h, w, c, tile, overlap, scale, batch in CASES:
            image = rng.uniform(-0.1, 1.1, size=(h, w, c)).astype(np.float32)
            result = restore(GateLike(scale), image, tile, overlap, batch, scale)
            out.write(f"{h} {w} {c} {tile} {overlap} {scale} {batch}\n")
            out.write(" ".join(repr(float(v)) for v in image.ravel()) + "\n")
            out.write(" ".join(repr(float(v)) for v in np.asarray(result).ravel()) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
