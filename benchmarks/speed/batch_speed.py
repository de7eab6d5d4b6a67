"""nsr-batch on Beam's local runner against one nsr-restore process: megapixels per second
on the same photos, side by side in one run (docs/batch.md).

    python benchmarks/speed/batch_speed.py [--photos 200] [--size 320] [--workers 2]
        [--model denoise-sigma25] [--markdown docs/batch_speed.md]

The photos are crops of the repository's test sets (testsets/: Set12, classic5, Set5, gray
and colour), written to a temporary folder, so a clone runs it with nothing beside it.
Each command runs as a user runs it (a new process: its start, the model's load and
tracing included), nsr-restore first, then nsr-batch, then both again; the median of the
two is reported. Do not run it beside a training job (SIGSTOP it first).
"""

import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image

from nsr_tf.benchmarking import emit, header

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_photos(folder, count, size):
    """``count`` crops of ``size`` px from the test sets, at offsets that differ per copy."""
    sources = sorted(glob.glob(os.path.join(REPO, "testsets", "*", "*.png")))
    made = 0
    while made < count:
        for path in sources:
            if made == count:
                break
            with Image.open(path) as image:
                w, h = image.size
                side = min(size, w, h)
                step = made // len(sources)
                left = (step * 37) % max(1, w - side + 1)
                top = (step * 53) % max(1, h - side + 1)
                image.crop((left, top, left + side, top + side)).save(
                    os.path.join(folder, f"p{made:04d}.png"))
            made += 1
    return sum(side * side for side in [size] * count) / 1e6


def timed(command):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"batch_speed.py: {' '.join(command[:4])} ... failed:\n"
                         f"{result.stderr[-2000:]}")
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default="denoise-sigma25")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--markdown", help="write the report here (and a .json beside it)")
    args = parser.parse_args(argv)
    bin_dir = os.path.dirname(sys.executable)
    times = {"nsr-restore": [], "nsr-batch": []}
    with tempfile.TemporaryDirectory(prefix="nsr-batch-speed-") as work:
        photos = os.path.join(work, "in")
        os.makedirs(photos)
        megapixels = make_photos(photos, args.photos, args.size)
        for round_ in range(args.rounds):
            out = os.path.join(work, f"restore{round_}")
            times["nsr-restore"].append(timed([os.path.join(bin_dir, "nsr-restore"), photos,
                                               "--model", args.model, "--out", out]))
            out = os.path.join(work, f"batch{round_}")
            times["nsr-batch"].append(timed([os.path.join(bin_dir, "nsr-batch"), photos,
                                             "--model", args.model, "--out", out,
                                             "--workers", str(args.workers)]))
            same = all(open(os.path.join(work, f"restore{round_}", name), "rb").read() ==
                       open(os.path.join(out, name), "rb").read()
                       for name in os.listdir(os.path.join(work, f"restore{round_}")))
    seconds = {name: statistics.median(values) for name, values in times.items()}
    rate = {name: megapixels / value for name, value in seconds.items()}
    ratio = rate["nsr-batch"] / rate["nsr-restore"]
    lines = ["# nsr-batch (Beam, local runner) against nsr-restore", "",
             f"Command: `python benchmarks/speed/batch_speed.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}`.", "", header(), "",
             f"{args.photos} photos of {args.size}x{args.size} ({megapixels:.2f} MP), model "
             f"`{args.model}`; each command a new process, as a user runs it (start-up, "
             f"model load and tracing included); median of {args.rounds} rounds, "
             f"interleaved.", "",
             "| command | seconds | MP/s |", "|---|---|---|"]
    lines += [f"| `{name}`{' --workers ' + str(args.workers) if name == 'nsr-batch' else ''} "
              f"| {seconds[name]:.1f} | {rate[name]:.3f} |" for name in times]
    lines += ["", f"nsr-batch / nsr-restore throughput: **{ratio:.2f}x** (target >= 0.9x); "
                  f"outputs byte-identical: {same}."]
    emit(lines, args.markdown, {"photos": args.photos, "size": args.size,
                                "megapixels": megapixels, "seconds": times,
                                "ratio": ratio, "identical": same})


if __name__ == "__main__":
    main()
