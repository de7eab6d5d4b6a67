"""The "before" rows of the colour models' cards: what a colour photo got
before there were colour models, the shipped gray model run on each RGB channel, on the
colour test sets, and the degraded input itself.

    python benchmarks/experiments/color_baselines.py            # all rows (resumes: rows present stay)
    python benchmarks/experiments/color_baselines.py --only denoise

Rows: `denoise-blind` per channel on CBSD68 and Kodak24 at AWGN sigma 25 told 25, the
noisy input at sigma 15/25/50; `jpeg` per channel on CBSD68 at quality 10/20/30/40 told
the quality, and the JPEG input (colour JPEG, libjpeg 4:2:0 as Pillow writes it), RGB and
Y PSNR. The protocol of training/evaluate.py (tiles 64, overlap 16, float32; noise seeded
by file name). Results go to docs/color_baselines.json (read by
release/ship_color_models.py) and docs/color_baselines.md. Slow: about 25 minutes of
2 CPU cores per family.
"""

import argparse
import json
import os
import sys

from nsr_tf.benchmarking import row_key
from nsr_tf.data.sources import shared_data

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = shared_data()
OUT = os.path.join(REPO, "docs", "color_baselines.json")

# family -> (gray model, [(set, level) scored with the gray model], [(set, level) of the
# input only])
ROWS = {
    "denoise": ("denoise-blind", [("CBSD68", 25), ("Kodak24", 25)],
                [(s, level) for s in ("CBSD68", "Kodak24") for level in (15, 25, 50)]),
    "jpeg": ("jpeg", [("CBSD68", q) for q in (10, 20, 30, 40)],
             [("CBSD68", q) for q in (10, 20, 30, 40)]),
}


def key(family, method, testset, level):
    return row_key(family, method, testset, level)


def measure(family, method, testset, level, data_root):
    """{"psnr", "ssim"[, "psnr_y"], "images"} of one row; ``method``: "input" or a model."""
    from nsr_tf import model_io, pretrained
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    folder = os.path.join(data_root, testset)
    if method == "input":
        degradation = Degradation(family, sigma=level) if family == "denoise" else \
            Degradation(family, quality=level)
        rows = evaluate_folder(folder, degradation, None, ["input"], channels=3,
                               y_psnr=family == "jpeg")
    else:
        model, info = model_io.load(pretrained.path(method))
        degradation = model_io.degradation_of(info, sigma=level, quality=level)
        rows = evaluate_folder(folder, degradation, model, channels=3, map_level=level,
                               y_psnr=family == "jpeg")
    summary = summarise(rows)[0]
    return {k: summary[k] for k in ("psnr", "ssim", "psnr_y", "images") if k in summary}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(ROWS), help="one family's rows")
    parser.add_argument("--data-root", default=DEFAULT_DATA,
                        help="folder holding CBSD68/ and Kodak24/ (default: $NSR_TF_DATA, "
                             "else ../shared/data beside the repository)")
    parser.add_argument("--markdown", default=os.path.join(REPO, "docs",
                                                           "color_baselines.md"))
    args = parser.parse_args(argv)
    for testset in ("CBSD68", "Kodak24"):
        if not os.path.isdir(os.path.join(args.data_root, testset)):
            print(f"color_baselines.py: error: no {testset} folder in {args.data_root}: "
                  f"pass --data-root", file=sys.stderr)
            return 1
    from nsr_tf.benchmarking import emit, header
    results = json.load(open(OUT)) if os.path.exists(OUT) else {"rows": {}}
    results.setdefault("machine", header())   # where the first rows were measured
    for family in [args.only] if args.only else list(ROWS):
        model, with_model, inputs = ROWS[family]
        todo = [("input", s, level) for s, level in inputs] + \
            [(model, s, level) for s, level in with_model]
        for method, testset, level in todo:
            name = key(family, method, testset, level)
            if name in results["rows"]:
                continue
            results["rows"][name] = measure(family, method, testset, level, args.data_root)
            print(name, results["rows"][name], flush=True)
            with open(OUT, "w") as handle:   # after every row: a rerun resumes
                json.dump(results, handle, indent=1)
    with open(OUT, "w") as handle:
        json.dump(results, handle, indent=1)
    emit(table(results), args.markdown)
    return 0


def table(results):
    rows = results["rows"]
    lines = ["# The colour test sets before the colour models", "",
             "Command: `python benchmarks/experiments/color_baselines.py` (tiles 64, overlap 16, "
             "float32). PSNR dB on RGB [0, 255] (JPEG: RGB / Y), SSIM on RGB. A gray model "
             "runs on each RGB channel on its own.", "", results["machine"], "",
             "| family | set | level | input | gray model per channel |", "|---|---|---|---|---|"]
    for family, (model, _, inputs) in ROWS.items():
        for testset, level in inputs:
            given = rows.get(key(family, "input", testset, level))
            ours = rows.get(key(family, model, testset, level))
            if not given:
                continue

            def cell(row):
                if not row:
                    return ""
                y = f" / {row['psnr_y']:.2f}" if "psnr_y" in row else ""
                return f"{row['psnr']:.2f}{y} ({row['ssim']:.4f})"
            lines.append(f"| {family} | {testset} | "
                         f"{'sigma' if family == 'denoise' else 'q'} {level} | "
                         f"{cell(given)} | {cell(ours) and f'`{model}`: {cell(ours)}'} |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
