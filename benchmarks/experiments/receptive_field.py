"""How far a shipped model looks: the centre output pixel's gradient with respect to the
input, on a crop of a test image, as a radius (Chebyshev, input pixels: LR pixels for the
upscalers) holding 99% / 99.9% of the gradient's mass, and where it falls under 1% / 0.1% of
its peak. Twice per model: as it runs, and with the gates held (their gradient stopped):
the gate pools the whole tile, so every input pixel reaches every output a little; held,
what is left is the conv path, the part an overlap between tiles can cover.

    python benchmarks/experiments/receptive_field.py [--models denoise-sigma25 ...]
        [--markdown docs/receptive_field.md]
"""

import argparse
import contextlib
import os
import sys

import numpy as np

from nsr_tf.benchmarking import emit, header  # (quiet TF first)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = ["denoise-sigma25", "denoise-sigma25-baseline", "denoise-blind", "jpeg",
          "denoise-color", "jpeg-color", "sr-x2", "sr-x4"]


@contextlib.contextmanager
def gates_held():
    """SparseConv2D's gates without a gradient, inside the block."""
    from keras import ops

    from nsr_tf.layers import SparseConv2D
    original = SparseConv2D._gates
    SparseConv2D._gates = lambda self, inputs, training: ops.stop_gradient(
        original(self, inputs, training))
    try:
        yield
    finally:
        SparseConv2D._gates = original


def radii(model, image):
    """(mass radii at 99% / 99.9%, peak radii at 1% / 0.1%) of the centre pixel's gradient."""
    import tensorflow as tf
    x = tf.constant(image[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x, training=False)
        centre = y[0, y.shape[1] // 2, y.shape[2] // 2, 0]
    g = np.abs(tape.gradient(centre, x).numpy()[0]).sum(-1)
    rows, cols = np.indices(g.shape)
    distance = np.maximum(abs(rows - g.shape[0] // 2), abs(cols - g.shape[1] // 2))
    mass = [int(min(r for r in range(distance.max() + 1)
                    if g[distance <= r].sum() >= f * g.sum())) for f in (0.99, 0.999)]
    peak = [int(distance[g >= f * g.max()].max()) for f in (1e-2, 1e-3)]
    return mass, peak


def model_input(info, channels, size):
    """A crop of a test image as the model reads it (with its level map, if it has one:
    sigma 25 or quality 10)."""
    from nsr_tf.data.images import read_image
    path = os.path.join(REPO, "testsets", "Set12", "08.png") if channels == 1 else \
        os.path.join(REPO, "testsets", "Set5", "baby_GT.png")
    image = read_image(path, channels)[:size, :size].astype("float32")
    if info.level_map:
        level = 25 / 255 if info.task == "denoise" else 10 / 100
        image = np.concatenate([image, np.full(image.shape[:2] + (1,), level, "float32")], -1)
    return image


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--size", type=int, default=160, help="crop size (LR for upscalers)")
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf import model_io
    lines = [header(), "", "command: python benchmarks/experiments/receptive_field.py "
             + " ".join(argv if argv is not None else sys.argv[1:]), "",
             "Radius in input pixels (LR for the upscalers) of the centre output pixel's "
             "gradient: holding 99% / 99.9% of its mass, and above 1% / 0.1% of its peak; "
             "as the model runs, and with the gates held (the conv path). Overlap: the "
             "model's (its training patch's quarter; the phone files' and `nsr-restore`'s "
             "in float32), of which the blending window keeps the inner three quarters.",
             "",
             "| model | mass 99% / 99.9% | peak 1% / 0.1% | gates held: mass 99% / 99.9% | "
             "gates held: peak 1% / 0.1% | shipped overlap |", "|---|---|---|---|---|---|"]
    data = []
    for name in args.models:
        model, info = model_io.load(name)
        size = args.size // 2 if info.task == "sr" else args.size
        image = model_input(info, info.channels, size)
        free = radii(model, image)
        with gates_held():
            held = radii(model, image)
        overlap = info.overlap
        lines.append(f"| {name} | {free[0][0]} / {free[0][1]} | {free[1][0]} / {free[1][1]} "
                     f"| {held[0][0]} / {held[0][1]} | {held[1][0]} / {held[1][1]} "
                     f"| {overlap} |")
        print(lines[-1], flush=True)
        data.append({"model": name, "mass": free[0], "peak": free[1], "held_mass": held[0],
                     "held_peak": held[1], "overlap": overlap})
    emit(lines, args.markdown, data=data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
