"""Every shipped model stored in float16 (``nsr_tf.model_io.half_copy``) against its float32
file: bytes and PSNR on one standard set each, side by side in one run.

    python benchmarks/experiments/half_weights.py --markdown docs/model_files_measured.md

Scores: ``training/evaluate.py``'s protocol (its ``main``, reading each model's degradation
from the JSON beside it: sigma 25 / quality 10 / the model's scale), float32 compute; the
gray models on Set12, the colour and SR models on Set5 (the sets that ship in testsets/).
"""

import argparse
import json
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTSETS = os.path.join(REPO, "testsets")


def score(model, folder, out):
    """Mean PSNR of ``model`` on ``folder`` by evaluate.py's main (its JSON report)."""
    from nsr_tf.cli.evaluate import main
    if main(["--model", model, "--data-dir", folder, "--json", out]) != 0:
        raise RuntimeError(f"evaluate.py failed on {model}")
    with open(out) as handle:
        return json.load(handle)["summary"][0]["psnr"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append",
                        help="a shipped model's name (repeat; default: every shipped model)")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    from nsr_tf import model_io, pretrained
    from nsr_tf.benchmarking import header, write
    names = args.model or pretrained.available()
    lines = ["| model | test set | float32 file | float16 file | ratio | float32 PSNR | "
             "float16 PSNR | difference (dB) |", "|---" * 8 + "|"]
    start = time.time()
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            full = pretrained.path(name)
            half = model_io.half_copy(full, os.path.join(scratch, os.path.basename(full)))
            info = model_io.load(full)[1]
            folder = os.path.join(TESTSETS, "Set12" if info.channels == 1 else "Set5")
            psnr = [score(path, folder, os.path.join(scratch, "scores.json"))
                    for path in (full, half)]
            size = [os.path.getsize(path) for path in (full, half)]
            lines.append(f"| `{name}` | {os.path.basename(folder)} | {size[0]:,} | "
                         f"{size[1]:,} | {size[1] / size[0]:.2f} | {psnr[0]:.4f} | "
                         f"{psnr[1]:.4f} | {psnr[1] - psnr[0]:+.4f} |")
            print(lines[-1], flush=True)
    note = (f"Measured {time.strftime('%Y-%m-%d')} in {time.time() - start:.0f} s by "
            f"`python benchmarks/experiments/half_weights.py`. {header()}")
    print(note)
    write(["# Shipped models in float16: bytes and PSNR", "", note, ""] + lines,
          args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
