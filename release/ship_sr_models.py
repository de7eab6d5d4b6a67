"""Ships a trained upscaler into nsr_tf/pretrained/ (sr-x2, sr-x4): scores the job's best
model and bicubic on Set5 / Set14 / B100 with the paper's protocol (HR cropped to a
multiple of the scale, LR by MATLAB bicubic, PSNR/SSIM on Y with ``scale`` border pixels
shaved; tiles of the training patch, 48, overlap 12, as training/evaluate.py) and on the
--kind sets; unless a row of the shipped card would drop by more than 0.05 dB (then it says
which, keeps the scores in JOB/ship_scores.json and ships nothing; --accept-drops ships
anyway), copies the model, optionally scores a sparse/dense pair trained the same steps
from the same seed, and writes the card. Only the .keras file and its JSON ship; the
.tflite files are made on demand (nsr_tf.export.catalogue).

    python release/ship_sr_models.py sr-x2 ~/jobs/sr-x2-deep \\
        --kind "graphics (synthetic)=$HOME/data/graphics-test" \\
        --kind "saturated photos (Kodak24)=$HOME/data/kodak24-saturated"
    python release/ship_sr_models.py sr-x2 --pair-only \\
        --pair ~/jobs/sr-x2-pair-compact ~/jobs/sr-x2-pair-compact-dense

The job folder's name says which run it is (RUNS: its command and history go on the
card).

Set14 and B100 are read from --data-root (default: $NSR_TF_DATA, else ../shared/data
beside the repository); Set5 from the repository's testsets/. The card's Set5 row is
reproduced to 0.01 dB by tests/test_pretrained.py. Each row is kept in
JOB/ship_scores.partial.json as it ends: a ship stopped before its end (Ctrl-C, a session's
end) or refused goes on from those rows when run again, while best.keras and the images
are the same (nsr_tf.partial_scores). --score-only scores the job and says whether it
would ship, shipping nothing: the training queue runs it as a run ends
(docs/training_queue.md), and the ship command then scores nothing again.
"""

import argparse
import json
import os
import shutil
import sys

from nsr_tf.benchmarking import (add_release_flags, costlier, listed, release_gate,
                                  shipped_record, validation_phrase)
from nsr_tf.data.sources import shared_data, trains_on_clean_set
from nsr_tf.data.wallpapers import card_phrase
from nsr_tf.kinds import kind_folders
from nsr_tf.partial_scores import PartialScores
from nsr_tf.train.queue import repository_command

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = shared_data()
SETS = ("Set5", "Set14", "BSD100")

# Published rows (PSNR on Y, shaved), with what each was trained on.
PUBLISHED = {
    "SRCNN (91 images)": {2: {"Set5": 36.66}, 4: {"Set5": 30.48}},
    "FSRCNN (91 + General-100)": {2: {"Set5": 37.00, "Set14": 32.63, "BSD100": 31.53},
                                  4: {"Set5": 30.71, "Set14": 27.59, "BSD100": 26.98}},
    "VDSR (291 images)": {2: {"Set5": 37.53, "Set14": 33.03, "BSD100": 31.90},
                          4: {"Set5": 31.35, "Set14": 28.01, "BSD100": 27.29}},
    "EDSR-baseline (DIV2K)": {2: {"Set5": 37.99, "Set14": 33.57, "BSD100": 32.16},
                              4: {"Set5": 32.09, "Set14": 28.58, "BSD100": 27.57}},
    "paper Sparse+ (DIV2K)": {2: {"Set5": 38.02, "Set14": 33.60, "BSD100": 32.26},
                              4: {"Set5": 32.25, "Set14": 28.66, "BSD100": 27.61}},
}
# What the job's record does not say.
NOTES = {
    "sr-x2": "This run continued the first `sr-x2` (8,024 steps on CBSD432 + T91 at lr 1e-3, "
             "`docs/training_queue.md` entry 1) on the varied data below: 20,432 steps in "
             "all.",
    "sr-x4": "This run (`docs/training_queue.md` entry 11) trained x4 on the varied data "
             "below from the weights of the `sr-x2` above (itself 20,432 steps); it replaced "
             "the first `sr-x4` (3 epochs on CBSD432 + T91 from the first `sr-x2`), which "
             "scored 31.15 / 27.96 / 27.18 dB on Set5 / Set14 / B100, 25.56 on the "
             "synthetic graphics and 28.37 on saturated Kodak24.",
}
TARGETS = {2: {"Set5": 37.00, "Set14": 32.63}, 4: {"Set5": 30.71, "Set14": 27.59}}
COMMON = ("--data-dir ../shared/data/CBSD432 --data-dir ../shared/data/T91 "
          "--skip-bad-files --seed 0")
COMMANDS = {
    "sr-x2": "nice -n 19 python training/train.py --task sr --scale 2 --data-dir "
             "~/data/CBSD432-clean --data-dir ../shared/data/T91 --data-dir ~/data/graphics "
             "--data-dir ~/data/saturated --skip-bad-files --seed 0 --epochs 6 "
             "--patches-per-image 28 --lr 2.5e-4 --variant compact --init-from sr-x2 "
             "--job-dir ~/jobs/sr-x2-varied",
    "sr-x4": "nice -n 19 python training/train.py --task sr --scale 4 --data-dir "
             "~/data/CBSD432-clean --data-dir ../shared/data/T91 --data-dir ~/data/graphics "
             "--data-dir ~/data/saturated --skip-bad-files --seed 0 --epochs 4 "
             "--patches-per-image 20 --lr 2.5e-4 --variant compact --init-from "
             "~/jobs/sr-x2-varied/best.keras --job-dir ~/jobs/sr-x4-varied",
    "pair": f"nice -n 19 python training/train.py --task sr --scale 2 {COMMON} --epochs 2 "
            f"--patches-per-image 12 --variant VARIANT --job-dir ~/jobs/sr-x2-pair-VARIANT",
}
# The shipped runs by job folder (docs/training_queue.md): (name, command, note); a job
# that is not listed stops the tool, so that no card describes another run's history.
RUNS = {
    "sr-x2-varied": ("sr-x2", COMMANDS["sr-x2"], NOTES["sr-x2"]),
    "sr-x4-varied": ("sr-x4", COMMANDS["sr-x4"], NOTES["sr-x4"]),
    "sr-x2-deep": (
        "sr-x2",
        "nice -n 19 python training/train.py --task sr --scale 2 --data-dir "
        "~/data/CBSD432-clean --data-dir ../shared/data/T91 --data-dir ~/data/graphics "
        "--data-dir ~/data/saturated --skip-bad-files --seed 0 --epochs 6 "
        "--patches-per-image 28 --lr 5e-4 --lr-schedule cosine --variant compact --num-blocks 32 "
        "--init-from sr-x2 "
        "--job-dir ~/jobs/sr-x2-deep",
        "This run (`docs/training_queue.md` entry 19) doubled the depth of the 16-block "
        "`sr-x2` (20,432 steps: 8,024 on CBSD432 + T91 at lr 1e-3, then 12,408 on the varied "
        "data below): its blocks 0-15 started from that model's weights and blocks 16-31 as "
        "the identity (their second conv's gain zero, `nsr_tf/train/grow.py`), so the run "
        "began where the 16-block model ended."),
    "sr-x2-deep-2": (
        "sr-x2", repository_command("sr-x2-deep-2"),
        "This run (`docs/training_queue.md` entry 33) is a second cosine cycle of the 32-block "
        "`sr-x2` of entry 19 (10,340 steps on the varied data below, grown from the 16-block "
        "model's 20,432): every layer started from its weights."),
    "sr-x4-deep": (         # its command from docs/training_queue.md: one place for it
        "sr-x4", repository_command("sr-x4-deep"),
        "This run (`docs/training_queue.md` entry 27) trained x4 from the 32-block x2 model "
        "of entry 19 (the shipped `sr-x2`, 30,772 steps): every layer but the upscaling convs "
        "started from its weights, as the 16-block `sr-x4` did from its x2 model."),
    "sr-x2-wallpapers": (
        "sr-x2", repository_command("sr-x2-wallpapers"),
        "This run (`docs/training_queue.md` entry 39) continued the 32-block `sr-x2` of entry "
        "33 (8,272 steps on the varied data, on top of entry 19's 10,340 and the 16-block "
        "model's 20,432) with Debian's wallpaper photographs and artwork added to its data: "
        "every layer started from its weights."),
}
# VDSR: 20 3x3 convs of 64 channels on the HR image (1 channel in and out at the ends):
# MACs per output pixel; issue 34 keeps a shipped upscaler at or under a quarter of it.
VDSR_MACS = (64 * 9 + 18 * 64 * 64 * 9 + 64 * 9)


def run_of(name, job):
    """(command, note) of the job folder ``job`` for the shipped ``name``; stops the tool
    in one line for a job it does not know."""
    folder = os.path.basename(os.path.normpath(job))
    if folder not in RUNS or RUNS[folder][0] != name:
        raise SystemExit(f"ship_sr_models.py: error: {folder}: not a run of {name} that RUNS "
                         f"lists (its command and history go on the card): add it first")
    return RUNS[folder][1:]


def losses(shipped, meta, tolerance=0.05):
    """What shipping ``meta`` would lose against the shipped record ``shipped``: a line per
    test-set or kind row that drops by more than ``tolerance`` dB or is not scored."""
    from nsr_tf.benchmarking import losses as card_losses
    out = []
    for field, unscored in (("scores", "not scored"), ("kinds", "not scored (pass its --kind)")):
        before = [{"set": k, **v} for k, v in shipped.get(field, {}).items()]
        after = [{"set": k, **v} for k, v in meta.get(field, {}).items()]
        out += card_losses(before, after, ("set",), tolerance, unscored=unscored)
    return out


def folders(data_root):
    from nsr_tf.data.sources import sr_testsets
    return sr_testsets(data_root)


def score(model_path, data_root, baseline=False, sets=None, partial=None):
    """``nsr_tf.evaluation.sr_scores`` on the standard sets (or ``sets``: {name:
    folder}); ``partial``: the ship's ``PartialScores``."""
    from nsr_tf.evaluation import sr_scores
    return sr_scores(model_path, sets or folders(data_root), baseline, partial=partial)


def job_summary(job):
    with open(os.path.join(job, "best.json")) as handle:
        meta = json.load(handle)
    return {"variant": meta["config"]["variant"], "step": meta["step"],
            "epoch": meta["epoch"], "params": meta["params"],
            "macs_per_pixel": meta["macs_per_pixel"], "seed": meta["config"]["seed"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=("sr-x2", "sr-x4"))
    parser.add_argument("job", nargs="?",
                        help="the training job folder (best.keras, best.json); not with "
                             "--pair-only")
    parser.add_argument("--pair", nargs=2, metavar=("SPARSE_JOB", "DENSE_JOB"),
                        help="a sparse model and its dense same-FLOPs twin trained the same "
                             "steps from the same seed, scored side by side")
    parser.add_argument("--data-root", default=DEFAULT_DATA)
    parser.add_argument("--kind", action="append", default=[], metavar="NAME=FOLDER",
                        help="also score on a test set of another kind (a row per kind in "
                             "the card: e.g. graphics=~/data/graphics-test)")
    parser.add_argument("--pair-only", action="store_true",
                        help="keep the shipped model's scores; score only --pair and rewrite "
                             "the card")
    add_release_flags(parser)
    args = parser.parse_args(argv)
    if (args.job is None) != args.pair_only:
        parser.error("give a training job folder, or --pair-only with --pair")
    if args.score_only and args.job is None:
        parser.error("--score-only scores a training job folder: not with --pair-only")
    from nsr_tf.jobs import run_record
    from nsr_tf import metadata as records
    from nsr_tf import model_io, pretrained
    from nsr_tf.data.sources import SHARED_DATA_HINT

    for name, folder in folders(args.data_root).items():
        if not folder or not os.path.isdir(folder):
            print(f"ship_sr_models.py: error: no {name} folder at {folder}; "
                  f"{SHARED_DATA_HINT}: pass --data-root FOLDER holding {name}",
                  file=sys.stderr)
            return 1
    stem = os.path.join(pretrained.HERE, pretrained.MODELS[args.name])
    previous = shipped_record(stem)
    kinds = kind_folders(args.kind, parser.error)
    if args.pair_only:
        meta = previous
    else:
        meta_run = run_of(args.name, args.job)
        # what ships, scored as it ships: the weights stored in float16 (half the bytes)
        model_file = model_io.half_copy(os.path.join(args.job, "best.keras"))
        with open(os.path.join(args.job, "best.json")) as handle:
            meta = json.load(handle)
        meta["command"], meta["note"] = meta_run
        meta.pop("kinds", None)     # only what is scored here is compared and carded
        # the rows a stopped ship of the same best.keras scored: kept, not scored again
        partial = PartialScores(args.job, os.path.join(args.job, "best.keras"))
        meta["scores"] = score(model_file, args.data_root, baseline=True, partial=partial)
        if kinds:
            meta["kinds"] = score(model_file, args.data_root, baseline=True, sets=kinds,
                                  partial=partial)
        status = release_gate("ship_sr_models.py", args.job, meta, losses(previous, meta),
                              costlier(previous, meta), args)    # (rows kept for a rerun)
        if status is not None:
            return status
        shutil.copy(model_file, stem + ".keras")
        meta.update(run_record(args.job))
        partial.remove()
    if not args.pair and not args.pair_only and previous.get("pair"):
        meta["pair"] = previous["pair"]   # the equal-steps pair stays measured
    if kinds and args.pair_only:
        meta["kinds"] = score(stem + ".keras", args.data_root, baseline=True, sets=kinds)
    if args.pair:
        meta["pair"] = [{**job_summary(job), "scores": score(os.path.join(job, "best.keras"),
                                                             args.data_root)}
                        for job in args.pair]
    records.write(records.TrainingRecord.from_json(meta), stem + ".json")
    write_card(args.name, meta)
    return 0


def _cells(scores, key="psnr", ssim="ssim"):
    return " | ".join(f"{scores[s][key]:.2f} / {scores[s][ssim]:.4f}" for s in SETS)


def data_line(meta):
    """What the card says of the training data, from the run's record (its --data-dir
    folders and its validation images)."""
    config = meta["config"]
    held_out = validation_phrase(meta)
    if trains_on_clean_set(config):
        sets = listed(["CBSD432 without the 34 images that are test images (398)", "T91",
                       "300 synthetic graphics (line art, flat colour, text)",
                       "the 398 photos saturated and hue-rotated",
                       card_phrase(config.get("data_dir"))])
        return ("Data (`docs/training_data.md`, manifests in `docs/training_data/`): "
                + sets + ", first from the shipped "
                "weights that trained on "
                "CBSD432 + T91. None of Set5, Set14, B100, CBSD68, Kodak24, Set12, classic5 "
                "or RNI15 is in it: checked by content (`python -m nsr_tf.data.overlap`: "
                "thumbnail correlation over flips and turns), not by names or hashes, which "
                "cannot see the copies. " + held_out[:1].upper() + held_out[1:] + ". No "
                "DIV2K; the published EDSR and paper rows below are trained "
                "on DIV2K's 800 2K images.")
    return ("Data: CBSD432 (432 colour BSDS photos) + T91 (Yang et al.'s 91 images; those "
            "smaller than one HR patch skipped): the classic '291' set, slightly larger; "
            + held_out + ". CBSD432 holds 32 "
            "of B100's 100 images and Set5's `woman` (found by content after this model "
            "shipped: `docs/training_data.md`); scored apart, those 32 gain less over "
            "bicubic than the 68 it never saw (`docs/super_resolution.md`). No DIV2K; the "
            "published EDSR and paper rows below are trained on DIV2K's 800 2K images.")


def write_card(name, meta):
    from nsr_tf import model_io, pretrained
    from nsr_tf.train.config import TrainConfig
    c = meta["config"]
    scale = c["scale"]
    schedule = TrainConfig(**c).schedule_words()
    s = meta["scores"]
    blocks = c.get("num_blocks") or 16
    width = (c.get("model_overrides") or {}).get("width_multiplier", 1.0)
    macs = meta["macs_per_pixel"]
    lines = [f"# `{name}`: RGB x{scale} upscaler (compact sparse, for phones)", "",
             "Preset `compact` of `--task sr`"
             + (f" with {blocks} residual blocks (`--num-blocks {blocks}`; the preset's 16 "
                f"at half EDSR(S)'s width)" if blocks != 16 else ": 16 residual blocks")
             + ", C=32" + (f" and {32 * width:g} channels inside each block "
                           f"(`--width-multiplier {width:g}`)" if width != 1 else "")
             + ", k=4 sparsity groups, cardinality 16 (the paper's SR sparsity): "
             f"{meta['params']:,} parameters, {macs / 1e6:.3f} M MACs per LR pixel, "
             f"{macs / scale ** 2 / 1e6:.3f} M per output pixel "
             f"({macs / scale ** 2 / VDSR_MACS:.2f} of VDSR's {VDSR_MACS / 1e6:.3f} M; "
             + ("a quarter of EDSR(S)'s and of the paper's Sparse+ per LR pixel; its dense "
                "twin `compact-dense` has the same MACs and a quarter of the parameters). "
                if blocks == 16 and width == 1 else
                f"{blocks * width / 64:.2f} of EDSR(S)'s per LR pixel). ")
             + "Chosen over the paper's Sparse+ for what users run: on this CPU the "
             "16-block preset trains 2.7x the steps per hour (`docs/super_resolution.md`), "
             "and a phone pays the MACs above per output pixel.", "",
             f"Trained by this project's `training/train.py` for {meta['step']:,} steps "
             f"(epoch {meta['epoch']} of {c['epochs']}, batch {c['batch_size']} of "
             f"{c['patch_size']}px LR patches, {c['patches_per_image']} per image per "
             f"epoch, L1, Adam {c['lr']:g}, {schedule}) in "
             f"{meta['precision']} on {meta['machine']}: {meta['wall_hours']:.1f} h "
             f"({meta['runs']} run(s)). {meta.get('note', NOTES.get(name, ''))}"
             + (" Started from the weights of `sr-x2` (all layers but the two "
                "upscaling convs, `tail` and `skip`), as EDSR starts x4 from x2."
                if c.get("init_from") and scale != 2 else ""), "",
             data_line(meta), "",
             f"Command (rerun it to resume): `{meta.get('command', COMMANDS[name])}`", "",
             f"Scores (PSNR dB / SSIM on Y, {scale} border pixels shaved; Set5 from the "
             f"repository's testsets/, Set14 and B100 as distributed), measured by `python "
             f"release/ship_sr_models.py {name} JOB`; the Set5 cell is reproduced to "
             f"0.01 dB by `python training/evaluate.py --model {name} --data-dir "
             f"testsets/Set5` (a test).", "",
             "| x%d | Set5 | Set14 | B100 |" % scale, "|---|---|---|---|",
             f"| bicubic (MATLAB) | {_cells(s, 'bicubic_psnr', 'bicubic_ssim')} |"]
    for pair in meta.get("pair", []) if scale == 2 else []:
        lines.append(f"| `{pair['variant']}`, {pair['step']:,} steps (equal-steps pair) | "
                     f"{_cells(pair['scores'])} |")
    lines.append(f"| **`{name}`** ({meta['step']:,} steps) | {_cells(s)} |")
    for method, table in PUBLISHED.items():
        row = table.get(scale, {})
        lines.append(f"| {method}, published | "
                     + " | ".join(f"{row[x]:.2f}" if x in row else "" for x in SETS) + " |")
    gaps = [f"{x} {s[x]['psnr'] - t:+.2f} dB against {t:.2f}" for x, t in
            TARGETS[scale].items()]
    vdsr = PUBLISHED["VDSR (291 images)"][scale]
    lines += ["", f"Against the targets (FSRCNN): {'; '.join(gaps)}. Against VDSR (trained "
              f"on 291 images like this model): "
              + ", ".join(f"{x} {s[x]['psnr'] - vdsr[x]:+.2f}" for x in SETS) + " dB."]
    if meta.get("kinds"):
        lines += ["", "Test sets of other kinds (made here, never trained on: "
                  "`docs/training_data.md`; no published rows exist for them), PSNR dB / "
                  "SSIM on Y:", "", "| set | bicubic | model | gain |", "|---|---|---|---|"]
        lines += [f"| {kind} | {row['bicubic_psnr']:.2f} / {row['bicubic_ssim']:.4f} | "
                  f"{row['psnr']:.2f} / {row['ssim']:.4f} | "
                  f"{row['psnr'] - row['bicubic_psnr']:+.2f} |"
                  for kind, row in meta["kinds"].items()]
    if meta.get("pair") and scale == 2:
        sparse, dense = meta["pair"]
        mean = {p["variant"]: sum(p["scores"][x]["psnr"] for x in SETS) / len(SETS)
                for p in (sparse, dense)}
        lines += ["", f"The paper's claim at this scale: `{sparse['variant']}` "
                  f"({sparse['params']:,} params) and its dense same-FLOPs twin "
                  f"`{dense['variant']}` ({dense['params']:,} params), "
                  f"{sparse['step']:,} steps each from seed {sparse['seed']} "
                  f"(`{COMMANDS['pair']}`): mean over the three sets "
                  f"{mean[sparse['variant']]:.2f} against {mean[dense['variant']]:.2f} dB "
                  f"({mean[sparse['variant']] - mean[dense['variant']]:+.2f})."]
    lines += ["", f"Files: `{pretrained.MODELS[name]}.keras` (`nsr_tf.model_io.load"
              f"(\"{name}\")`, `nsr-restore photo.jpg --model {name} --out out/`) and "
              f"`.json` (training record and these scores). Its `.tflite` files in every "
              f"form are made on demand, parity-checked, by `nsr_tf.export.catalogue."
              f"exported(\"{name}\", suffix)`; on-device rows against its dense twin and a "
              f"same-size dense model: `docs/sr_deployment.md`."]
    model_io.write_card(name, lines)


def readme_table():
    """The README's table of both upscalers from their shipped JSON: x2 and x4 side by
    side, PSNR (SSIM for the shipped models)."""
    from nsr_tf import pretrained
    metas = {}
    for name in ("sr-x2", "sr-x4"):
        try:
            with open(pretrained.path(name, ".json")) as handle:
                metas[int(name[-1])] = json.load(handle)
        except FileNotFoundError:
            continue
    scales = sorted(metas)
    head = " | ".join(f"{s} x{x}" for x in scales for s in ("Set5", "Set14", "B100"))
    lines = [f"| | {head} |", "|---" * (1 + 3 * len(scales)) + "|"]

    def row(label, cell):
        return f"| {label} | " + " | ".join(cell(x, s) for x in scales for s in SETS) + " |"
    lines.append(row("bicubic", lambda x, s: f"{metas[x]['scores'][s]['bicubic_psnr']:.2f}"))
    pair = {p["variant"]: p for p in metas.get(2, {}).get("pair", [])}
    for variant, label in (("compact-dense", "dense twin `compact-dense`"),
                           ("compact", "sparse `compact`")):
        if variant in pair:
            p = pair[variant]
            lines.append(row(f"{label}, {p['step']:,} steps (same seed)",
                             lambda x, s: f"{p['scores'][s]['psnr']:.2f}" if x == 2 else ""))
    steps = " / ".join(f"{metas[x]['step']:,}" for x in scales)
    lines.append(row(f"**`sr-x2` / `sr-x4`** ({steps} steps)",
                     lambda x, s: f"**{metas[x]['scores'][s]['psnr']:.2f}** / "
                                  f"{metas[x]['scores'][s]['ssim']:.4f}"))
    for method, table in PUBLISHED.items():
        lines.append(row(f"{method}, published",
                         lambda x, s: f"{table.get(x, {})[s]:.2f}" if s in table.get(x, {})
                         else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme-table"]:
        print(readme_table())
        sys.exit(0)
    sys.exit(main())
