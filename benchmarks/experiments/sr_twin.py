"""Upscalers side by side by the SR cards' protocol: a sparse model and its dense
same-FLOPs twin (issue 34 item 4: the paper's claim measured at each shipped schedule),
or any models of one scale. Per model: its training steps, parameters, MACs per HR pixel,
and Y PSNR on Set5 / Set14 / B100 and on the test sets of other kinds given.

    python benchmarks/experiments/sr_twin.py --model sr-x4 \\
        --model ~/jobs/sr-x4-varied-dense/best.keras \\
        --kind "graphics (synthetic)=$HOME/data/graphics-test" \\
        --kind "saturated photos (Kodak24)=$HOME/data/kodak24-saturated" \\
        --markdown docs/sr_twin_x4.md

Scores: `nsr_tf.evaluation.sr_scores` (tiles of 48 LR px, the recorded overlap, float32;
Y PSNR with the scale shaved), the cards' numbers. Set14 and B100 come from --data-root
(default: $NSR_TF_DATA, else ../shared/data beside the repository). With --markdown
REPORT.md, each model's rows are kept as they end in REPORT.partial-N.json
(``nsr_tf.partial_scores``): run again after a stop, the same command scores only the
rest; the files go once the report is written.
"""

import argparse
import json
import os
import sys


def record(model):
    """(the training record beside the model file, ``model_io.load``'s (Keras model,
    info))."""
    from nsr_tf import model_io
    path = model_io.resolve(model)
    if not os.path.exists(path):
        raise FileNotFoundError("no such .keras file, nor a shipped model of that name")
    with open(os.path.splitext(path)[0] + ".json") as handle:
        meta = json.load(handle)
    return meta, model_io.load(path)


def table(models, scores, records, sets):
    """The report's table lines: a row per model, a column per set."""
    lines = ["| model | variant | steps | parameters | M MACs per HR pixel | "
             + " | ".join(sets) + " |", "|---" * (5 + len(sets)) + "|"]
    for model in models:
        meta, params, macs = records[model]
        best = {name: max(scores[m][name]["psnr"] for m in models) for name in sets}
        lines.append(f"| `{model}` | {meta['config']['variant']} | {meta['step']:,} | "
                     f"{params:,} | {macs / 1e6:.3f} | " + " | ".join(
                         (f"**{scores[model][name]['psnr']:.2f}**"
                          if scores[model][name]["psnr"] == best[name]
                          else f"{scores[model][name]['psnr']:.2f}") for name in sets)
                     + " |")
    return lines


def main(argv=None):
    from nsr_tf.data.sources import shared_data
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True,
                        help="an upscaler (.keras with its .json beside it, or a shipped "
                             "name); repeat")
    parser.add_argument("--kind", action="append", default=[], metavar="NAME=FOLDER",
                        help="also score on a test set of another kind; repeat")
    parser.add_argument("--data-root", default=shared_data())
    parser.add_argument("--markdown", help="write the report here (numbers as .json beside)")
    args = parser.parse_args(argv)
    from nsr_tf import count_params, macs_per_pixel, model_io
    from nsr_tf.benchmarking import emit, header
    from nsr_tf.kinds import kind_folders
    from nsr_tf.data.sources import sr_testsets
    from nsr_tf.errors import NsrError
    from nsr_tf.evaluation import sr_scores
    from nsr_tf.partial_scores import PartialScores
    sets = {**sr_testsets(args.data_root), **kind_folders(args.kind, parser.error)}
    for name, folder in sets.items():
        if not folder or not os.path.isdir(folder):
            parser.error(f"no {name} folder ({folder}): pass --data-root")
    records, loaded, scale = {}, {}, set()
    for model in args.model:
        try:
            meta, loaded[model] = record(model)
        except (NsrError, OSError) as error:
            parser.error(f"--model {model}: {error}")
        if meta.get("config", {}).get("task") != "sr":
            parser.error(f"--model {model}: not an upscaler")
        scale.add(meta["config"]["scale"])
        keras_model = loaded[model][0]
        records[model] = (meta, count_params(keras_model),
                          macs_per_pixel(keras_model, 48) / meta["config"]["scale"] ** 2)
    if len(scale) != 1:
        parser.error(f"the models upscale by different factors ({sorted(scale)})")
    # with --markdown, each model's rows are kept as they are scored: a run stopped before
    # its end (a session's end, as when the training queue runs it) goes on from them
    stem = os.path.splitext(args.markdown)[0] if args.markdown else None
    kept = {model: PartialScores(None, model_io.resolve(model),
                                 f"{stem}.partial-{i}.json" if stem else None)
            for i, model in enumerate(args.model)}
    scores = {model: sr_scores(model, sets, loaded=loaded[model], partial=kept[model])
              for model in args.model}
    lines = [f"# Upscalers side by side (x{scale.pop()})", "",
             "Command: `python benchmarks/experiments/sr_twin.py "
             + " ".join(f"--model {m}" for m in args.model)
             + "".join(f' --kind "{k}"' for k in args.kind) + "`. Y PSNR dB by the SR "
             "cards' protocol (`nsr_tf.evaluation.sr_scores`); the best of each column in "
             "bold.", "", header(), ""] + table(args.model, scores, records, list(sets))
    emit(lines, args.markdown, {m: {"step": records[m][0]["step"], "params": records[m][1],
                                    "macs_per_hr_pixel": records[m][2], "scores": scores[m]}
                                for m in args.model})
    for partial in kept.values():
        partial.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
