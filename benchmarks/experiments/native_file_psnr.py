"""PSNR of the gray models' native phone files against their Keras models, tiled alike:
each file (from the catalogue, at the phone tile) on the repository's Set12 (denoisers,
sigma 25) or classic5 (JPEG, quality 10), and the float32 Keras model at the same tile
and overlap.

    python benchmarks/experiments/native_file_psnr.py [--models jpeg denoise-sigma25
        denoise-blind] [--suffixes _native_dynamic.tflite _native.tflite]
        [--markdown docs/native_file_psnr.md]
"""

import argparse
import os
import sys

from nsr_tf import pretrained  # (quiet TF first)
from nsr_tf.benchmarking import emit, header

GRAY_MODELS = ("jpeg", "denoise-sigma25", "denoise-blind")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(GRAY_MODELS),
                        choices=GRAY_MODELS)
    parser.add_argument("--suffixes", nargs="+", default=["_native_dynamic.tflite"])
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf import metadata as records, model_io
    from nsr_tf.evaluation import gray_testset_psnr
    from nsr_tf.export.catalogue import SUFFIXES, exported
    from nsr_tf.export.litert import LiteRTPredictor
    bad = [suffix for suffix in args.suffixes if suffix not in SUFFIXES]
    if bad:
        parser.error(f"--suffixes: {bad[0]!r} is not one of {sorted(SUFFIXES)}")
    lines = [header(), "", f"command: python benchmarks/experiments/native_file_psnr.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}", "",
             "| model | file | tile / overlap | file dB | Keras float32 dB | change |",
             "|---|---|---|---|---|---|"]
    data = []
    for name in args.models:
        model, info = model_io.load(pretrained.path(name))
        for suffix in args.suffixes:
            path = exported(name, suffix)
            meta = records.read(records.ExportMetadata, path + ".json")
            lite = gray_testset_psnr(LiteRTPredictor(open(path, "rb").read(),
                                                     threads=os.cpu_count()),
                                     info, meta.tile, meta.overlap)
            keras = gray_testset_psnr(model, info, meta.tile, meta.overlap)
            lines.append(f"| {name} | `{os.path.basename(path)}` | {meta.tile} / "
                         f"{meta.overlap} | {lite:.3f} | {keras:.3f} | {lite - keras:+.3f} |")
            print(lines[-1], file=sys.stderr, flush=True)
            data.append({"model": name, "file": os.path.basename(path), "tile": meta.tile,
                         "overlap": meta.overlap, "file_psnr": lite, "keras_psnr": keras})
    emit(lines, args.markdown, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
