"""Copies trained sigma-25 denoisers into nsr_tf/pretrained/, exports them (float32 and
dynamic-range int8 .tflite), measures them and writes the model card.

    python release/ship_models.py --sparse jobs/ship2-sparse+ --baseline jobs/ship-baseline \
        --compare jobs/ship-sparse+

A run that continued the shipped Sparse+ from its weights (listed in REFINEMENTS by its job
folder) re-ships it alone, the baseline's row kept, unless a row of the card (Set12, and
each --kind set) would drop by more than 0.05 dB (then it says which, keeps the scores in
JOB/ship_scores.json and ships nothing; --accept-drops ships anyway;
--score-only only scores and says whether it would ship, as the training queue runs it):

    python release/ship_models.py --refine ~/jobs/denoise-sigma25-varied \
        --kind "graphics (synthetic)=$HOME/data/graphics-test" \
        --kind "saturated photos (Kodak24)=$HOME/data/kodak24-saturated"

Everything in the card is measured here: Set12 PSNR/SSIM with training/evaluate.py's
protocol, parameters, MACs/pixel, LiteRT latency (one tile of each file at its phone tile,
nsr_tf.inference.phone_tile: 256 float32, 128 dynamic int8; XNNPACK, 1 and 2 threads).
"""

import argparse
import json
import os
import shutil
import sys

from nsr_tf.benchmarking import add_pause_flag, add_release_flags, release_gate, validation_phrase
from nsr_tf.kinds import kind_folders
from nsr_tf.train.queue import repository_command

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
# The Sparse+ job at the baseline's steps (jobs/ship-sparse+ after the first command), as
# COMMAND measured it on 2026-11-26 (its job folder is gone): the card's equal-steps row.
EQUAL_STEPS = {"epoch": 6, "step": 1782, "set12": {"psnr": 29.64, "ssim": 0.8420}}
# Runs that continue the shipped Sparse+ from its own weights, by job folder: the command
# and what they add (docs/training_queue.md).
REFINEMENTS = {
    "denoise-sigma25-varied": (
        "nice -n 19 python training/train.py --task denoise --sigma 25 --variant sparse+ "
        "--data-dir ../shared/data/Train400 --data-dir ~/data/CBSD432-clean --data-dir "
        "~/data/saturated --patches-per-image 12 --epochs 8 --lr 2.5e-4 --init-from "
        "denoise-sigma25 --job-dir ~/jobs/denoise-sigma25-varied",
        "Train400, CBSD432 without its 34 test images and 398 saturated versions of those "
        "photos, read in gray (`docs/training_data.md`: how to rebuild and check the "
        "folders, and how no test image is among them)"),
}
# Queue entry 30 (its command from docs/training_queue.md): entry 21's data, longer.
REFINEMENTS["denoise-sigma25-long"] = (
    repository_command("denoise-sigma25-long"), REFINEMENTS["denoise-sigma25-varied"][1])
KIND_LEVEL = 25
ANCHORS = os.path.join(REPO, "docs", "kind_anchors.json")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sparse", help="job dir of the Sparse+ run")
    parser.add_argument("--baseline", help="job dir of the dense baseline run")
    parser.add_argument("--compare", help="job dir of a Sparse+ run with the baseline's "
                                          "steps: scored on Set12 for the card, not shipped")
    parser.add_argument("--refine", metavar="JOB",
                        help="instead: re-ship the Sparse+ alone from a run that continued it "
                             "(REFINEMENTS), unless a row of its card drops")
    parser.add_argument("--kind", action="append", default=[], metavar="NAME=FOLDER",
                        help="with --refine: also score on a test set of another kind, read "
                             "in gray, at sigma 25, beside the shipped model and BM3D (a row "
                             "per kind in the card); repeat")
    add_release_flags(parser, macs=False)     # (--refine continues the same preset)
    parser.add_argument("--set12", default=SET12)
    add_pause_flag(parser, " (the card's LiteRT latencies; the scoring runs beside them)")
    args = parser.parse_args(argv)
    if bool(args.refine) == bool(args.sparse and args.baseline):
        parser.error("give --sparse and --baseline, or --refine JOB")
    kinds = kind_folders(args.kind, parser.error)
    if kinds and not args.refine:
        parser.error("--kind goes with --refine")
    if (args.score_only or args.accept_drops) and not args.refine:
        parser.error("--score-only and --accept-drops go with --refine")

    if args.refine:
        return refine(args.refine, kinds, args.set12, args)
    rows = [ship(name, job, args.set12, pause=args.pause) for name, job in
            (("denoise-sigma25", args.sparse), ("denoise-sigma25-baseline", args.baseline))]
    compare = score(args.compare, args.set12)[0] if args.compare else None
    write_card(rows, compare)
    return 0


def refinement(job):
    """(command, what it trained on) of a listed continuation; one line and out if not."""
    name = os.path.basename(os.path.normpath(job))
    if name not in REFINEMENTS:
        raise SystemExit(f"ship_models.py: error: {name}: not a run REFINEMENTS lists: add "
                         f"its command and data there first")
    return REFINEMENTS[name]


def refine(job, kinds, set12, args):
    """Re-ships the Sparse+ from ``job`` unless a card row drops (then 1; ``args``: the
    release flags, ``release_gate``'s, and ``pause``)."""
    from nsr_tf import pretrained
    from nsr_tf.benchmarking import losses
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import scoring_bar
    from nsr_tf.kinds import kind_losses, score_gray, score_gray_passes
    from nsr_tf.partial_scores import KEPT, PartialScores
    command, data = refinement(job)
    passes = [set12] + score_gray_passes("denoise-sigma25", kinds)
    # the rows a stopped (or --score-only) ship of the same best.keras scored: kept
    partial = PartialScores(job, os.path.join(job, "best.keras"))
    meta, model = load_job(job)
    with scoring_bar(passes, "scoring denoise-sigma25") as bar:
        meta["set12"], kept = partial.score(f"Set12 sigma {KIND_LEVEL}", set12,
                                            lambda: set12_scores(model, set12, bar.update),
                                            bar)
        bar.say(f"Set12: {meta['set12']['psnr']:.2f} dB{KEPT if kept else ''}")
        if kinds:
            meta["kinds"] = score_gray("denoise-sigma25", model,
                                       Degradation("denoise", KIND_LEVEL), kinds, KIND_LEVEL,
                                       "BM3D", ANCHORS, bar=bar, partial=partial)
    stem = os.path.join(pretrained.HERE, pretrained.MODELS["denoise-sigma25"])
    with open(stem + ".json") as handle:
        shipped = json.load(handle)
    lost = losses([{"set": "Set12", **shipped["set12"]}], [{"set": "Set12", **meta["set12"]}],
                  ("set",)) + \
        kind_losses(shipped, meta.get("kinds"))
    # (refused or scored only, the kept rows stay: a rerun scores nothing)
    status = release_gate("ship_models.py", job, meta, lost, [], args)
    if status is not None:
        return status
    # the steps the shipped weights had (a refined model's own count includes its start)
    # (a second refinement's card lists its own command after the first schedule only)
    meta["refined"] = {"command": command, "data": data, "from_steps": shipped["step"]
                       + shipped.get("refined", {}).get("from_steps", 0)}
    rows = [ship("denoise-sigma25", job, set12, (meta, model), args.pause),
            ship("denoise-sigma25-baseline", None, set12, pause=args.pause)]
    write_card(rows, EQUAL_STEPS)
    partial.remove()
    return 0


def ship(name, job, set12, scored=None, pause=()):
    """The card's row of ``name``: copied from ``job`` (None: the shipped one stays) with
    its record and model (``scored``, as ``score`` returns them, else scored here),
    exported and timed (``pause``: pids held stopped while timing)."""
    from nsr_tf import count_params, macs_per_pixel, metadata, model_io, pretrained
    from nsr_tf.export.catalogue import cpu_latencies
    stem = os.path.join(pretrained.HERE, pretrained.MODELS[name])
    if job is None:
        with open(stem + ".json") as handle:
            meta = json.load(handle)
        model = model_io.load(name)[0]
    else:
        shutil.copy(model_io.half_copy(os.path.join(job, "best.keras")), stem + ".keras")
        meta, model = scored or score(job, set12)
        metadata.write(metadata.TrainingRecord.from_json(meta), stem + ".json")
    # the exports are made on demand (cached, parity-checked), not shipped
    return name, meta, count_params(model), macs_per_pixel(model, 64), \
        cpu_latencies(name, pause=pause)


def score(job, set12, progress=None):
    """The job's best.json with Set12 scores added, and its best model; ``progress()``
    after each image."""
    meta, model = load_job(job)
    meta["set12"] = set12_scores(model, set12, progress)
    return meta, model


def load_job(job):
    """The job's best.json and its best model, as it ships: the weights stored in float16
    (half the bytes)."""
    from nsr_tf import model_io
    with open(os.path.join(job, "best.json")) as handle:
        meta = json.load(handle)
    return meta, model_io.load(model_io.half_copy(os.path.join(job, "best.keras")))[0]


def set12_scores(model, set12, progress=None):
    """The card's Set12 row of ``model`` at sigma 25: PSNR, SSIM and the noisy input's PSNR
    (training/evaluate.py's protocol); ``progress()`` after each image."""
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    results = evaluate_folder(set12, Degradation("denoise", 25), model,
                              baselines=["input"], channels=1, progress=progress)
    scores = {row["method"]: row for row in summarise(results)}
    return {"psnr": scores["model"]["psnr"], "ssim": scores["model"]["ssim"],
            "noisy_input_psnr": scores["input"]["psnr"]}


def write_card(rows, compare=None):
    from nsr_tf import model_io, pretrained
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
        steps = f"{meta['refined']['from_steps']} + {meta['step']}" if "refined" in meta \
            else meta["step"]
        lines.append(f"| `{name}` | {meta['config']['variant']} | {params:,} | "
                     f"{macs / 1e6:.3f} M | {meta['epoch']} ({steps}) | "
                     f"{meta['set12']['psnr']:.2f} dB / "
                     f"{meta['set12']['ssim']:.4f} | {t['float32 1t']:.1f} / "
                     f"{t['float32 2t']:.1f} ms | {t['dynamic 1t']:.1f} / "
                     f"{t['dynamic 2t']:.1f} ms |")
    if compare:
        lines.append(f"| (not shipped: Sparse+ at the baseline's steps) | sparse+ | | | "
                     f"{compare['epoch']} ({compare['step']}) | "
                     f"{compare['set12']['psnr']:.2f} dB / {compare['set12']['ssim']:.4f} "
                     f"| | |")
    sparse = rows[0][1]
    shipped = sparse["set12"]["psnr"]   # the Sparse+ row
    verdict = "beats BM3D" if shipped > 29.99 else "does not beat BM3D yet"
    lines += ["", f"Noisy input on Set12: {sparse['set12']['noisy_input_psnr']:.2f} dB. "
              "References measured with the same protocol (docs/design.md, Evaluation protocol): BM3D 29.99 dB, "
              "DnCNN-S 30.46 dB; the paper's fully trained Sparse+ 30.68 dB. The shipped "
              f"Sparse+ {verdict} ({shipped - 29.99:+.2f} dB; DnCNN-S "
              f"{shipped - 30.46:+.2f}).", "",
              "Data: Train400 (400 gray 180x180 BSD images; the last 4 in sorted order held "
              "out for validation), AWGN sigma 25 on the fly, random 64x64 patches, batch "
              "16, L1, Adam 1e-3; the epoch with the best validation PSNR shipped. "
              "Hardware: 2 CPU cores (AMD EPYC), TensorFlow 2.21 CPU, float32 "
              "(`--precision float32` reproduces them; new runs default to `--precision "
              "auto`, bfloat16 on that CPU, about 1.6x faster per step, docs/benchmarks.md)"
              ". The paper's schedule "
              "is 30 epochs x 100 patches per image (74,250 steps of batch 16 on Train400): "
              "these models are far from converged."
              + (f" The shipped Sparse+ then continued from those weights for "
                 f"{sparse['step']:,} more steps ({sparse['config']['epochs']} epochs of "
                 f"{sparse['config']['patches_per_image']} patches per image, Adam "
                 f"{sparse['config']['lr']:g}, in {sparse.get('precision')}) on "
                 f"{sparse['refined']['data']}; {validation_phrase(sparse)}."
                 if "refined" in sparse else ""), "",
              "Schedules (commands run in this order; rerunning a job with a larger "
              "`--epochs` resumes it from its checkpoint under that run's lr schedule, "
              "x0.2 after epochs round(20/30 E) and round(25/30 E)):", ""]
    for name, meta, *_ in rows:
        refined = meta.get("refined")
        steps = f"{refined['from_steps']} + {meta['step']}" if refined else meta["step"]
        lines.append(f"- `{name}` ({steps} steps at its shipped epoch):")
        lines += [f"  - `{command}`" for command in SCHEDULES[name]]
        if refined:
            lines.append(f"  - then, from the shipped weights: `{refined['command']}` "
                         f"(`python release/ship_models.py --refine JOB --kind ...`)")
    if compare:
        lines += ["", "The not-shipped row is the Sparse+ job after its first command: at the "
                  "same FLOPs and the same steps as the baseline it is "
                  f"{compare['set12']['psnr'] - rows[1][1]['set12']['psnr']:+.2f} dB "
                  "on Set12."]
    from nsr_tf.kinds import card_lines
    lines += card_lines("denoise-sigma25", sparse.get("kinds"),
                        f"sigma {KIND_LEVEL} (the model's own)", "BM3D")
    notes = {name: model_io.storage_note(os.path.join(pretrained.HERE,
                                                      pretrained.MODELS[name] + ".keras"))
             for name in ("denoise-sigma25", "denoise-sigma25-baseline")}
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
              "parity-checked: `nsr_tf.export.catalogue.exported(NAME, suffix)`."
              + "".join(f" `{name}`:{note}" for name, note in notes.items() if note)]
    with open(os.path.join(pretrained.HERE, "MODEL_CARD.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
