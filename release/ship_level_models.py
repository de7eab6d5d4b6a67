"""Ships a level-conditioned model into nsr_tf/pretrained/: scores the trained job's best
model on the repository's test set and, unless a row of the shipped card would drop by more
than 0.05 dB (then it says which, keeps the scores in JOB/ship_scores.json and ships
nothing; --accept-drops ships anyway), copies it, exports it (float32 and dynamic-range
int8 .tflite, parity checked) and writes its card.

    python release/ship_level_models.py denoise-blind ~/nsr-jobs/denoise-blind-sparse+
    python release/ship_level_models.py jpeg ~/nsr-jobs/jpeg-q10-90-sparse-

Every number in the card is measured here with the evaluation protocol of
training/evaluate.py (tiles 64, overlap 16); the rows are stored in STEM.json ("scores")
and tests/test_pretrained.py reproduces each of them. Do not run it beside a training job
if you want the latency column (it times LiteRT), or hold the job with --pause PID. Each row
is kept in JOB/ship_scores.partial.json as it ends: a ship stopped before its end, or
refused, goes on from those rows when run again, while best.keras and the images are the
same. --score-only scores the job and says whether it would ship, shipping nothing: the
training queue runs it as a run ends (docs/training_queue.md), and the ship command then
scores nothing again.
"""

import argparse
import json
import os
import shutil
import sys

from nsr_tf.benchmarking import (MAP_JITTER_NOTE, add_pause_flag, add_release_flags, costlier,
                                  release_gate, shipped_record, validation_phrase)
from nsr_tf.jobs import machine_line, run_record
from nsr_tf.kinds import kind_folders, score_gray_passes
from nsr_tf.partial_scores import KEPT, PartialScores
from nsr_tf.train.queue import repository_command

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTSETS = os.path.join(REPO, "testsets")

# The paper's rows (Table 5: Set12 gray denoising; Table 6: classic5 JPEG).
PAPER = {
    "denoise-blind": {"BM3D": {15: 32.37, 25: 29.97, 50: 26.72},
                      "DnCNN-S": {15: 32.86, 25: 30.44, 50: 27.18}},
    "jpeg": {"JPEG": {10: 27.82, 20: 30.12, 30: 31.48, 40: 32.43},
             "ARCNN": {10: 29.04, 20: 31.16, 30: 32.52, 40: 33.34},
             "DnCNN": {10: 29.40, 20: 31.63, 30: 32.91, 40: 33.77}},
}
# (true level, level the model is told): the true one at each paper level, then a wrong
# slider, then the estimate ("auto", denoise only).
SETTINGS = {
    "denoise-blind": [(15, 15), (25, 25), (50, 50), (25, 15), (25, 35), (25, "auto")],
    "jpeg": [(10, 10), (20, 20), (30, 30), (40, 40), (10, 20), (20, 10)],
}
TESTSET = {"denoise-blind": "Set12", "jpeg": "classic5"}
# The level of the kind rows (--kind), and the classical method measured on those sets
# (benchmarks/experiments/kind_anchors.py: BM3D on the images read in gray).
# What a card says of a run's precision beyond its policy, by job folder name: the first
# `jpeg` trained before the sparse layers' side network was kept float32 in mixed copies.
PRECISION_NOTES = {
    "jpeg-q10-90-sparse-": " (with the sparse layers' side network, weight normalisation "
                           "and kernel sums in bfloat16 too: trained before they were kept "
                           "float32 in mixed copies, docs/benchmarks.md)"}
KIND_LEVEL = {"denoise-blind": 25, "jpeg": 10}
KIND_ANCHOR = {"denoise-blind": "BM3D"}
ANCHORS = os.path.join(REPO, "docs", "kind_anchors.json")
# How they were trained (2 CPU cores); rerunning the command resumes the job.
COMMANDS = {
    "denoise-blind": "nice -n 19 python training/train.py --task denoise --sigma-range 0 75 "
                     "--sigma 25 --variant sparse+ --data-dir ../shared/data/Train400 "
                     "--patches-per-image 12 --epochs 30 --precision auto --job-dir "
                     "~/nsr-jobs/denoise-blind-sparse+",
    "jpeg": "nice -n 19 python training/train.py --task jpeg --variant sparse- --quality-range "
            "10 90 --quality 10 --data-dir ../shared/data/Train400 --patches-per-image 12 "
            "--epochs 30 --precision auto --job-dir ~/nsr-jobs/jpeg-q10-90-sparse-",
}


# Runs that continue a shipped model from its own weights (train.py --init-from NAME), by
# the name of their job folder: the command, and what the weights it started from had
# been given (docs/training_queue.md).
# Training queue entry 17: the shipped weights on more photographs.
BLIND_VARIED = (
    "nice -n 19 python training/train.py --task denoise --sigma-range 0 75 --sigma 25 "
    "--variant sparse+ --data-dir ../shared/data/Train400 --data-dir ~/data/CBSD432-clean "
    "--data-dir ~/data/saturated --patches-per-image 12 --epochs 8 --lr 2.5e-4 "
    "--init-from denoise-blind --job-dir ~/jobs/denoise-blind-varied")
REFINEMENTS = {
    "denoise-blind": {
        "denoise-blind-varied": (
            BLIND_VARIED,
            "the first `denoise-blind` (8,316 steps on Train400; command: `"
            + COMMANDS["denoise-blind"] + "`)"),
        "denoise-blind-jitter": (
            "nice -n 19 python training/train.py --task denoise --sigma-range 0 75 --sigma 25 "
            "--variant sparse+ --data-dir ../shared/data/Train400 --data-dir "
            "~/data/CBSD432-clean --data-dir ~/data/saturated --patches-per-image 12 "
            "--epochs 2 --lr 1e-4 --map-jitter 0.2 --init-from "
            "~/jobs/denoise-blind-varied/best.keras --job-dir ~/jobs/denoise-blind-jitter",
            "the first `denoise-blind` (8,316 steps on Train400; command: `"
            + COMMANDS["denoise-blind"] + "`), then 7,152 steps on Train400, CBSD432 "
            "without its test images and saturated photos in gray (command: `"
            + BLIND_VARIED + "`)"),
    },
}
# Queue entry 31 (commands from docs/training_queue.md from now on: one place for them).
REFINEMENTS["denoise-blind"]["denoise-blind-long"] = (
    repository_command("denoise-blind-long"),
    "the first `denoise-blind` (8,316 steps on Train400; command: `"
    + COMMANDS["denoise-blind"] + "`), then 7,152 steps on Train400, CBSD432 without its "
    "test images and saturated photos in gray (`docs/training_queue.md` entry 17) and "
    "1,788 with a fifth of the patches told a wrong sigma (entry 20)")


def job_name(config):
    """The name of a run's job folder, from its config."""
    return os.path.basename(os.path.normpath(config.get("job_dir") or ""))


def refinement(name, config):
    """(command, what its weights had been given) of a run that continued the shipped
    ``name``, else None (a run from scratch). An unlisted continuation stops the tool."""
    if not config.get("init_from"):
        return None
    job = job_name(config)
    if job in REFINEMENTS.get(name, {}):
        return REFINEMENTS[name][job]
    raise SystemExit(f"ship_level_models.py: error: {job}: a run from "
                     f"{config['init_from']}'s weights that REFINEMENTS does not list: add "
                     f"its command and history there first")


def losses(name, stem, meta, tolerance=0.05):
    """What shipping ``meta`` would lose against the shipped card: a line per row that
    drops by more than ``tolerance`` dB or that the new scores lack."""
    from nsr_tf.benchmarking import losses as card_losses
    from nsr_tf.kinds import kind_losses
    shipped = shipped_record(stem)
    if not shipped:
        return []
    key = "sigma" if name.startswith("denoise") else "quality"
    return card_losses(shipped.get("scores", []), meta["scores"], (key, "told"), tolerance) \
        + kind_losses(shipped, meta.get("kinds"), tolerance)


def score_kinds(name, model, degradation_of, kinds, before=True, bar=None, partial=None):
    """{kind: row} at KIND_LEVEL (``nsr_tf.kinds.score_gray``; ``before``: the shipped
    model beside ``model``; ``bar``: a ``scoring_bar``; ``partial``: the ship's
    ``PartialScores``)."""
    from nsr_tf.kinds import score_gray
    level = KIND_LEVEL[name]
    return score_gray(name, model, degradation_of(level), kinds, level,
                      KIND_ANCHOR.get(name), ANCHORS, before=before, bar=bar, partial=partial)


def card_kinds(name, stem, kinds, no_latency, pause=()):
    """Adds rows of other kinds to the shipped model's record and card (a card from before
    kind rows had none); its other rows stay. Refuses a record that has kind rows (a
    re-ship from a job changes those)."""
    from nsr_tf import count_params, macs_per_pixel, metadata, model_io
    from nsr_tf.evaluation import scoring_bar
    from nsr_tf.export.catalogue import cpu_latencies
    from nsr_tf.kinds import refuse_recarding
    with open(stem + ".json") as handle:
        meta = json.load(handle)
    if refuse_recarding("ship_level_models.py", name, meta):
        return 1
    model, info = model_io.load(stem + ".keras")
    with scoring_bar(score_gray_passes(name, kinds, before=False), f"scoring {name}") as bar:
        meta["kinds"] = score_kinds(name, model, lambda level: model_io.degradation_of(
            info, sigma=level, quality=level), kinds, before=False, bar=bar)
    if not no_latency:
        meta["latency_ms"] = cpu_latencies(name, pause=pause)
        meta["latency_machine"] = machine_line()
    metadata.write(metadata.TrainingRecord.from_json(meta), stem + ".json")
    write_card(name, meta, count_params(model), macs_per_pixel(model, 64),
               meta.get("latency_ms"), refinement(name, meta["config"]))
    return 0


def scores(name, model, degradation_of, bar, partial=None):
    """The card's rows: [{"sigma"|"quality": true, "told": ..., "psnr", "ssim",
    "input_psnr"}]. ``bar``: a ``scoring_bar`` with a pass through the test set per
    row; ``partial``: the ship's ``PartialScores`` (rows a stopped ship kept are taken)."""
    from nsr_tf.evaluation import evaluate_folder, summarise
    partial = partial or PartialScores(None, None)
    key = "sigma" if name.startswith("denoise") else "quality"
    folder = os.path.join(TESTSETS, TESTSET[name])

    def scored(true, told):
        results = evaluate_folder(folder, degradation_of(true), model, baselines=["input"],
                                  channels=1, map_level=told, progress=bar.update)
        summary = {row["method"]: row for row in summarise(results)}
        return {key: true, "told": told, "psnr": summary["model"]["psnr"],
                "ssim": summary["model"]["ssim"], "input_psnr": summary["input"]["psnr"]}

    rows = []
    for true, told in SETTINGS[name]:
        line = f"{TESTSET[name]} {key} {true} told {told}"
        row, kept = partial.score(line, folder, lambda: scored(true, told), bar)
        rows.append(row)
        bar.say(f"{line}: {row['psnr']:.2f} dB{KEPT if kept else ''}")
    return rows


def equal_steps_score(job, step, sigma=25):
    """Set12 PSNR at ``sigma`` of the job's checkpoint after ``step`` steps (None if the
    checkpoint is gone): the comparison at the same number of steps."""
    import tensorflow as tf

    from nsr_tf import model_io
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    with open(os.path.join(job, "best.json")) as handle:
        meta = json.load(handle)
    steps_per_epoch = meta["step"] // meta["epoch"]
    if step % steps_per_epoch:
        return None
    path = os.path.join(job, "checkpoints", f"ckpt-{step // steps_per_epoch}")
    if not os.path.exists(path + ".index"):
        return None
    model, _ = model_io.load(os.path.join(job, "best.keras"))
    tf.train.Checkpoint(model=model).restore(path).expect_partial()
    rows = evaluate_folder(os.path.join(TESTSETS, "Set12"), Degradation("denoise", sigma),
                           model, channels=1)
    return summarise(rows)[0]["psnr"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=sorted(SETTINGS))
    parser.add_argument("job", nargs="?",
                        help="the training job folder (best.keras, best.json); without one, "
                             "--kind adds kind rows to the shipped model's card")
    parser.add_argument("--no-latency", action="store_true",
                        help="skip the LiteRT timing (or hold a training job that runs "
                             "with --pause)")
    add_pause_flag(parser, " (the card's LiteRT latencies; the scoring runs beside them)")
    parser.add_argument("--kind", action="append", default=[], metavar="NAME=FOLDER",
                        help="also score on a test set of another kind, read in gray, at "
                             "sigma 25 / quality 10, beside the shipped model and the "
                             "classical anchor of docs/kind_anchors.json (a row per kind in "
                             "the card; once the card has them, every later run must pass "
                             "them); repeat")
    add_release_flags(parser)
    args = parser.parse_args(argv)
    kinds = kind_folders(args.kind, parser.error)
    if args.job is None and not kinds:
        parser.error("give a training job folder, or --kind NAME=FOLDER to add kind rows "
                     "to the shipped model's card")
    if args.score_only and args.job is None:
        parser.error("--score-only scores a training job folder: give one")
    from nsr_tf import count_params, macs_per_pixel, metadata, model_io, pretrained
    from nsr_tf.evaluation import scoring_bar
    from nsr_tf.export.catalogue import cpu_latencies

    stem = os.path.join(pretrained.HERE, pretrained.MODELS[args.name])
    if args.job is None:
        return card_kinds(args.name, stem, kinds, args.no_latency, args.pause)
    with open(os.path.join(args.job, "best.json")) as handle:
        meta = json.load(handle)
    refined = refinement(args.name, meta["config"])
    # what ships, scored as it ships: the weights stored in float16 (half the bytes)
    model_file = model_io.half_copy(os.path.join(args.job, "best.keras"))
    model, info = model_io.load(model_file)
    def degradation_of(level):
        return model_io.degradation_of(info, sigma=level, quality=level)
    # one pass through the test set per row, then score_gray's through the kind folders
    passes = [os.path.join(TESTSETS, TESTSET[args.name])] * len(SETTINGS[args.name]) + \
        score_gray_passes(args.name, kinds)
    # the rows a stopped ship of the same best.keras scored: kept, not scored again
    partial = PartialScores(args.job, os.path.join(args.job, "best.keras"))
    with scoring_bar(passes, f"scoring {args.name}") as bar:
        meta["scores"] = scores(args.name, model, degradation_of, bar, partial)
        if kinds:
            meta["kinds"] = score_kinds(args.name, model, degradation_of, kinds, bar=bar,
                                        partial=partial)
    status = release_gate("ship_level_models.py", args.job, meta, losses(args.name, stem, meta),
                          costlier(shipped_record(stem), meta), args)   # (rows kept for a rerun)
    if status is not None:
        return status
    shutil.copy(model_file, stem + ".keras")
    shutil.copy(os.path.join(args.job, "best.json"), stem + ".json")   # model_io reads it
    meta.update(run_record(args.job))
    if args.name == "denoise-blind":
        fixed = json.load(open(pretrained.path("denoise-sigma25", ".json")))
        # at equal steps only for a run from scratch (a continuation's steps are not all)
        meta["sigma25_model"] = {"step": fixed["step"], "psnr": fixed["set12"]["psnr"],
                                 "psnr_at_equal_steps": None if refined else
                                 equal_steps_score(args.job, fixed["step"])}
    metadata.write(metadata.TrainingRecord.from_json(meta), stem + ".json")
    if not args.no_latency:     # timed once the files it times are the shipped ones
        meta["latency_ms"] = cpu_latencies(args.name, pause=args.pause)
        meta["latency_machine"] = machine_line()
        metadata.write(metadata.TrainingRecord.from_json(meta), stem + ".json")
    write_card(args.name, meta, count_params(model), macs_per_pixel(model, 64),
               meta.get("latency_ms"), refined)
    partial.remove()
    return 0


def _row(name, row):
    key = "sigma" if name.startswith("denoise") else "quality"
    refs = " | ".join(f"{table[row[key]]:.2f}" if row["told"] == row[key] and
                      row[key] in table else "" for table in PAPER[name].values())
    return (f"| {row[key]} | {row['told']} | {row['input_psnr']:.2f} | **{row['psnr']:.2f}** "
            f"/ {row['ssim']:.4f} | {refs} |")


def against_paper(name, scores):
    """One line: this model minus each paper row at the levels it was told truly."""
    key = "sigma" if name.startswith("denoise") else "quality"
    parts = []
    for method, table in PAPER[name].items():
        gaps = [row["psnr"] - table[row[key]] for row in scores
                if row["told"] == row[key] and row[key] in table]
        verdict = "above at every level" if min(gaps) > 0 else \
            "below at every level" if max(gaps) < 0 else "mixed"
        parts.append(f"{method} {', '.join(f'{g:+.2f}' for g in gaps)} dB ({verdict})")
    return f"Against the paper's rows at {key} " \
        f"{', '.join(str(level) for level in next(iter(PAPER[name].values())))}: " \
        + "; ".join(parts) + "."


def kind_lines(name, kinds):
    """The card's table of the test sets of other kinds (none: no lines)."""
    from nsr_tf.kinds import card_lines
    key = "sigma" if name.startswith("denoise") else "quality"
    return card_lines(name, kinds, f"{key} {KIND_LEVEL[name]} told the truth",
                      KIND_ANCHOR.get(name))


def data_line(meta):
    """The card's words for the training folders and the validation images."""
    data_dirs = meta["config"]["data_dir"]
    names = {"Train400": "Train400",
             "CBSD432-clean": "CBSD432 without its 34 test images (`CBSD432-clean`)",
             "saturated": "398 saturated versions of those photos (`saturated`)",
             "graphics": "300 synthetic graphics (`graphics`)"}
    if isinstance(data_dirs, str):      # records from before --data-dir could repeat
        data_dirs = [data_dirs]
    folders = [os.path.basename(os.path.normpath(d)) for d in data_dirs]
    if folders == ["Train400"]:
        return f"Train400 ({validation_phrase(meta)})"
    return (", ".join(names.get(f, f"`{f}`") for f in folders) + " (colour images read in "
            f"gray; {validation_phrase(meta)}; how to rebuild and check the varied folders, "
            "and how no test image is among them: `docs/training_data.md`)")


def write_card(name, meta, params, macs, timings, refined=None):
    from nsr_tf import model_io, pretrained
    from nsr_tf.train.config import TrainConfig
    c = meta["config"]
    schedule = TrainConfig(**c).schedule_words()
    key = "sigma" if name.startswith("denoise") else "quality"
    title = {"denoise-blind": "one gray denoiser for sigma 0-75 (noise level map)",
             "jpeg": "gray JPEG artifact removal for quality 10-90"}[name]
    told = {"denoise-blind": "the sigma given to the model's noise level map ('auto': "
                             "estimated per image by `nsr_tf.estimation.estimate_sigma`, "
                             "as `nsr-restore --sigma auto`)",
            "jpeg": "the quality given to the model's quality map"}[name]
    lines = [f"# `{name}`: {title}", "",
             f"Preset {c['variant']}, {params:,} parameters, {macs / 1e6:.3f} M MACs/pixel; "
             f"trained by this project's `training/train.py` for {meta['step']:,} steps "
             + (f"on top of {refined[1]} " if refined else "") +
             f"(epoch {meta['epoch']} of {c['epochs']}, batch {c['batch_size']} of "
             f"{c['patch_size']}px patches, {c['patches_per_image']} per image per epoch, "
             f"Adam {c['lr']:g}, {schedule}) in "
             f"{meta['precision']}{PRECISION_NOTES.get(job_name(c), '')} on "
             f"{meta['machine']}: {meta['wall_hours']:.1f} h of "
             f"training ({meta['logged_epochs']} epochs logged, {meta['runs']} run(s): the "
             f"job was resumed {meta['runs'] - 1} time(s)).", "",
             f"Data: {data_line(meta)}, {meta['degradation']}.", "",
             f"Command (rerun it to resume): "
             f"`{refined[0] if refined else COMMANDS.get(name, '')}`", "",
             f"Scores on {TESTSET[name]} (repository copy), measured by `python "
             f"release/ship_level_models.py {name} JOB`; each row is reproduced to 0.01 "
             f"dB by tests/test_pretrained.py and by `python training/evaluate.py --model "
             f"nsr_tf/pretrained/{pretrained.MODELS[name]}.keras --data-dir "
             f"testsets/{TESTSET[name]} --{key} TRUE --map-{key} TOLD`. Told: {told}.", "",
             f"| true {key} | told | input PSNR | PSNR / SSIM | "
             + " | ".join(f"paper {m}" for m in PAPER[name]) + " |",
             "|---" * (4 + len(PAPER[name])) + "|"]
    lines += [_row(name, row) for row in meta["scores"]]
    lines += ["", against_paper(name, meta["scores"])]
    lines += kind_lines(name, meta.get("kinds"))
    if name == "denoise-blind":
        fixed = meta["sigma25_model"]
        ours = next(r["psnr"] for r in meta["scores"] if r["sigma"] == r["told"] == 25)
        lines += ["", f"Against the shipped sigma-25 model (`denoise-sigma25`, {fixed['step']:,}"
                  f" steps, {fixed['psnr']:.2f} dB at sigma 25): this model "
                  f"{ours:.2f} dB " + ("after the training above" if refined else
                                      f"at {meta['step']:,} steps")
                  + (f", {fixed['psnr_at_equal_steps']:.2f} dB at {fixed['step']:,} steps "
                     f"({fixed['psnr_at_equal_steps'] - fixed['psnr']:+.2f} dB)"
                     if fixed["psnr_at_equal_steps"] is not None else "") + "."]
    if c.get("map_jitter"):
        lines += ["", MAP_JITTER_NOTE]
    if timings:
        from nsr_tf.inference import phone_tile
        task = meta["config"].get("task")
        lines += ["", "LiteRT latency of one tile of each file, at its phone tile (XNNPACK): "
                  f"float32 ({phone_tile(task, 'none')} px) {timings['float32 1t']:.1f} / "
                  f"{timings['float32 2t']:.1f} ms on 1 / 2 threads, dynamic int8 "
                  f"({phone_tile(task, 'dynamic')} px) {timings['dynamic 1t']:.1f} / "
                  f"{timings['dynamic 2t']:.1f} ms "
                  f"({meta.get('latency_machine', meta['machine'])})."]
    lines += ["", f"Files: `{pretrained.MODELS[name]}.keras` (`nsr_tf.model_io.load"
              f"(\"{name}\")`) and `.json` (training config and these scores). Its `.tflite` "
              f"files (float32 and dynamic-range int8 for the CPU, the GPU form with float16 "
              f"weights, the native form) are made on demand from the `.keras` file, "
              f"parity-checked, with their export metadata `.tflite.json` beside them (the "
              f"last input channel is the level map, described under `level_map`): "
              f"`nsr_tf.export.catalogue.exported(\"{name}\", suffix)`."]
    model_io.write_card(name, lines)


if __name__ == "__main__":
    sys.exit(main())
