"""Copies trained sigma-25 denoisers into nsr_tf/pretrained/, exports them (float32 and
dynamic-range int8 .tflite), measures them and writes the model card.

    python release/ship_models.py --sparse jobs/ship2-sparse+ --baseline jobs/ship-baseline \
        --compare jobs/ship-sparse+

Everything in the card is measured here: Set12 PSNR/SSIM with training/evaluate.py's
protocol, parameters, MACs/pixel, LiteRT latency (one tile of each file at its phone tile,
nsr_tf.inference.phone_tile: 256 float32, 128 dynamic int8; XNNPACK, 1 and 2 threads).
"""

import argparse
import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET12 = os.path.join(REPO, "testsets", "Set12")

_TRAIN = ("python training/train.py --task denoise --sigma 25 --variant {} "
          "--data-dir ../shared/data/Train400 --patches-per-image 12 --precision float32")
# How the shipped models were trained, in order (2 CPU cores). Rerunning a job with a
# larger --epochs resumes it from its last checkpoint under that run's lr schedule (x0.2
# after epochs round(20/30 E) and round(25/30 E)).
SCHEDULES = {
    "denoise-sigma25": [
        _TRAIN.format("sparse+") + " --epochs 7 --job-dir jobs/ship-sparse+",
        "cp -r jobs/ship-sparse+ jobs/ship2-sparse+",
        # (its epochs 8-10 ran under --epochs 26, whose lr is the same 1e-3 there)
        _TRAIN.format("sparse+") + " --epochs 30 --job-dir jobs/ship2-sparse+"],
    "denoise-sigma25-baseline": [
        _TRAIN.format("baseline") + " --epochs 7 --job-dir jobs/ship-baseline"],
}
COMMAND = ("python release/ship_models.py --sparse jobs/ship2-sparse+ --baseline "
           "jobs/ship-baseline --compare jobs/ship-sparse+")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sparse", required=True, help="job dir of the Sparse+ run")
    parser.add_argument("--baseline", required=True, help="job dir of the dense baseline run")
    parser.add_argument("--compare", help="job dir of a Sparse+ run with the baseline's "
                                          "steps: scored on Set12 for the card, not shipped")
    parser.add_argument("--set12", default=SET12)
    args = parser.parse_args(argv)
    from nsr_tf import count_params, macs_per_pixel, metadata, pretrained
    from nsr_tf.export.catalogue import exported
    from nsr_tf.export.litert import latency

    rows = []
    for name, job in (("denoise-sigma25", args.sparse),
                      ("denoise-sigma25-baseline", args.baseline)):
        stem = os.path.join(pretrained.HERE, pretrained.MODELS[name])
        shutil.copy(os.path.join(job, "best.keras"), stem + ".keras")
        meta, model = score(job, args.set12)
        metadata.write(metadata.TrainingRecord.from_json(meta), stem + ".json")
        # the exports are made on demand (cached, parity-checked), not shipped
        timings = {f"{q} {t}t": latency(open(exported(name, s), "rb").read(), t,
                                        runs=30) * 1e3
                   for q, s in (("float32", ".tflite"), ("dynamic", "_dynamic.tflite"))
                   for t in (1, 2)}
        rows.append((name, meta, count_params(model), macs_per_pixel(model, 64), timings))
    compare = score(args.compare, args.set12)[0] if args.compare else None
    write_card(rows, compare)
    return 0


def score(job, set12):
    """The job's best.json with Set12 scores added, and its best model."""
    from nsr_tf import model_io
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    with open(os.path.join(job, "best.json")) as handle:
        meta = json.load(handle)
    model, _ = model_io.load(os.path.join(job, "best.keras"))
    results = evaluate_folder(set12, Degradation("denoise", 25), model,
                              baselines=["input"], channels=1)
    scores = {row["method"]: row for row in summarise(results)}
    meta["set12"] = {"psnr": scores["model"]["psnr"], "ssim": scores["model"]["ssim"],
                     "noisy_input_psnr": scores["input"]["psnr"]}
    return meta, model


def write_card(rows, compare=None):
    from nsr_tf import pretrained
    lines = ["# Shipped models: sigma-25 Gaussian denoisers (gray)", "",
             "The level-conditioned models have their own cards here: "
             "`MODEL_CARD_denoise_blind_sparse_plus.md` (`denoise-blind`, sigma 0-75) and "
             "`MODEL_CARD_jpeg_sparse_minus.md` (`jpeg`, JPEG quality 10-90). Which "
             "file to run where, with each file's latency and PSNR on one machine: "
             "`docs/deployment.md` (`python export/deployment.py --int8`).", "",
             "Trained by this project with its own `training/train.py`; measured by "
             f"`{COMMAND}` (Set12 protocol of training/evaluate.py: noise seeded by file "
             "name, PSNR on [0, 255] after clipping; tiles 64, overlap 16).", "",
             "| name | preset | params | MACs/pixel | shipped epoch (steps) | Set12 PSNR / "
             "SSIM | LiteRT, one 256 px tile, float32 1t / 2t | one 128 px tile, dynamic int8 "
             "1t / 2t |",
             "|---|---|---|---|---|---|---|---|"]
    for name, meta, params, macs, t in rows:
        lines.append(f"| `{name}` | {meta['config']['variant']} | {params:,} | "
                     f"{macs / 1e6:.3f} M | {meta['epoch']} ({meta['step']}) | "
                     f"{meta['set12']['psnr']:.2f} dB / "
                     f"{meta['set12']['ssim']:.4f} | {t['float32 1t']:.1f} / "
                     f"{t['float32 2t']:.1f} ms | {t['dynamic 1t']:.1f} / "
                     f"{t['dynamic 2t']:.1f} ms |")
    if compare:
        lines.append(f"| (not shipped: Sparse+ at the baseline's steps) | sparse+ | | | "
                     f"{compare['epoch']} ({compare['step']}) | "
                     f"{compare['set12']['psnr']:.2f} dB / {compare['set12']['ssim']:.4f} "
                     f"| | |")
    shipped = rows[0][1]["set12"]["psnr"]   # the Sparse+ row
    verdict = "beats BM3D" if shipped > 29.99 else "does not beat BM3D yet"
    lines += ["", f"Noisy input on Set12: {rows[0][1]['set12']['noisy_input_psnr']:.2f} dB. "
              "References measured with the same protocol (docs/design.md, Evaluation protocol): BM3D 29.99 dB, "
              "DnCNN-S 30.46 dB; the paper's fully trained Sparse+ 30.68 dB. The shipped "
              f"Sparse+ {verdict}.", "",
              "Data: Train400 (400 gray 180x180 BSD images; the last 4 in sorted order held "
              "out for validation), AWGN sigma 25 on the fly, random 64x64 patches, batch "
              "16, L1, Adam 1e-3; the epoch with the best validation PSNR shipped. "
              "Hardware: 2 CPU cores (AMD EPYC), TensorFlow 2.21 CPU, float32 "
              "(`--precision float32` reproduces them; new runs default to `--precision "
              "auto`, bfloat16 on that CPU, about 1.6x faster per step, docs/benchmarks.md)"
              ". The paper's schedule "
              "is 30 epochs x 100 patches per image (74,250 steps of batch 16 on Train400): "
              "these models are far from converged.", "",
              "Schedules (commands run in this order; rerunning a job with a larger "
              "`--epochs` resumes it from its checkpoint under that run's lr schedule, "
              "x0.2 after epochs round(20/30 E) and round(25/30 E)):", ""]
    for name, meta, *_ in rows:
        lines.append(f"- `{name}` ({meta['step']} steps at its shipped epoch):")
        lines += [f"  - `{command}`" for command in SCHEDULES[name]]
    if compare:
        lines += ["", "The not-shipped row is the Sparse+ job after its first command: at the "
                  "same FLOPs and the same steps as the baseline it is "
                  f"{compare['set12']['psnr'] - rows[1][1]['set12']['psnr']:+.2f} dB "
                  "on Set12."]
    lines += ["", "Dynamic-range int8 makes the dense model about 3x faster on XNNPACK but not "
              "the sparse one: its row-hybrid conv weights are computed at run time and stay "
              "float (docs/benchmarks.md).", "",
              "Files per model: `.keras` (Keras 3; load with `nsr_tf.model_io.load`) and "
              "`.json` (training config, validation and Set12 scores). The `.tflite` files "
              "(float32, rowhybrid form, every op on XNNPACK, and `_dynamic.tflite`, "
              "dynamic-range int8 weights, for the CPU; `_gpu.tflite`, the GPU form, "
              "direct, float16 weights, batch 1, fully accelerated on LiteRT's GPU "
              "accelerator, tests/export/test_gpu.py), each with its export metadata "
              "`.tflite.json`, are made on demand from the `.keras` file and "
              "parity-checked: `nsr_tf.export.catalogue.exported(NAME, suffix)`."]
    with open(os.path.join(pretrained.HERE, "MODEL_CARD.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
