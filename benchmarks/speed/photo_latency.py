"""What a phone user waits for: seconds to restore one whole photo through the phone files,
tiled as the app tiles (nsr_tf.inference's tiles and overlap; the app's Java tiler uses
the same numbers), LiteRT on CPU, per tile size and thread count.

For each model: the dense baseline's float and dynamic-int8 files (the reference), each
sparse model's native float and native dynamic files (docs/native.md); the upscalers per
output photo (their tiles are LR pixels). Every file is exported here at every tile
(batch 1; untrained weights for the dense baseline are not needed: it ships). A photo's
seconds are its tile count times the median invoke of that file at that tile, all files
of one tile size and thread count timed round-robin in one run; ``--full`` also restores
one real photo end to end per file at each tile (``nsr_tf.inference.restore`` with the
file, blending included) so that the product can be checked against the real thing.

    python benchmarks/speed/photo_latency.py [--models denoise-sigma25 jpeg sr-x2]
        [--tiles 64 128 256 512] [--threads 1 2] [--photos 4032x3024 1920x1080]
        [--overlap 16] [--rounds 3] [--full] [--markdown docs/photo_latency.md] [--pause PID]

Do not run it beside a training job (``--pause PID`` holds one stopped while timing).
"""

import argparse
import statistics
import sys
import time

import numpy as np

from nsr_tf import pretrained  # (quiet TF first)
from nsr_tf.benchmarking import add_pause_flag, emit, header, paused

# the dense baseline: the reference every file is compared with
BASELINE = "denoise-sigma25-baseline"
DEFAULT_MODELS = ("denoise-sigma25", "jpeg", "sr-x2", "sr-x4")
# (form, quantize) of each phone file, by label
DENSE_FILES = {"float": ("cpu", "none"), "dynamic int8": ("cpu", "dynamic")}
SPARSE_FILES = {"native float": ("native", "none"), "native dynamic": ("native", "dynamic")}


def parse_photo(text):
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a photo size is WIDTHxHEIGHT, got {text!r}")
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"a photo size must be positive, got {text!r}")
    return width, height


def files_of(name):
    """{label: (form, quantize)} of a model's phone files."""
    return DENSE_FILES if name == BASELINE else SPARSE_FILES


def input_size(photo, scale):
    """The (height, width) the file reads for an output photo (width, height)."""
    width, height = photo
    return height // scale, width // scale


def tiles_for(photo, scale, tile, overlap):
    from nsr_tf.inference import tile_count
    return tile_count(input_size(photo, scale), tile, overlap)


def full_photo_seconds(content, photo, scale, channels, tile, overlap, threads):
    """One real restore of a uniform-noise photo of that size, end to end (seconds)."""
    from nsr_tf.export.litert import LiteRTPredictor
    from nsr_tf.inference import restore
    lite = LiteRTPredictor(content, threads=threads)
    height, width = input_size(photo, scale)
    image = np.random.default_rng(0).uniform(size=(height, width, channels)).astype("float32")
    start = time.perf_counter()
    restore(lite, image, tile_size=tile, overlap=overlap, batch_size=1, scale=scale)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS),
                        help=f"shipped sparse models (the dense baseline {BASELINE} is "
                             f"always timed); default: {' '.join(DEFAULT_MODELS)}")
    parser.add_argument("--tiles", type=int, nargs="+", default=[64, 128, 256, 512],
                        help="input tile sizes (LR pixels for the upscalers)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--photos", type=parse_photo, nargs="+",
                        default=[(4032, 3024), (1920, 1080)], help="output photo sizes")
    parser.add_argument("--overlap", type=int, default=None,
                        help="tile overlap in input pixels (default: the model's own, "
                             "16; 12 for the upscalers)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", action="store_true",
                        help="also restore one whole photo end to end per file and tile")
    parser.add_argument("--markdown")
    add_pause_flag(parser)
    args = parser.parse_args(argv)
    unknown = [name for name in args.models if name not in pretrained.MODELS]
    if unknown:
        parser.error(f"--models: no shipped model {unknown[0]!r}; "
                     f"shipped: {' '.join(sorted(pretrained.MODELS))}")
    if min(args.tiles) < 8:
        parser.error("--tiles must be >= 8")

    from nsr_tf import model_io
    from nsr_tf.export.converter import convert
    from nsr_tf.export.litert import latency
    from nsr_tf.inference import phone_tile

    names = [BASELINE] + [name for name in args.models if name != BASELINE]
    rows = []       # one per (model, file, tile)
    for name in names:
        model, info = model_io.load(pretrained.path(name))
        scale = info.scale or 1
        overlap = args.overlap if args.overlap is not None else (info.overlap or 16)
        for label, (form, quantize) in files_of(name).items():
            today = phone_tile(info.task, quantize)
            for tile in sorted(set(args.tiles) | {info.tile_size or 64, today}):
                if overlap >= tile:
                    continue
                print(f"exporting {name} {label} at {tile}", file=sys.stderr, flush=True)
                rows.append({"model": name, "file": label, "tile": tile, "scale": scale,
                             "overlap": overlap, "channels": int(model.input_shape[-1]),
                             "today": tile == today,
                             "content": convert(model, form, quantize, tile=tile),
                             "times": {t: [] for t in args.threads}})
    with paused(args.pause):
        for tile in sorted({row["tile"] for row in rows}):
            # fewer invokes on larger tiles: about the pixels of 20 invokes at 64x64
            runs = max(2, 20 * 64 * 64 // (tile * tile))
            group = [row for row in rows if row["tile"] == tile]
            for threads in args.threads:
                for _ in range(args.rounds):  # round-robin: the noise hits every row
                    for row in group:
                        row["times"][threads].append(latency(row["content"], threads,
                                                             runs=runs, warmup=1))
    photo_names = [f"{w}x{h}" for w, h in args.photos]
    for row in rows:
        row["invoke"] = {t: statistics.median(row["times"][t]) for t in args.threads}
        row["seconds"] = {(photo_names[i], t): tiles_for(photo, row["scale"], row["tile"],
                                                         row["overlap"]) * row["invoke"][t]
                          for i, photo in enumerate(args.photos) for t in args.threads}
    if args.full:
        with paused(args.pause):
            for row in rows:
                row["full"] = {(photo_names[0], t): full_photo_seconds(
                    row["content"], args.photos[0], row["scale"], row["channels"],
                    row["tile"], row["overlap"], t) for t in args.threads}
    # the reference: the dense baseline's dynamic-int8 file at its fastest tile per photo
    reference = {}
    for key in rows[0]["seconds"]:
        dense = [row for row in rows if row["model"] == BASELINE
                 and row["file"] == "dynamic int8"]
        reference[key] = min(row["seconds"][key] for row in dense)
    lines = [header(), "",
             f"command: python benchmarks/speed/photo_latency.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}", "",
             "Seconds to restore one photo (output size) through each phone file, LiteRT "
             "CPU (XNNPACK; the native files with nsr-tf's kernel), batch-1 tiles of the "
             "tile size given (input pixels; the upscalers' are LR), overlap as given: the "
             "photo's tile count x the file's median invoke at that tile, all files of a "
             "tile and thread count timed round-robin. Ratio: to the dense baseline's "
             "dynamic-int8 file at its fastest tile for that photo and threads. "
             "`*`: the file's phone tile (`nsr_tf.inference.phone_tile`); the training "
             "patch (64; 48 LR) is always measured too (the phone files' tile until "
             "2026-12-04).", ""]
    for photo in photo_names:
        for threads in args.threads:
            key = (photo, threads)
            lines += [f"### {photo}, {threads} thread{'s' if threads > 1 else ''}", "",
                      "| model | file | " + " | ".join(
                          f"tile {t}" for t in sorted({r['tile'] for r in rows}))
                      + " | fastest | / dense int8 |",
                      "|---|---|" + "---|" * (len({r['tile'] for r in rows}) + 2)]
            for name in names:
                for label in files_of(name):
                    mine = {row["tile"]: row for row in rows
                            if row["model"] == name and row["file"] == label}
                    if not mine:
                        continue
                    cells = []
                    for tile in sorted({r["tile"] for r in rows}):
                        row = mine.get(tile)
                        cells.append("-" if row is None else
                                     f"{row['seconds'][key]:.2f}{'*' if row['today'] else ''}")
                    best = min(mine.values(), key=lambda row: row["seconds"][key])
                    lines.append(f"| {name} | {label} | " + " | ".join(cells)
                                 + f" | {best['seconds'][key]:.2f} s at {best['tile']} | "
                                 f"{best['seconds'][key] / reference[key]:.2f}x |")
            lines.append("")
    if args.full:
        lines += [f"End to end, one {photo_names[0]} photo (`nsr_tf.inference.restore` with "
                  "the file; blending in Python, which the app does in Java), against the "
                  "product above:", "", "| model | file | tile | threads | product s | "
                  "end to end s |", "|---|---|---|---|---|---|"]
        for row in rows:
            for threads in args.threads:
                key = (photo_names[0], threads)
                lines.append(f"| {row['model']} | {row['file']} | {row['tile']} | {threads} "
                             f"| {row['seconds'][key]:.2f} | {row['full'][key]:.2f} |")
    data = [{"model": row["model"], "file": row["file"], "tile": row["tile"],
             "overlap": row["overlap"], "scale": row["scale"],
             "invoke_ms": {t: v * 1e3 for t, v in row["invoke"].items()},
             "photo_seconds": {f"{p} {t}": v for (p, t), v in row["seconds"].items()},
             **({"end_to_end_seconds": {f"{p} {t}": v for (p, t), v in row["full"].items()}}
                if args.full else {})} for row in rows]
    emit(lines, args.markdown, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
