"""Command line of training/train.py (kept in the library so it is testable)."""

import argparse
import os
import sys

from nsr_tf.cli.common import report
from nsr_tf.errors import NsrError
from nsr_tf import quiet
from nsr_tf.precision import PRECISIONS
from nsr_tf.train.config import COSINE_FLOOR, LR_SCHEDULES, TrainConfig

QUICK = dict(epochs=4, patches_per_image=40)


def parser():
    p = argparse.ArgumentParser(
        prog="train.py",
        description="Train a neural sparse representation network (Fan et al., NeurIPS "
                    "2020). Rerunning the same command resumes from the latest checkpoint "
                    "(written every epoch, every 5 minutes, and when Ctrl-C or SIGTERM stops "
                    "the run after its current step).",
        epilog="example: python training/train.py --task denoise --sigma 25 --dataset "
               "samples --quick")
    d = TrainConfig()
    p.add_argument("--task", choices=("denoise", "jpeg", "sr"), default=d.task)
    p.add_argument("--variant", default=d.variant,
                   help="preset: baseline, sparse-, sparse+, ablation (SR also edsr-s, "
                        "edsr-l); default sparse+")
    p.add_argument("--sigma", type=float, default=d.sigma, help="denoise: AWGN sigma on "
                   "[0, 255] (default 25)")
    p.add_argument("--sigma-range", type=float, nargs=2, metavar=("LOW", "HIGH"),
                   help="denoise: one model for every sigma in [LOW, HIGH] (e.g. 0 75): the "
                        "noise level map is an extra input channel, sigma is drawn per "
                        "patch; validation uses --sigma")
    p.add_argument("--quality", type=int, default=d.quality, help="jpeg: quality (default 10)")
    p.add_argument("--quality-range", type=int, nargs=2, metavar=("LOW", "HIGH"),
                   help="jpeg: one model for every quality in [LOW, HIGH] (e.g. 10 90): the "
                        "quality map (quality / 100) is an extra input channel, quality is "
                        "drawn per patch; validation uses --quality")
    p.add_argument("--blind", action="store_true",
                   help="with --sigma-range or --quality-range: draw the level per patch but "
                        "do not give the model a map (one blind model)")
    p.add_argument("--noise", choices=("awgn", "camera", "mix"), default=d.noise,
                   help="denoise with --sigma-range and --channels 3: the training noise: "
                        "awgn (default), camera (Poisson-Gaussian sensor noise through "
                        "mosaic, demosaic, gamma and sometimes JPEG, the map told its RMS: "
                        "phone photos) or mix (half of each); evaluation stays AWGN")
    p.add_argument("--map-jitter", type=float, default=None, metavar="SHARE",
                   help="with a level map: the share of patches (0-1) told a level off the "
                        "truth by up to 50%%, the target still clean, so the model weighs "
                        "the map against the image (a wrong slider costs less); default 0")
    p.add_argument("--scale", type=int, default=d.scale, help="sr: 2, 3 or 4 (default 2)")
    p.add_argument("--channels", type=int, choices=(1, 3), default=None,
                   help="image channels (default: 1 for denoise/jpeg, 3 for sr)")
    p.add_argument("--num-blocks", type=int, default=None,
                   help="override the preset's number of residual blocks")
    p.add_argument("--width-multiplier", type=float, default=None, metavar="W",
                   help="override the preset's width inside each block (C -> C*W -> C)")
    p.add_argument("--data-dir", action="append", default=None,
                   help="folder of training images (wins over --dataset); repeat it to "
                        "train on several folders (e.g. CBSD432 and T91 for SR)")
    p.add_argument("--dataset", default=d.dataset,
                   help="built-in 'samples' (scikit-image's photographs, no network; "
                        "default) or a named dataset to download: train400, div2k, ...")
    p.add_argument("--lr-dir", default=None,
                   help="sr: folder of the LR images, named as DIV2K (0001x2.png); default: "
                        "DIV2K's X_LR_bicubic/X{scale} beside an X_HR --data-dir if present, "
                        "else LR is made on the fly (MATLAB bicubic)")
    p.add_argument("--val-dir", default=None,
                   help="validation images (default: a few training images held out, in turn "
                        "from the end of each --data-dir folder; the job keeps them)")
    p.add_argument("--epochs", type=int, default=None, help="default 30 (the paper)")
    p.add_argument("--patches-per-image", type=int, default=None,
                   help="random patches per image per epoch (default 100, the paper)")
    p.add_argument("--batch-size", type=int, default=d.batch_size,
                   help="global batch (default 16)")
    p.add_argument("--patch-size", type=int, default=None,
                   help="training patch, also the inference tile (default 64; SR: LR 48)")
    p.add_argument("--lr", type=float, default=d.lr,
                   help="Adam lr (default 1e-3)")
    p.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=d.lr_schedule,
                   help="step (default, the paper's: x0.2 after epochs 20 and 25 of 30, "
                        "scaled to --epochs) or cosine (per step, down to "
                        f"{COSINE_FLOOR:g}x the lr at the last step)")
    p.add_argument("--job-dir", default=None,
                   help="checkpoints, logs, best model (default jobs/TASK-DEGRADATION-VARIANT)")
    p.add_argument("--strategy", choices=("auto", "default", "mirrored", "multiworker"),
                   default=d.strategy)
    p.add_argument("--cpu-replicas", type=int, default=0,
                   help="with --strategy mirrored and no GPU: N logical CPU replicas")
    p.add_argument("--skip-bad-files", action="store_true",
                   help="skip unreadable or too small images instead of refusing to start")
    p.add_argument("--precision", default=d.precision,
                   choices=PRECISIONS,
                   help="what the convs compute in; variables stay float32 (default auto: "
                        "bfloat16 on CPUs with AMX or AVX512-BF16, float16 on GPUs of "
                        "compute capability >= 7.0, else float32)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--init-from", metavar="MODEL",
                   help="start from the weights of a trained .keras model (or a shipped "
                        "model's name) wherever a layer's name and shapes match, e.g. an x4 "
                        "upscaler from the x2 one (all but the tail); a model with more "
                        "blocks or wider ones starts as the trained one (Net2Net: "
                        "nsr_tf/train/grow.py); ignored on resume")
    p.add_argument("--quick", action="store_true",
                   help=f"a short run for a demo (a few minutes on 2 CPU cores): "
                        f"{QUICK['epochs']} epochs of {QUICK['patches_per_image']} "
                        f"patches per image")
    return p


def config_from_args(argv=None):
    p = parser()
    args = p.parse_args(argv)
    values = {k: v for k, v in vars(args).items() if k != "quick" and v is not None}
    width = values.pop("width_multiplier", None)
    if width is not None:
        if not width > 0:
            p.error("--width-multiplier must be > 0")
        values["model_overrides"] = {"width_multiplier": width}
    if values.get("data_dir") and len(values["data_dir"]) == 1:
        values["data_dir"] = values["data_dir"][0]
    if args.blind and not (args.sigma_range or args.quality_range):
        p.error("--blind needs --sigma-range or --quality-range")
    if args.sigma_range and args.task != "denoise":
        p.error("--sigma-range needs --task denoise")
    if args.quality_range and args.task != "jpeg":
        p.error("--quality-range needs --task jpeg")
    if args.quick:
        for key, value in QUICK.items():
            values.setdefault(key, value)
    for name in ("epochs", "patches_per_image", "batch_size", "patch_size", "num_blocks"):
        if name in values and values[name] < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if not values["lr"] > 0:
        p.error("--lr must be > 0")
    return TrainConfig(**values)


def main(argv=None):
    config = config_from_args(argv)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow
    # Imported after parsing so --help is instant.
    from nsr_tf.train.loop import Stopped, Trainer
    try:
        trainer = Trainer(config)
        scores = trainer.fit()
    except Stopped as stopped:
        print(f"train.py: {stopped}", file=sys.stderr)
        return 128 + stopped.signum     # the shell's status for a run a signal ended
    except NsrError as error:
        return report("train.py", error)
    except KeyboardInterrupt:
        print("train.py: interrupted; rerun the same command to resume from the last "
              "checkpoint", file=sys.stderr)
        return 130
    if scores is None:
        print(f"nothing to do: {config.epochs} epochs already done in {config.job_dir}")
    else:
        print(f"validation PSNR {scores['psnr']:.2f} dB (input {scores['input_psnr']:.2f} "
              f"dB), SSIM {scores['ssim']:.4f}; best model: "
              f"{os.path.join(config.job_dir, 'best.keras')}")
    return 0
