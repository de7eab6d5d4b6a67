"""Mixed precision against float32, side by side in one run: the training step of the
dense baseline and Sparse+ (batch 16, 64x64, L1 + Adam, through train.py's Trainer), the
shipped models' Set12 PSNR and restore time per precision, and (``--train-steps``) a short
training run per precision from the same seed with the Set12 PSNR it reaches.

    python benchmarks/speed/precision_speed.py [--steps 10] [--train-steps 1000]
        [--data-dir ../shared/data/Train400] [--markdown docs/precision.md]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

from nsr_tf import model_io  # noqa: I100  (quiet TensorFlow first)
from nsr_tf.data import Degradation
from nsr_tf.evaluation import evaluate_folder, summarise
from nsr_tf.model_io import load
from nsr_tf.precision import choose, cpu_name
from nsr_tf.data.sources import shared_data
from nsr_tf.train import TrainConfig, Trainer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.benchmarking import write
SET12 = os.path.join(REPO, "testsets", "Set12")
TRAIN400 = shared_data("Train400")


def step_times(policies, data_dir, rounds):
    """ms per training step of the baseline and Sparse+ under each policy, interleaved:
    every round times one step of each, so drift on a shared machine hits all alike.
    Returns {(variant, policy): [ms per round]}."""
    steps, jobs = {}, []
    try:
        for variant in ("baseline", "sparse+"):
            for policy in policies:
                jobs.append(tempfile.mkdtemp(prefix="nsr_precision_"))
                trainer = Trainer(TrainConfig(task="denoise", variant=variant,
                                              data_dir=data_dir, epochs=1,
                                              patches_per_image=1, job_dir=jobs[-1],
                                              precision=policy), log=lambda *_: None)
                batch = next(iter(trainer.dataset))
                for _ in range(2):                      # trace, warm up
                    float(trainer._train_step(*batch))
                steps[variant, policy] = (trainer, batch)
        times = {key: [] for key in steps}
        for _ in range(rounds):
            for key, (trainer, batch) in steps.items():
                start = time.perf_counter()
                float(trainer._train_step(*batch))
                times[key].append((time.perf_counter() - start) * 1e3)
        return times
    finally:
        for job in jobs:
            shutil.rmtree(job, ignore_errors=True)


def set12(model, policy):
    start = time.perf_counter()
    rows = evaluate_folder(SET12, Degradation("denoise", 25), model, tile_size=64,
                           overlap=16, precision=policy)
    return summarise(rows)[0]["psnr"], time.perf_counter() - start


def short_run(policy, data_dir, steps, work):
    images = len([n for n in os.listdir(data_dir) if n.endswith(".png")])
    job = os.path.join(work, policy)
    config = TrainConfig(task="denoise", variant="sparse+", data_dir=data_dir, epochs=1,
                         patches_per_image=max(1, round(steps * 16 / images)), job_dir=job,
                         precision=policy, seed=0)
    start = time.perf_counter()
    trainer = Trainer(config, log=lambda *_: None)
    trainer.fit()
    seconds = time.perf_counter() - start
    model, _ = load(os.path.join(job, "best.keras"))
    return int(trainer.step), seconds, set12(model, "float32")[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20,
                        help="timed rounds (one step of each model and precision per round)")
    parser.add_argument("--train-steps", type=int, default=0,
                        help="also train Sparse+ this many steps per precision (0: skip)")
    parser.add_argument("--data-dir", default=TRAIN400 if os.path.isdir(TRAIN400) else None)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("no Train400 beside the repository: pass --data-dir")
    auto, reason = choose("auto")
    low = auto if auto != "float32" else "mixed_bfloat16"
    policies = ["float32", low]
    lines = []

    def say(*new):   # printed as measured, and kept for --markdown
        lines.extend(new)
        print("\n".join(new), flush=True)

    say(f"CPU: {cpu_name()}, {os.cpu_count()} cores; auto: {auto} ({reason})",
        f"command: python benchmarks/speed/precision_speed.py {' '.join(argv or sys.argv[1:])}",
        "", f"Training step, batch 16 of 64x64, L1 + Adam (median ms/step over {args.steps} "
        "interleaved rounds):", "",
        "| model | " + " | ".join(policies) + " | speed-up |", "|---|---|---|---|")
    times = step_times(policies, args.data_dir, args.steps)
    for variant in ("baseline", "sparse+"):
        ms = {p: statistics.median(times[variant, p]) for p in policies}
        say(f"| {variant} | " + " | ".join(f"{ms[p]:.0f}" for p in policies)
            + f" | {ms['float32'] / ms[low]:.2f}x |")
    # Ratios per round (the same few seconds of the machine), then their median.
    ratio = [f"{p}: " + format(statistics.median(
        sparse / dense for sparse, dense in zip(times["sparse+", p], times["baseline", p])),
        ".2f") for p in policies]
    say("", "Sparse+ / baseline step (median of per-round ratios): " + ", ".join(ratio), "",
        "Shipped models, Set12 sigma 25 (tile 64/16), PSNR and seconds per precision:",
        "", "| model | " + " | ".join(policies) + " | PSNR change |", "|---|---|---|---|")
    for name in ("denoise-sigma25", "denoise-sigma25-baseline"):
        model, _ = model_io.load(name)
        scores = {p: set12(model, p) for p in policies}
        say(f"| {name} | " + " | ".join(f"{scores[p][0]:.3f} dB, {scores[p][1]:.1f} s"
                                        for p in policies)
            + f" | {scores[low][0] - scores['float32'][0]:+.4f} dB |")
    if args.train_steps:
        work = tempfile.mkdtemp(prefix="nsr_precision_runs_")
        say("", f"Sparse+ trained {args.train_steps} steps per precision (same seed, "
            "lr 1e-3), Set12 PSNR of the float32 best.keras:", "",
            "| precision | steps | wall | Set12 PSNR |", "|---|---|---|---|")
        for policy in policies:
            done, seconds, psnr = short_run(policy, args.data_dir, args.train_steps, work)
            say(f"| {policy} | {done} | {seconds / 60:.1f} min | {psnr:.3f} dB |")
        shutil.rmtree(work, ignore_errors=True)
    write(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
