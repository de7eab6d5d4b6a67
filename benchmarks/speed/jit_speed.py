"""XLA (``tf.function(jit_compile=True)``) against TensorFlow's own graph for the training
step, side by side in one run: train.py's step (L1 + Adam, batch 16 of 64x64 patches,
through the Trainer) of the denoising Sparse+ preset and the dense baseline, in float32
and in the precision ``--precision auto`` picks here, timed round-robin.

    python benchmarks/speed/jit_speed.py [--rounds 8] [--markdown docs/jit_speed.md]
        [--pause PID]

Why: every queued run (docs/training_queue.md) is CPU-bound on two cores; XLA fuses the
small ops around the convs (weight norm, the gates' side network, eq. 10's aggregation),
and could have shortened them. ``--pause PID`` holds a training run stopped meanwhile.
"""

import argparse
import shutil
import sys
import tempfile

from nsr_tf.benchmarking import (  # noqa: I100
    emit, header, interleaved, parse_step_timing, paused, training_precisions)
from nsr_tf.data.sources import shared_data
from nsr_tf.train import TrainConfig, Trainer

TRAIN400 = shared_data("Train400")
VARIANTS = ("baseline", "sparse+")


def steps(variant, precision, data_dir, jobs):
    """{False: train.py's step, True: the same through XLA}, each a function of no
    arguments that runs one step on a fixed batch (two trainers: each owns its variables
    and optimizer state)."""
    out = {}
    for jit in (False, True):
        jobs.append(tempfile.mkdtemp(prefix="nsr_jit_"))
        trainer = Trainer(TrainConfig(task="denoise", variant=variant, data_dir=data_dir,
                                      epochs=1, patches_per_image=1, job_dir=jobs[-1],
                                      precision=precision, seed=0), log=lambda *_: None)
        step = trainer._make_train_step(jit_compile=jit)
        batch = next(iter(trainer.dataset))
        out[jit] = lambda step=step, batch=batch: float(step(*batch))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    args = parse_step_timing(parser, argv, rounds=8, data_dir=TRAIN400)
    precisions = training_precisions()
    jobs, calls = [], {}
    try:
        with paused(args.pause):
            for variant in VARIANTS:
                for precision in precisions:
                    for jit, call in steps(variant, precision, [args.data_dir],
                                           jobs).items():
                        calls[variant, precision, jit] = call
            # warm-up 2: the first call traces (and compiles, for XLA)
            median = interleaved(calls, rounds=args.rounds, warmup=2)
    finally:
        for job in jobs:
            shutil.rmtree(job, ignore_errors=True)
    lines = ["# XLA for the training step", "",
             "Command: `python benchmarks/speed/jit_speed.py "
             + " ".join(argv if argv is not None else sys.argv[1:]) + "`. Median ms per "
             f"step over {args.rounds} interleaved rounds (batch 16 of 64x64, L1 + Adam, "
             "train.py's step); speed-up above 1 would mean XLA is faster.", "", header(), "",
             "| model | precision | TensorFlow graph ms | XLA ms | XLA speed-up |",
             "|---|---|---|---|---|"]
    for variant in VARIANTS:
        for precision in precisions:
            plain, xla = (median[variant, precision, jit] * 1e3 for jit in (False, True))
            lines.append(f"| {variant} | {precision} | {plain:.0f} | {xla:.0f} | "
                         f"{plain / xla:.2f}x |")
    emit(lines, args.markdown, {f"{v} {p} {'xla' if j else 'graph'}": median[v, p, j]
                                for v, p, j in median})
    return 0


if __name__ == "__main__":
    sys.exit(main())
