"""Test sets of other kinds than a model's own (graphics, saturated colour: docs/
training_data.md) in a gray model's card: the model, the noisy input, the model shipped
before it and a classical anchor measured on the same images (benchmarks/experiments/
kind_anchors.py), at one level told the truth."""

import functools
import os
import sys

from nsr_tf.benchmarking import result_row


def kind_folders(items, error):
    """{name: folder} of the ship tools' ``--kind NAME=FOLDER`` values; ``error`` (the
    parser's) is called with one line for a malformed value, a missing folder or one
    without images (before any scoring, which would stop there after a long while)."""
    from nsr_tf.data.images import BadImageError, list_images
    kinds = {}
    for item in items:
        kind, sep, folder = item.partition("=")
        if not sep or not kind or not os.path.isdir(folder):
            error(f"--kind {item!r}: expected NAME=FOLDER with an existing folder")
        try:
            list_images(folder)
        except BadImageError as problem:
            error(f"--kind {item!r}: {problem}")
        kinds[kind] = folder
    return kinds


def fingerprint(model_file, folder, level):
    """What a model's score on a kind folder depends on besides the protocol: the model
    file's SHA-256, one SHA-256 over the folder's images (its manifest lines: names and
    bytes) and the level. A record keeps it beside the score, and a later ship that would
    score the same file on the same images at the same level takes the recorded number
    instead (``release/ship_color_models.py``: the gray model per channel, which changes
    far less often than the colour model). The protocol itself (noise seeded by file name,
    tiles 64/16, float32) is held by tests/test_pretrained.py, which reproduces the shipped
    models' per-image scores: a change that moved the numbers fails there first."""
    from nsr_tf.data.sources import images_digest
    from nsr_tf.files import sha256_file
    return {"model_sha256": sha256_file(model_file), "images_sha256": images_digest(folder),
            "level": level}


def _beside(name, before):
    """Whether ``score_gray`` scores the shipped model ``name`` beside the new one."""
    from nsr_tf import pretrained
    return before and os.path.exists(pretrained.path(name))


def score_gray_passes(name, kinds, before=True):
    """The folders ``score_gray`` goes through, one entry per pass (a ``scoring_bar``'s
    total): each kind folder, twice where the shipped model is scored beside."""
    return [folder for folder in kinds.values() for _ in range(1 + _beside(name, before))]


def score_gray(name, model, degradation, kinds, level, anchor=None, anchors=None,
               before=True, bar=None, partial=None):
    """{kind: {"psnr", "ssim", "input_psnr"[, "before_psnr"][, "anchor_psnr"]}}: ``model``
    on each folder of ``kinds`` ({kind: folder}) read in gray, degraded by
    ``degradation`` (at ``level``, which a level-map model is told); "before" (unless
    ``before`` is false: ``model`` is the shipped one): the shipped model ``name`` on the
    same images; "anchor": row ``anchor`` of the results JSON ``anchors`` where it is
    measured. ``bar``: a ``nsr_tf.evaluation.scoring_bar`` counting each pass through a
    folder (two with "before"), its lines said above it. ``partial``: the ship's
    ``nsr_tf.partial_scores.PartialScores`` (passes a stopped ship kept are taken)."""
    from nsr_tf import model_io, pretrained
    from nsr_tf.evaluation import evaluate_folder, summarise
    from nsr_tf.files import sha256_file
    from nsr_tf.partial_scores import KEPT, PartialScores
    partial = partial or PartialScores(None, None)
    beside = pretrained.path(name) if _beside(name, before) else None
    shipped = functools.cache(lambda: model_io.load(beside)[0])    # only if scored
    # its passes are kept for that shipped file only
    beside_sha = sha256_file(beside) if beside is not None else None
    update = None if bar is None else bar.update

    def scored(folder):
        summary = {row["method"]: row for row in summarise(evaluate_folder(
            folder, degradation, model, baselines=["input"], channels=1, map_level=level,
            progress=update))}
        return {"psnr": summary["model"]["psnr"], "ssim": summary["model"]["ssim"],
                "input_psnr": summary["input"]["psnr"]}

    def scored_before(folder):
        return summarise(evaluate_folder(folder, degradation, shipped(), channels=1,
                                         map_level=level, progress=update))[0]["psnr"]

    out = {}
    for kind, folder in kinds.items():
        row, kept = partial.score(f"{kind} {level}", folder, lambda: scored(folder), bar)
        kept_before = False
        if beside is not None:
            row["before_psnr"], kept_before = partial.score(
                f"{kind} {level}, shipped model {beside_sha}", folder,
                lambda: scored_before(folder), bar)
        measured = result_row(anchors, anchor, kind, level) if anchor and anchors else None
        if measured:
            row["anchor_psnr"] = measured["psnr"]
        out[kind] = row
        line = f"{kind} {level}: {row['psnr']:.2f} dB{KEPT if kept else ''}" \
            + (f", before {row['before_psnr']:.2f}{KEPT if kept_before else ''}"
               if "before_psnr" in row else "") \
            + (f", {anchor} {row['anchor_psnr']:.2f}" if "anchor_psnr" in row else "")
        if bar is None:
            print(line, flush=True)
        else:
            bar.say(line)
    return out


def kind_losses(shipped, kinds, tolerance=0.05):
    """``nsr_tf.benchmarking.losses`` of a new model's kind rows ``kinds`` ({kind: row})
    against the shipped record's: the card's own kind rows, or for a card from before kind
    rows, the shipped model as scored beside the new one ("before_psnr")."""
    from nsr_tf.benchmarking import losses
    previous = shipped.get("kinds") or {kind: {"psnr": row["before_psnr"]}
                                        for kind, row in (kinds or {}).items()
                                        if "before_psnr" in row}
    return losses([{"kind": kind, **row} for kind, row in previous.items()],
                  [{"kind": kind, **row} for kind, row in (kinds or {}).items()],
                  ("kind",), tolerance, unscored="not scored (pass its --kind)")


def refuse_recarding(tool, name, record):
    """The ship tools' kind rows for a shipped card without a job are for a card from
    before kind rows: where ``record`` has some, one line on stderr and the exit status 1
    (a job's re-ship changes them), else None."""
    if not record.get("kinds"):
        return None
    print(f"{tool}: error: the shipped {name} already has kind rows "
          f"({', '.join(record['kinds'])}): ship a job to change them", file=sys.stderr)
    return 1


def card_lines(name, kinds, what, anchor=None):
    """The card's table of ``kinds`` (none: no lines); ``what``: the level's words
    ("sigma 25 told the truth")."""
    if not kinds:
        return []
    before = any("before_psnr" in row for row in kinds.values())
    lines = ["", f"Test sets of other kinds (made here, never trained on: "
             f"`docs/training_data.md`; no published rows exist for them), read in gray, "
             f"{what}, PSNR dB"
             + (f"; {anchor} measured here by `benchmarks/experiments/kind_anchors.py` "
                f"(`docs/kind_anchors.md`)" if anchor else "") + ":", "",
             "| set | input | " + (f"{anchor} | " if anchor else "")
             + ("before: the model shipped before this one | " if before else "")
             + f"**`{name}`** / SSIM |",
             "|---" * (3 + bool(anchor) + before) + "|"]
    for kind, row in kinds.items():
        lines.append(f"| {kind} | {row['input_psnr']:.2f} | "
                     + (f"{row['anchor_psnr']:.2f} | " if anchor and "anchor_psnr" in row
                        else "| " if anchor else "")
                     + ((f"{row['before_psnr']:.2f} | " if "before_psnr" in row else "| ")
                        if before else "")
                     + f"**{row['psnr']:.2f}** / {row['ssim']:.4f} |")
    return lines
