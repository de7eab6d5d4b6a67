"""Command line of training/evaluate.py."""

import argparse
import csv
import dataclasses
import json
import os
import sys

from tqdm import tqdm

from nsr_tf.cli.common import report, sigma_argument
from nsr_tf.errors import NsrError, UsageError
from nsr_tf import quiet
from nsr_tf import pretrained
from nsr_tf.precision import PRECISIONS


def parser():
    p = argparse.ArgumentParser(
        prog="evaluate.py",
        description="Score a trained model (and/or classical baselines) on benchmark "
                    "folders with the paper's protocol: deterministic degradations (noise "
                    "seeded by file name, libjpeg, MATLAB bicubic), PSNR/SSIM on [0, 255], "
                    "gray or Y, SR borders shaved.",
        epilog="example: python training/evaluate.py --model jobs/denoise-sigma25-sparse+/"
               "best.keras --data-dir Set12 --baseline input")
    p.add_argument("--model", help=".keras model or a shipped model's name (task, degradation "
                   "and tile are read from "
                   "the JSON beside it when present)")
    p.add_argument("--data-dir", action="append", required=True,
                   help="folder of clean test images; repeat for several datasets")
    p.add_argument("--task", choices=("denoise", "jpeg", "sr"))
    p.add_argument("--sigma", type=float, help="denoise: AWGN sigma on [0, 255]")
    p.add_argument("--quality", type=int, help="jpeg: quality")
    p.add_argument("--scale", type=int, help="sr: 2, 3 or 4")
    p.add_argument("--channels", type=int, choices=(1, 3),
                   help="default: the model's, else 1 (3 for sr)")
    p.add_argument("--baseline", action="append", default=[], choices=("input", "bicubic"),
                   help="also score a classical method on the same inputs: 'input' (the "
                        "degraded input; bicubic upsampling for SR) or 'bicubic' (SR)")
    p.add_argument("--ensemble", action="store_true", help="x8 self-ensemble (flips and "
                   "rotations)")
    p.add_argument("--tile-size", type=int, help="default: the training patch (64; SR 48)")
    p.add_argument("--overlap", type=int, help="default: tile / 4")
    p.add_argument("--batch-size", type=int,
                   help="tiles per batch (default: about 64k pixels, e.g. 16 tiles of 64)")
    p.add_argument("--precision", default="float32",
                   choices=PRECISIONS,
                   help="what the model computes in (default: %(default)s)")
    p.add_argument("--map-sigma", type=sigma_argument,
                   help="a noise-level-map model: the sigma it is told (default: the true "
                        "--sigma), e.g. to measure a wrong strength setting, or 'auto': the "
                        "sigma estimated on each noisy image (as nsr-restore --sigma auto)")
    p.add_argument("--map-quality", type=int,
                   help="a quality-map JPEG model: the quality it is told (default: the "
                        "true --quality)")
    p.add_argument("--per-image", action="store_true", help="print every image's scores")
    p.add_argument("--json", help="write all rows and the summary as JSON")
    p.add_argument("--csv", help="write the per-image rows as CSV")
    return p


def _settings(args, info, p):
    task = args.task or info.task
    if task is None:
        p.error("--task is needed (the model has no JSON beside it saying what it does)")
    if info.task and args.task and args.task != info.task:
        p.error(f"--task {args.task} but the model was trained for {info.task}")
    values = {"task": task, "sigma": args.sigma or info.sigma or 25.0,
              "quality": args.quality or info.quality or 10,
              "scale": (args.scale or info.scale or 2) if task == "sr" else 1}
    if (info.scale or 1) > 1 and values["scale"] != info.scale:
        p.error(f"--scale {values['scale']} but the model upscales x{info.scale}")
    return values


def _family_member(model, channels, folders):
    """A family name ('denoise', 'jpeg': nsr_tf.pretrained.FAMILIES) -> the model for the
    data's channels (--channels, else the first image's), and the channels to score on;
    any other name as it is (and ``channels``)."""
    from nsr_tf.data.images import list_images, photo_channels
    if model not in pretrained.FAMILIES or os.path.exists(model):
        return model, channels
    channels = channels or photo_channels(list_images(folders[0])[0])
    name, note = pretrained.pick(model, channels)
    if name is None:
        raise UsageError(f"--model {model}: no model of it is installed")
    print(f"evaluate.py: --model {model}: {name} ({'colour' if channels == 3 else 'gray'} "
          f"data){'; ' + note if note else ''}", file=sys.stderr)
    return name, channels   # a gray fallback still scores colour data in colour


def format_table(summary, per_image_rows=None):
    lines = []
    for dataset in dict.fromkeys(row["dataset"] for row in summary):
        lines.append(f"{dataset}")
        if per_image_rows:
            for row in per_image_rows:
                if row["dataset"] == dataset:
                    lines.append(f"  {row['image']:24} {row['method']:8} "
                                 f"{row['psnr']:7.2f} dB  {row['ssim']:.4f}")
        for row in summary:
            if row["dataset"] == dataset:
                lines.append(f"  {'mean of ' + str(row['images']):24} {row['method']:8} "
                             f"{row['psnr']:7.2f} dB  {row['ssim']:.4f}")
    return "\n".join(lines)


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow
    if not args.model and not args.baseline:
        p.error("give --model and/or --baseline")
    from nsr_tf import model_io
    from nsr_tf.data.images import list_images
    from nsr_tf.evaluation import evaluate_folder, summarise
    try:
        if args.model:
            args.model, args.channels = _family_member(args.model, args.channels,
                                                       args.data_dir)
        # no model: scoring the input alone (--baseline input), nothing known of a model
        model, info = model_io.load(args.model) if args.model else \
            (None, model_io.ModelInfo(scale=None))
        settings = _settings(args, info, p)
        degradation = model_io.degradation_of(dataclasses.replace(info, **settings))
        channels = args.channels or info.channels or \
            (3 if settings["task"] == "sr" else 1)
        from nsr_tf.data.pipeline import DEFAULT_PATCH_SIZE
        tile = args.tile_size or info.tile_size or DEFAULT_PATCH_SIZE[settings["task"]]
        overlap = args.overlap if args.overlap is not None else \
            info.overlap if info.overlap is not None else tile // 4
        total = sum(len(list_images(folder)) for folder in args.data_dir)
        rows = []
        with tqdm(total=total, unit="image", desc="evaluating", file=sys.stderr) as bar:
            for folder in args.data_dir:
                rows += evaluate_folder(folder, degradation, model, args.baseline, channels,
                                        tile, overlap, args.ensemble, args.batch_size,
                                        progress=lambda: bar.update(1),
                                        precision=args.precision,
                                        map_level=args.map_sigma
                                        if settings["task"] == "denoise"
                                        else args.map_quality)
    except NsrError as error:
        return report("evaluate.py", error)
    summary = summarise(rows)
    print(f"{degradation.describe()}{', x8 ensemble' if args.ensemble else ''}; "
          f"tile {tile}, overlap {overlap}"
          + (f"; precision {args.precision}" if args.precision != "float32" else ""))
    print(format_table(summary, rows if args.per_image else None))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"settings": {**settings, "model": args.model, "ensemble": args.ensemble,
                                    "tile_size": tile, "overlap": overlap},
                       "summary": summary, "images": rows}, handle, indent=2)
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0
