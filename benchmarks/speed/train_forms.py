"""The SparseConv2D forms (nsr_tf/layers/conv_forms.py) inside train.py's training step,
side by side in one run: the denoising Sparse+ preset (batch 16 of 64x64, L1 + Adam,
through the Trainer), each form in float32 and in the precision ``--precision auto``
picks here, timed round-robin.

    python benchmarks/speed/train_forms.py [--forms per_sample,mixture,rowhybrid]
        [--rounds 6] [--markdown docs/train_forms.md] [--pause PID]

Why: ``implementation="auto"`` trains with ``per_sample`` on a CPU (one conv per sample
with its aggregated kernel, eq. 10). ``mixture`` (every bank as one static conv, then the
gate-weighted sum: k times the FLOPs, but large batched convs) might win where the convs
run on a matrix unit (AMX); this measures it on the machine at hand. ``grouped`` has no
gradient on a CPU. ``--pause PID`` holds a training run stopped meanwhile.
"""

import argparse
import shutil
import sys
import tempfile

from nsr_tf.benchmarking import (  # noqa: I100
    emit, header, interleaved, parse_step_timing, paused, training_precisions)
from nsr_tf.data.sources import shared_data
from nsr_tf.layers import set_implementation
from nsr_tf.train import TrainConfig, Trainer

TRAIN400 = shared_data("Train400")


def step(form, precision, data_dir, jobs):
    """A function of no arguments running train.py's step of the Sparse+ denoiser, its
    convs in ``form``, on a fixed batch (its own trainer: variables and optimizer)."""
    jobs.append(tempfile.mkdtemp(prefix="nsr_forms_"))
    trainer = Trainer(TrainConfig(task="denoise", variant="sparse+", data_dir=data_dir,
                                  epochs=1, patches_per_image=1, job_dir=jobs[-1],
                                  precision=precision, seed=0), log=lambda *_: None)
    set_implementation(trainer.model, form)
    train_step = trainer._make_train_step()
    batch = next(iter(trainer.dataset))
    return lambda: float(train_step(*batch))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", default="per_sample,mixture,rowhybrid",
                        help="SparseConv2D forms, comma separated (first: the reference)")
    args = parse_step_timing(parser, argv, rounds=6, data_dir=TRAIN400)
    forms = args.forms.split(",")
    precisions = training_precisions()
    jobs, calls = [], {}
    try:
        with paused(args.pause):
            for precision in precisions:
                for form in forms:
                    calls[precision, form] = step(form, precision, [args.data_dir], jobs)
            median = interleaved(calls, rounds=args.rounds, warmup=2)  # the first traces
    finally:
        for job in jobs:
            shutil.rmtree(job, ignore_errors=True)
    lines = ["# SparseConv2D forms in the training step", "",
             "Command: `python benchmarks/speed/train_forms.py "
             + " ".join(argv if argv is not None else sys.argv[1:]) + "`. Median ms per "
             f"step of the Sparse+ denoiser over {args.rounds} interleaved rounds (batch 16 "
             f"of 64x64, L1 + Adam, train.py's step); the ratio is to `{forms[0]}` in the "
             "same precision (above 1: faster).", "", header(), "",
             "| precision | form | ms per step | speed-up |", "|---|---|---|---|"]
    for precision in precisions:
        for form in forms:
            ms = median[precision, form] * 1e3
            lines.append(f"| {precision} | {form} | {ms:.0f} | "
                         f"{median[precision, forms[0]] / median[precision, form]:.2f}x |")
    emit(lines, args.markdown, {f"{p} {f}": median[p, f] for p, f in median})
    return 0


if __name__ == "__main__":
    sys.exit(main())
