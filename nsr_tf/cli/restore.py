"""Restore your own images with a trained model, tiled as it was trained.

    python -m nsr_tf.cli.restore photo.png folder/ --model best.keras --out restored/
    nsr-restore ... (the same)

PNG/JPEG/BMP/TIFF/WebP, 8- or 16-bit, gray/RGB/RGBA (alpha kept). Photos are read
upright (their EXIF orientation applied) and the outputs carry their ICC profile and EXIF
(orientation removed). Outputs are PNGs in --out named after the inputs,
NAME_restored.png (16-bit inputs give 16-bit PNGs; x.jpg and x.png in one run become
x_jpg_restored.png and x_png_restored.png).
Inputs are never overwritten, and an output already in --out is kept (the photo is
skipped: a rerun finishes an interrupted one) unless --overwrite. A file that cannot be
read is reported in one line and the others are still processed; the exit status is
then 1.
"""

import argparse
import os
import sys

from tqdm import tqdm

from nsr_tf import precision, pretrained
from nsr_tf.cli.common import report, sigma_argument
from nsr_tf.errors import NsrError, UsageError
from nsr_tf import quiet


def parser():
    p = argparse.ArgumentParser(prog="nsr-restore", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="A photo archive past one process: nsr-batch (the "
                                       "same flags, on Apache Beam; pip install "
                                       "'nsr-tf[beam]').")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    add_restore_arguments(p)
    return p


def add_restore_arguments(p):
    """The flags of how a photo is restored (nsr-restore's and nsr-batch's)."""
    p.add_argument("--model", help=".keras model, or a shipped model's name (nsr_tf.pretrained"
                   "; 'denoise' and 'jpeg' pick the colour or the gray model by the photo"
                   ": denoise-sigma25, denoise-blind, ...; default denoise-sigma25)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace outputs already in --out (default: keep them and skip "
                        "those photos)")
    p.add_argument("--degrade", action="store_true",
                   help="first apply the model's degradation (noise, JPEG, bicubic "
                        "downscale) for a demo; also writes the degraded image")
    p.add_argument("--task", choices=("denoise", "jpeg", "sr"),
                   help="only for models without their training JSON")
    p.add_argument("--sigma", type=sigma_argument, default="auto",
                   help="a noise-level-map model (denoise, denoise-blind): the noise level "
                   "it is told (the strength), a number on [0, 255] or 'auto' to estimate "
                   "it per image (a fixed-level model such as denoise-sigma25 refuses a "
                   "number) "
                   "(default; a camera-noise model looks again where it removes far less "
                   "than the estimate, texture read as noise: up to 3 runs on such a "
                   "photo); --degrade: the AWGN sigma added (default: the model's)")
    p.add_argument("--quality", type=int,
                   help="a quality-map JPEG model: the quality it is told (default: read "
                        "from the JPEG file's quantization tables; a PNG needs it); "
                        "--degrade: the JPEG quality applied (default: the model's)")
    p.add_argument("--scale", type=int,
                   help="super-resolution: the factor expected of the model (e.g. 2 with "
                        "--model sr-x2); an error if the model upscales by another factor "
                        "or not at all (default: the model's own)")
    p.add_argument("--tile-size", type=int,
                   help="default: twice the model's training patch (128 for 64; measured: "
                        "Set12 within 0.01 dB of the training tile, 1.3x faster); with "
                        "--backend litert or native the float32 phone files' tile: 256 for "
                        "denoisers and JPEG models, 128 LR pixels for upscalers "
                        "(docs/native.md 'Which tile, per file')")
    p.add_argument("--overlap", type=int,
                   help="default: a quarter of the training patch (16 for 64), 3/8 in "
                        "bfloat16/float16 (24)")
    p.add_argument("--precision", default="auto",
                   choices=precision.PRECISIONS,
                   help="what the model computes in (default auto: bfloat16 on CPUs with "
                        "AMX/AVX512-BF16, float16 on GPUs with tensor cores, else float32; "
                        "measured: Set12 within 0.01 dB of float32, about 1.6x faster)")
    p.add_argument("--backend", default="auto", choices=("auto", "keras", "litert", "native"),
                   help="keras (TensorFlow), or litert: the model exported to .tflite at the "
                        "tile size (rowhybrid form, float32, XNNPACK on every core; the "
                        "conversion takes seconds), or native: the same with nsr-tf's "
                        "sparse-conv kernel (--form native, docs/native.md). auto: keras, "
                        "measured faster on x86 CPUs (docs/benchmarks.md)")
    p.add_argument("--batch-size", type=int,
                   help="tiles per batch (default: about 64k pixels, e.g. 16 tiles of 64)")


def _expand(inputs):
    from nsr_tf.data.images import IMAGE_EXTENSIONS
    files = []
    for item in inputs:
        if os.path.isdir(item):
            files += sorted(os.path.join(item, name) for name in os.listdir(item)
                            if name.lower().endswith(IMAGE_EXTENSIONS))
        else:
            files.append(item)
    return files


def _options(args):
    from nsr_tf.photo import Options
    return Options(sigma=args.sigma, quality=args.quality, degrade=args.degrade,
                   task=args.task, scale=args.scale, tile_size=args.tile_size,
                   overlap=args.overlap, precision=args.precision, backend=args.backend,
                   batch_size=args.batch_size)


def main(argv=None):
    args = parser().parse_args(argv)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        print(f"nsr-restore: error: --out {args.out} is a file; give a folder",
              file=sys.stderr)
        return 1
    try:
        options = _options(args)    # bad flags fail before the model loads
    except NsrError as error:
        return report("nsr-restore", error)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow

    from nsr_tf import photo
    if not args.model:
        try:
            args.model = pretrained.path()
        except (KeyError, FileNotFoundError) as error:
            print(f"nsr-restore: error: no --model and {error}", file=sys.stderr)
            return 1
    models = photo.Models(args.model, options, on_prepared=lambda model: tqdm.write(
        f"nsr-restore: {model.summary}", file=sys.stderr))
    said = set()
    try:
        if not models.family:   # a bad model or flag fails before any file
            models.get(args.model)
    except NsrError as error:
        return report("nsr-restore", error)
    os.makedirs(args.out, exist_ok=True)
    files = _expand(args.inputs)
    if not files:
        print("nsr-restore: error: no input images", file=sys.stderr)
        return 1
    inputs = {os.path.abspath(path) for path in files}
    names = photo.output_names(files, args.out)
    failures = kept = 0
    for path in tqdm(files, unit="image", desc="restoring", file=sys.stderr):
        out_path = names[path]
        if os.path.abspath(out_path) in inputs:
            failures += report("nsr-restore", UsageError(
                f"{path}: its output {out_path} is one of the inputs; refusing to "
                f"overwrite it (choose another --out)"), write=tqdm.write)
            continue
        if os.path.exists(out_path) and not args.overwrite:
            kept += 1
            tqdm.write(f"{path} -> {out_path} is there already: kept (--overwrite to "
                       f"replace it)")
            continue
        try:
            photo.check_file(path)
            chosen, choice = models.for_photo(path)
            # a bar of tiles under the bar of images, shown once a photo takes over 2 s
            with tqdm(unit="tile", desc=os.path.basename(path), leave=False, position=1,
                      delay=2, file=sys.stderr) as bar:
                result = photo.restore_file(path, chosen, options, out_path, bar, inputs)
            if choice and choice not in said:
                said.add(choice)
                tqdm.write(f"nsr-restore: {choice}", file=sys.stderr)
            note = result.note
            if models.family:
                note = f"{chosen.name}{f'; {note}' if note else ''}"
            tqdm.write(f"{path}{f' ({note})' if note else ''} -> {', '.join(result.outputs)}")
        except (NsrError, OSError) as error:    # this file; the others go on
            failures += report("nsr-restore", error, write=tqdm.write)
    if kept:
        print(f"nsr-restore: {kept} of {len(files)} output(s) were there already and kept",
              file=sys.stderr)
    if failures:
        print(f"nsr-restore: {failures} of {len(files)} file(s) failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
