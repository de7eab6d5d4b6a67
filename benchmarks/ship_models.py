"""Copies trained sigma-25 denoisers into nsr_tf/pretrained/, exports them (float32 and
dynamic-range int8 .tflite), measures them and writes the model card.

    python benchmarks/ship_models.py --sparse jobs/ship-sparse+ --baseline jobs/ship-baseline

Everything in the card is measured here: Set12 PSNR/SSIM with training/evaluate.py's
protocol, parameters, MACs/pixel, LiteRT latency (64x64 tile, XNNPACK, 1 and 2 threads).
"""

import argparse
import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET12 = os.path.join(REPO, "..", "shared", "data", "Set12")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sparse", required=True, help="job dir of the Sparse+ run")
    parser.add_argument("--baseline", required=True, help="job dir of the dense baseline run")
    parser.add_argument("--set12", default=SET12)
    args = parser.parse_args(argv)
    from nsr_tf import count_params, macs_per_pixel, model_io, pretrained
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    from nsr_tf.export import cli as export_cli
    from nsr_tf.export.litert import latency

    rows = []
    for name, job in (("denoise-sigma25", args.sparse),
                      ("denoise-sigma25-baseline", args.baseline)):
        stem = os.path.join(pretrained.HERE, pretrained.MODELS[name])
        shutil.copy(os.path.join(job, "best.keras"), stem + ".keras")
        with open(os.path.join(job, "best.json")) as handle:
            meta = json.load(handle)
        model, info = model_io.load(os.path.join(job, "best.keras"))
        results = evaluate_folder(args.set12, Degradation("denoise", 25), model,
                                  baselines=["input"], channels=1)
        scores = {row["method"]: row for row in summarise(results)}
        meta["set12"] = {"psnr": scores["model"]["psnr"], "ssim": scores["model"]["ssim"],
                         "noisy_input_psnr": scores["input"]["psnr"]}
        with open(stem + ".json", "w") as handle:
            json.dump(meta, handle, indent=2)
        for quantize, suffix in (("none", ".tflite"), ("dynamic", "_dynamic.tflite")):
            status = export_cli.main(["--model", stem + ".keras", "--quantize", quantize,
                                      "--out", stem + suffix])
            if status:
                return status
        timings = {f"{q} {t}t": latency(open(stem + s, "rb").read(), t, runs=30) * 1e3
                   for q, s in (("float32", ".tflite"), ("dynamic", "_dynamic.tflite"))
                   for t in (1, 2)}
        rows.append((name, meta, count_params(model), macs_per_pixel(model, 64), timings))
    write_card(rows)
    return 0


def write_card(rows):
    from nsr_tf import pretrained
    lines = ["# Shipped models: sigma-25 Gaussian denoisers (gray)", "",
             "Trained by this project with its own `training/train.py`; measured by "
             "`python benchmarks/ship_models.py --sparse jobs/ship-sparse+ --baseline "
             "jobs/ship-baseline` (Set12 protocol of training/evaluate.py: noise seeded by "
             "file name, PSNR on [0, 255] after clipping; tiles 64, overlap 16).", "",
             "| name | preset | params | MACs/pixel | shipped epoch (steps) | Set12 PSNR / "
             "SSIM | LiteRT 64x64 tile, float32 1t / 2t | dynamic int8 1t / 2t |",
             "|---|---|---|---|---|---|---|---|"]
    for name, meta, params, macs, t in rows:
        lines.append(f"| `{name}` | {meta['config']['variant']} | {params:,} | "
                     f"{macs / 1e6:.3f} M | {meta['epoch']} ({meta['step']}) | "
                     f"{meta['set12']['psnr']:.2f} dB / "
                     f"{meta['set12']['ssim']:.4f} | {t['float32 1t']:.1f} / "
                     f"{t['float32 2t']:.1f} ms | {t['dynamic 1t']:.1f} / "
                     f"{t['dynamic 2t']:.1f} ms |")
    config = rows[0][1]["config"]
    lines += ["", f"Noisy input on Set12: {rows[0][1]['set12']['noisy_input_psnr']:.2f} dB. "
              "References measured with the same protocol (method.md): BM3D 29.99 dB, "
              "DnCNN-S 30.46 dB; the paper's fully trained Sparse+ 30.68 dB.", "",
              "Data and schedule: Train400 (400 gray 180x180 BSD images; the last "
              f"{config.get('val_images', 4)} in sorted order held out for validation), "
              f"AWGN sigma 25 on the fly, {config['epochs']} epochs x "
              f"{config['patches_per_image']} random {config['patch_size']}x"
              f"{config['patch_size']} patches per image, batch {config['batch_size']}, "
              f"L1, Adam {config['lr']:g}, x0.2 after epochs "
              f"{round(20 * config['epochs'] / 30)} and {round(25 * config['epochs'] / 30)}; "
              f"{config['epochs'] * 297} steps, the epoch with the best validation PSNR "
              "shipped. Hardware: 2 CPU cores, the two models trained side by side (about "
              "50 min). The paper's schedule is 30 epochs x 100 patches per image (about 35x "
              "more steps): these models are far from converged, and neither beats BM3D "
              "yet. At the same FLOPs and the same steps, Sparse+ is ahead of the dense "
              "baseline on Set12.", "",
              "Dynamic-range int8 makes the dense model about 3x faster on XNNPACK but not "
              "the sparse one: its row-hybrid conv weights are computed at run time and stay "
              "float (docs/benchmarks.md).", "",
              "Files per model: `.keras` (Keras 3; load with `nsr_tf.pretrained.load`), "
              "`.json` (training config, validation and Set12 scores), `.tflite` "
              "(float32, rowhybrid form, every op on XNNPACK) and `_dynamic.tflite` "
              "(dynamic-range int8 weights), each with its export metadata "
              "`.tflite.json`."]
    with open(os.path.join(pretrained.HERE, "MODEL_CARD.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
