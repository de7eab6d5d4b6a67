"""Writes the Python MATLAB-compatible bicubic upscale for the Java Resize's JUnit test.

    python android_demo/scripts/make_resize_reference.py OUT.txt
"""

import sys

import numpy as np

from nsr_tf.data.degradations import imresize

CASES = [(7, 5, 1, 2), (6, 9, 3, 4), (1, 3, 3, 2), (4, 4, 1, 3), (10, 3, 3, 1)]  # h w c s


def main(path):
    rng = np.random.default_rng(0)
    with open(path, "w") as out:
        out.write(f"{len(CASES)}\n")
        for h, w, c, scale in CASES:
            image = rng.uniform(size=(h, w, c)).astype(np.float32)
            result = imresize(image, scale)
            out.write(f"{h} {w} {c} {scale}\n")
            out.write(" ".join(repr(float(v)) for v in image.ravel()) + "\n")
            out.write(" ".join(repr(float(v)) for v in result.ravel()) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
