"""How tile size and overlap trade accuracy for speed, per shipped model; how far a model
sees (its receptive field). Chooses the defaults of ``nsr_tf.inference``.

For every (tile, overlap): PSNR on Set12 and classic5 (AWGN sigma 25, the evaluation
protocol, from the repository's testsets/) and seconds per megapixel of a 1024x644 gray
photo (scikit-image's retina, centre crop), the tracing excluded, tiles batched to about
64k pixels. The receptive field is measured, not assumed: the radius (Chebyshev, in
pixels) beyond which the centre output pixel's gradient with respect to every input
pixel is below 1% / 0.1% of its largest (a 160x160 Set12 crop).

    python benchmarks/experiments/tiling.py [--models denoise-sigma25 denoise-sigma25-baseline]
        [--configs 64:16 128:16 ...] [--markdown docs/tiling.md]
"""

import argparse
import os
import sys
import time

import numpy as np

from nsr_tf import model_io  # noqa: I100  (quiet TensorFlow first)
from nsr_tf.data import Degradation
from nsr_tf.data.images import read_image
from nsr_tf.data.sources import sample_photo as photo
from nsr_tf.evaluation import evaluate_folder, summarise
from nsr_tf.inference import auto_batch_size, restore
from nsr_tf.precision import cpu_name

import tensorflow as tf  # noqa: I100

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.benchmarking import write
CONFIGS = ["64:16", "64:8", "96:16", "128:16", "128:8", "128:32", "192:16", "256:16",
           "256:64"]


def receptive_radius(model, size=160, fractions=(1e-2, 1e-3)):
    path = os.path.join(REPO, "testsets", "Set12", "08.png")
    crop = read_image(path, 1)[:size, :size]
    noisy = tf.constant(Degradation("denoise", 25).degrade_file(crop, path)[None])
    with tf.GradientTape() as tape:
        tape.watch(noisy)
        centre = model(noisy, training=False)[0, size // 2, size // 2, 0]
    # Per-pixel sensitivity; the gate's global pool adds a near-uniform floor far below
    # these thresholds, so the radius is that of the conv path.
    sensitivity = np.abs(tape.gradient(centre, noisy).numpy()[0, ..., 0])
    y, x = np.indices(sensitivity.shape)
    distance = np.maximum(abs(y - size // 2), abs(x - size // 2))
    return [int(distance[sensitivity >= f * sensitivity.max()].max()) for f in fractions]


def seconds_per_megapixel(model, image, tile, overlap, rounds, precision="float32"):
    batch = auto_batch_size(tile)
    restore(model, image[:tile * 2, :tile * 2], tile, overlap, batch,
            precision=precision)   # trace
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        restore(model, image, tile, overlap, batch, precision=precision)
        times.append(time.perf_counter() - start)
    return min(times) / (image.size / 1e6)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["denoise-sigma25",
                                                         "denoise-sigma25-baseline"])
    parser.add_argument("--configs", nargs="+", default=CONFIGS, help="TILE:OVERLAP")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--precision", default="float32",
                        choices=("float32", "mixed_bfloat16", "mixed_float16"))
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    image = photo()
    lines = [f"CPU: {cpu_name()}, {os.cpu_count()} cores; TF {tf.__version__}",
             f"command: python benchmarks/experiments/tiling.py {' '.join(argv or sys.argv[1:])}", ""]
    print("\n".join(lines), flush=True)
    for name in args.models:
        model, _ = model_io.load(name)
        r99, r999 = receptive_radius(model)
        head = [f"### {name}, {args.precision}", "",
                f"receptive radius: {r99} px (sensitivity >= 1% of the peak), {r999} px "
                f"(>= 0.1%)", "",
                "| tile | overlap | batch | Set12 PSNR | classic5 PSNR | s/MP (1024x644) |",
                "|---|---|---|---|---|---|"]
        print("\n".join(head), flush=True)
        lines += head
        for config in args.configs:
            tile, overlap = map(int, config.split(":"))
            scores = {}
            for folder in ("Set12", "classic5"):
                rows = evaluate_folder(os.path.join(REPO, "testsets", folder),
                                       Degradation("denoise", 25), model, tile_size=tile,
                                       overlap=overlap, batch_size=auto_batch_size(tile),
                                       precision=args.precision)
                scores[folder] = summarise(rows)[0]["psnr"]
            speed = seconds_per_megapixel(model, image, tile, overlap, args.rounds,
                                          args.precision)
            line = (f"| {tile} | {overlap} | {auto_batch_size(tile)} | {scores['Set12']:.3f} "
                    f"| {scores['classic5']:.3f} | {speed:.2f} |")
            print(line, flush=True)
            lines.append(line)
        lines.append("")
    write(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
