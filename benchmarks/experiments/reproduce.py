"""The paper's ablations with this project's own training and evaluation code.

Denoising at sigma 25: trains on Train400, evaluates on Set12 (the paper's ablations were
run on DIV2K x2 SR; its numbers are printed beside ours for the direction of each effect,
not for the values). Writes docs/reproduction/<table>.md and .png (the plot needs
matplotlib; without it only the Markdown is written).

    python benchmarks/experiments/reproduce.py [--table table1|table2|table3|fig4|all]
        [--scale smoke|laptop|full] [--train-dir DIR] [--test-dir DIR] [--out DIR]

Scales: `laptop` (2 CPU cores: 2 and 4 blocks, ~600 steps per row, 8-15 min per table
measured), `full` (the paper's depth and
schedule; for a GPU machine), `smoke` (seconds; for tests).
"""

import argparse
import dataclasses
import os
import sys
import time

from nsr_tf.data.sources import shared_data

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = shared_data()


@dataclasses.dataclass(frozen=True)
class Scale:
    depths: tuple          # residual blocks, one or two depths per table
    width: float           # dense width multiplier of Tables 2/3 (paper: 4)
    epochs: int
    patches_per_image: int
    train_images: int | None = None   # None: all
    test_images: int | None = None


SCALES = {
    "smoke": Scale((1,), 2.0, 1, 4, train_images=9, test_images=2),
    "laptop": Scale((2, 4), 2.0, 3, 8),
    "full": Scale((8, 16), 4.0, 30, 100),
}

# Paper numbers (DIV2K x2 SR, PSNR dB) beside each row, where the paper has one.
PAPER_TABLE1 = {"none": 34.76, "sigmoid": 34.81, "gumbel": 34.45, "softmax tau=10": 34.86,
                "softmax tau=1": 34.87, "softmax tau=0.1": 34.83}
# Tables 2 and 3 by (sparsity groups, residual blocks); k=1 is the dense "N/A" row.
_DEPTHS = (2, 4, 8, 16)
PAPER_TABLE2 = {(k, n): v for k, row in {1: (33.91, 34.29, 34.56, 34.76),
                                         2: (33.92, 34.30, 34.57, 34.77),
                                         4: (33.81, 34.21, 34.41, 34.68)}.items()
                for n, v in zip(_DEPTHS, row)}
PAPER_TABLE3 = {(k, n): v for k, row in {1: (33.91, 34.29, 34.56, 34.76),
                                         2: (33.98, 34.38, 34.65, 34.83),
                                         4: (34.07, 34.45, 34.70, 34.87)}.items()
                for n, v in zip(_DEPTHS, row)}


def rows(table, scale):
    """(label, preset overrides, paper value) per row."""
    deepest = scale.depths[-1]
    if table == "table1":   # k=4 at the dense model's FLOPs (Table 1 = Table 3's k=4 row)
        base = dict(num_blocks=deepest, width_multiplier=scale.width, sparsity_groups=4,
                    cardinality=16)
        out = [("none", dict(base, sparsity_groups=1, cardinality=1, gate="none"),
                PAPER_TABLE1["none"])]
        for gate, tau in (("sigmoid", 1.0), ("gumbel", 1.0), ("softmax", 10.0),
                          ("softmax", 1.0), ("softmax", 0.1)):
            label = gate if gate != "softmax" else f"softmax tau={tau:g}"
            out.append((label, dict(base, gate=gate, temperature=tau), PAPER_TABLE1[label]))
        return out
    if table in ("table2", "table3"):   # same size: w = width / k; same FLOPs: w fixed
        return [(f"k={k}, {n} blocks",
                 dict(num_blocks=n, sparsity_groups=k,
                      cardinality=(min(16, 32 // k) if table == "table2" else 16) if k > 1
                      else 1, gate="softmax" if k > 1 else "none",
                      width_multiplier=scale.width / k if table == "table2" else scale.width),
                 (PAPER_TABLE2 if table == "table2" else PAPER_TABLE3).get((k, n)))
                for n in scale.depths for k in (1, 2, 4)]
    if table == "fig4":     # cardinality at the same FLOPs
        return [(f"d={d}", dict(num_blocks=deepest, sparsity_groups=4, cardinality=d,
                                gate="softmax", width_multiplier=scale.width), None)
                for d in (1, 4, 16)]
    raise ValueError(f"unknown table {table!r}")


def subset(folder, count, link_dir):
    """``folder`` itself, or (with ``count``) a folder of links to its first images."""
    from nsr_tf.data.images import list_images
    if not count:
        return folder
    os.makedirs(link_dir, exist_ok=True)
    for path in list_images(folder)[:count]:
        link = os.path.join(link_dir, os.path.basename(path))
        if not os.path.exists(link):
            os.symlink(os.path.abspath(path), link)
    return link_dir


def run_row(overrides, scale, train_dir, test_dir, job_dir):
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    from nsr_tf.flops import count_params, macs_per_pixel
    from nsr_tf.train import TrainConfig, Trainer

    train = subset(train_dir, scale.train_images, os.path.join(job_dir, "train"))
    test = subset(test_dir, scale.test_images, os.path.join(job_dir, "test"))
    overrides = dict(overrides)
    config = TrainConfig(task="denoise", variant="ablation", sigma=25, data_dir=train,
                         epochs=scale.epochs, patches_per_image=scale.patches_per_image,
                         job_dir=os.path.join(job_dir, "job"),
                         num_blocks=overrides.pop("num_blocks"), model_overrides=overrides,
                         val_images=1)
    start = time.perf_counter()
    trainer = Trainer(config, log=lambda *_: None)
    trained = trainer.fit() is not None
    seconds = time.perf_counter() - start
    timing = os.path.join(job_dir, "train_seconds.txt")
    if trained:   # a rerun resumes a finished row: keep the time it really took
        with open(timing, "w") as handle:
            handle.write(f"{seconds}\n")
    elif os.path.exists(timing):
        seconds = float(open(timing).read())
    rows_ = evaluate_folder(test, Degradation("denoise", 25), trainer.model, channels=1)
    (summary,) = summarise(rows_)
    return {"psnr": summary["psnr"], "ssim": summary["ssim"],
            "params": count_params(trainer.model),
            "macs": macs_per_pixel(trainer.model, config.patch_size),
            "steps": int(trainer.step), "seconds": seconds}


def write(table, scale_name, scale, results, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    lines = [f"# {table}: denoising sigma 25, Train400 -> Set12, scale `{scale_name}`", "",
             f"Command: `python benchmarks/experiments/reproduce.py --table {table} --scale {scale_name}`",
             f"Scale: {scale}", "",
             "| row | Set12 PSNR | SSIM | params | MACs/pixel | steps | train time | paper "
             "(DIV2K x2) |", "|---|---|---|---|---|---|---|---|"]
    for label, result, paper in results:
        lines.append(f"| {label} | {result['psnr']:.2f} | {result['ssim']:.4f} | "
                     f"{result['params']:,} | {result['macs'] / 1e6:.3f} M | "
                     f"{result['steps']} | {result['seconds'] / 60:.1f} min | "
                     f"{'' if paper is None else f'{paper:.2f}'} |")
    with open(os.path.join(out_dir, f"{table}.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot written", file=sys.stderr)
        return
    figure, axis = plt.subplots(figsize=(7, 3.5))
    labels = [label for label, _, _ in results]
    axis.bar(range(len(results)), [r["psnr"] for _, r, _ in results], color="#1f77b4")
    axis.set_xticks(range(len(results)), labels, rotation=30, ha="right")
    low = min(r["psnr"] for _, r, _ in results)
    axis.set_ylim(low - 0.3, max(r["psnr"] for _, r, _ in results) + 0.2)
    axis.set_ylabel("Set12 PSNR (dB)")
    axis.set_title(f"{table} ({scale_name} scale)")
    figure.tight_layout()
    figure.savefig(os.path.join(out_dir, f"{table}.png"), dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default="all",
                        choices=("table1", "table2", "table3", "fig4", "all"))
    parser.add_argument("--scale", default="laptop", choices=tuple(SCALES))
    parser.add_argument("--train-dir", default=os.path.join(SHARED, "Train400"))
    parser.add_argument("--test-dir", default=os.path.join(SHARED, "Set12"))
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "reproduction"))
    parser.add_argument("--work-dir", default=os.path.join(REPO, "jobs", "reproduce"))
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    tables = ("table1", "table2", "table3", "fig4") if args.table == "all" else (args.table,)
    for table in tables:
        results = []
        for index, (label, overrides, paper) in enumerate(rows(table, scale)):
            job = os.path.join(args.work_dir, args.scale, table, f"row{index}")
            result = run_row(overrides, scale, args.train_dir, args.test_dir, job)
            print(f"{table} {label}: {result['psnr']:.2f} dB ({result['params']:,} params, "
                  f"{result['macs'] / 1e6:.3f} M MACs/px, {result['seconds']:.0f} s)",
                  flush=True)
            results.append((label, result, paper))
        write(table, args.scale, scale, results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
