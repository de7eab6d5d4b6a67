"""Restore your own images with a trained model, tiled as it was trained.

    python -m nsr_tf.cli.restore photo.png folder/ --model best.keras --out restored/
    nsr-restore ... (the same)

PNG/JPEG/BMP/TIFF/WebP, 8- or 16-bit, gray/RGB/RGBA (alpha kept). Photos are read
upright (their EXIF orientation applied) and the outputs carry their ICC profile and EXIF
(orientation removed). Outputs are PNGs in --out named after the inputs (16-bit inputs
give 16-bit PNGs); inputs are never overwritten. A file
that cannot be read is reported in one line and the others are still processed; the exit
status is then 1.
"""

import argparse
import os
import sys
import types

import numpy as np
from PIL import Image
from tqdm import tqdm

from nsr_tf import precision, pretrained
from nsr_tf.cli.common import report, sigma_argument
from nsr_tf.errors import NsrError, UsageError
from nsr_tf.estimation import (RECHECKS, compression_of, estimator_for, estimator_name,
                                jpeg_quality, settle_level)
from nsr_tf import quiet


# Smaller inputs are refused by an SR model: nothing to upscale.
MIN_SR_SIDE = 4


def parser():
    p = argparse.ArgumentParser(prog="nsr-restore", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--model", help=".keras model, or a shipped model's name (nsr_tf.pretrained"
                   "; 'denoise' and 'jpeg' pick the colour or the gray model by the photo"
                   ": denoise-sigma25, denoise-blind, ...; default denoise-sigma25)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--degrade", action="store_true",
                   help="first apply the model's degradation (noise, JPEG, bicubic "
                        "downscale) for a demo; also writes the degraded image")
    p.add_argument("--task", choices=("denoise", "jpeg", "sr"),
                   help="only for models without their training JSON")
    p.add_argument("--sigma", type=sigma_argument, default="auto",
                   help="a noise-level-map model: the noise level it is told "
                   "(the strength), a number on [0, 255] or 'auto' to estimate it per image "
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
                        "Set12 within 0.01 dB of the training tile, 1.3x faster)")
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
    return p


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


def _bit_depth(path):
    with Image.open(path) as image:
        return 16 if image.mode.startswith("I") else 8


def _quantize(image, bits):
    """float [0, 1] (H, W[, C]) -> uint8/uint16, converted in bands of rows so that no
    float64 copy of a large output is made."""
    dtype, peak = (np.uint16, 65535.0) if bits == 16 else (np.uint8, 255.0)
    out = np.empty(image.shape, dtype)
    for top in range(0, image.shape[0], 256):
        band = np.clip(image[top:top + 256], 0.0, 1.0) * peak
        out[top:top + 256] = np.round(band)
    return out


def save(path, image, bits=8, alpha=None, metadata=None):
    """Writes a float [0, 1] (H, W[, C]) image as an 8- or 16-bit PNG (16-bit: gray only,
    Pillow's limit; RGB falls back to 8 bits). ``alpha``: an 8-bit (H, W) alpha channel
    to add (RGBA / LA). ``metadata``: the input's ICC profile and EXIF to carry
    (``nsr_tf.data.images.read_metadata``)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    bits = 16 if bits == 16 and image.ndim == 2 and alpha is None else 8
    picture = Image.fromarray(_quantize(image, bits))
    if alpha is not None:
        picture.putalpha(Image.fromarray(alpha))
    extra = {key: value for key, value in (metadata or {}).items() if value}
    picture.save(path, **extra)


def _alpha_8bit(alpha, size=None):
    """A float (H, W, 1) alpha as 8 bits, resized with bicubic to ``size`` (W, H)."""
    picture = Image.fromarray(_quantize(alpha[..., 0], 8))
    if size is not None and picture.size != size:
        picture = picture.resize(size, Image.Resampling.BICUBIC)
    return np.asarray(picture)


def _told_level(path, color, info, degradation, args):
    """(the map value a level-map model is told or None, a note for the user or None,
    the estimated sigma a camera-noise denoiser takes a second look at or None:
    ``nsr_tf.estimation.settle_level``).

    Noise: --sigma, or estimated per image with 'auto'. JPEG: --quality, else the quality
    read from the file's quantization tables (``--degrade``: the quality applied)."""

    level_map = info.get("level_map")
    if level_map and degradation.task == "denoise":
        estimated = args.sigma == "auto"
        camera = estimator_name(degradation.noise) == "camera"
        # the noise of a JPEG file, or of a PNG that was one, went through the compression
        # (not noise --degrade adds); only the camera estimator asks
        compression = compression_of(color, jpeg_quality(path) is not None) \
            if estimated and camera and not args.degrade else None
        sigma = estimator_for(degradation.noise)(color, compression is not None) \
            if estimated else args.sigma
        how = "finest wavelet band" if not camera else \
            "flattest 8x8 patches, for camera noise" if compression is None else \
            "2x2-binned pixels, for JPEG-compressed camera noise" + \
            ("; its pixels show a JPEG's 8x8 grid" if compression == "grid" else "")
        if color.shape[-1] > 1:
            how += ", all channels together"
        recheck = estimated and camera
        return degradation.map_level(sigma), \
            f"sigma {sigma:.1f}" + (f" (estimated: {how})" if estimated else ""), \
            sigma if recheck else None
    if degradation.task != "jpeg":
        return None, None, None
    if args.degrade or (level_map and args.quality):
        quality = degradation.quality
        return (degradation.map_level(quality) if level_map else None), \
            (f"JPEG quality {quality} (given)" if level_map else None), None
    read = jpeg_quality(path)
    said = read and f"JPEG quality {read[0]}{'' if read[1] else ' (nearest IJG)'} read " \
        f"from the file"
    if level_map:
        if read is None:
            raise UsageError(f"{path}: not a JPEG file, so no quality to read: give "
                             f"--quality")
        return degradation.map_level(read[0]), said, None
    return None, (f"{said}; the model was trained at {degradation.quality}" if read else
                  "not a JPEG file: no quality to read"), None


def restore_file(path, predictor, info, degradation, args, out_dir, tiling, inputs=()):
    """Restores one file; returns (the written output paths, a note or None: the level a
    level-map model was told, or the JPEG quality read from the file). Refuses to
    write over any path in ``inputs``."""

    from nsr_tf.data import degradations
    from nsr_tf.data.images import read_image, read_metadata
    from nsr_tf.inference import by_channels, restore, tile_count

    image = read_image(path, keep_alpha=True)
    alpha = image[..., -1:] if image.shape[-1] in (2, 4) else None
    color = image[..., :-1] if alpha is not None else image
    written = []
    stem = os.path.splitext(os.path.basename(path))[0]
    out_path = os.path.join(out_dir, f"{stem}_restored.png")
    degraded_path = os.path.join(out_dir, f"{stem}_degraded.png")
    for target in (out_path, degraded_path) if args.degrade else (out_path,):
        if os.path.abspath(target) in inputs:
            raise UsageError(f"{path}: its output {target} is one of the inputs; refusing "
                             f"to overwrite it (choose another --out)")
    if args.degrade:
        # the whole photo at once: colour noise independent per channel, a colour JPEG
        # (4:2:0) as cameras write it
        color = degradation.degrade_file(color, path)
        if alpha is not None and degradation.task == "sr":
            alpha = degradations.bicubic_downscale(alpha, degradation.scale)
        save(degraded_path, color, alpha=None if alpha is None else _alpha_8bit(alpha))
        written.append(degraded_path)
    scale = info["scale"]
    channels = info["channels"]
    if scale > 1 and min(color.shape[:2]) < MIN_SR_SIDE:
        raise UsageError(f"{path}: {color.shape[1]}x{color.shape[0]} is too small to "
                         f"upscale (at least {MIN_SR_SIDE}x{MIN_SR_SIDE})")
    level, note, estimate = _told_level(path, color, info, degradation, args)
    if scale > 1:
        size = f"x{scale}: {color.shape[1]}x{color.shape[0]} -> " \
            f"{color.shape[1] * scale}x{color.shape[0] * scale}"
        note = f"{note}; {size}" if note else size
    runs = 1 if channels == color.shape[-1] or channels != 1 else color.shape[-1]
    tiles = runs * tile_count(color.shape, tiling["tile_size"], tiling["overlap"])
    # A bar of tiles for images that take more than a few batches (large photos, SR).
    bar = tqdm(total=tiles, unit="tile", desc=os.path.basename(path), leave=False,
               file=sys.stderr, disable=tiles <= 4 * (tiling.get("batch_size") or 16))

    def run(image, level=level):   # (H, W, C) -> (H*s, W*s, C)
        if level is not None:
            image = degradations.with_level_map(image, level)
        return restore(predictor, image, scale=scale, progress=bar.update, **tiling)

    def run_at(sigma):   # a second look restores the whole photo again
        if sigma != estimate:
            bar.total += tiles
            bar.refresh()
        return by_channels(lambda image: run(image, degradation.map_level(sigma)), color,
                           channels)

    with bar:
        if estimate is None:
            restored = by_channels(run, color, channels)
        else:
            restored, _, told = settle_level(run_at, color, estimate, rechecks=RECHECKS)
            if len(told) > 1:
                removed = ", then ".join(f"{sigma:.1f}" for sigma in told[1:])
                note = note.replace(f"sigma {told[0]:.1f} (estimated: ",
                                    f"sigma {told[-1]:.1f} (estimated: read {told[0]:.1f} "
                                    f"by the ", 1)[:-1] + \
                    f"; told that, the model found only {removed} to remove: texture, " \
                    f"not noise, so it restored the photo again told what it removed)"
    if restored.ndim == 2:
        restored = restored[..., None]
    if alpha is not None:   # alpha is not restored: bicubic to the output's size
        alpha = _alpha_8bit(alpha, (restored.shape[1], restored.shape[0]))
    save(out_path, restored, bits=_bit_depth(path), alpha=alpha,
         metadata=read_metadata(path))
    return [*written, out_path], note


def _prepare(ref, args):
    """What restoring with one model needs: SimpleNamespace(name, info, degradation,
    predictor, tiling). Raises NsrError (a bad model file, --scale, the native library)."""

    from nsr_tf import model_io
    from nsr_tf.inference import TiledPredictor, default_tiling

    model, info = model_io.load(ref)
    name = os.path.basename(ref)
    if args.scale is not None and args.scale != info["scale"]:
        kind = f"upscales x{info['scale']}" if info["scale"] > 1 else \
            "is not a super-resolution model (it restores at x1)"
        raise UsageError(f"--scale {args.scale}: {name} {kind}; the shipped upscalers are "
                         f"sr-x2 and sr-x4")
    given_sigma = None if args.sigma == "auto" else args.sigma
    task = args.task or info.get("task") or "denoise"
    degradation = model_io.degradation_of(info, task, given_sigma, args.quality)
    policy, reason = precision.choose(args.precision)
    if args.backend in ("litert", "native"):
        policy, reason = "float32", "LiteRT runs the float32 export"
    patch = info.get("tile_size") or (48 if task == "sr" else 64)   # the training patch
    tile, overlap = default_tiling(patch, policy)
    tile = args.tile_size or tile
    overlap = args.overlap if args.overlap is not None else min(overlap, tile // 2)
    tiling = {"tile_size": tile, "overlap": overlap, "batch_size": args.batch_size}
    print(f"nsr-restore: {name}, tiles {tile} overlap {overlap}, "
          f"{args.backend if args.backend != 'auto' else 'keras'}, "
          f"{precision.describe(policy, reason)}", file=sys.stderr)
    if args.backend in ("litert", "native"):
        from nsr_tf.export.converter import convert
        from nsr_tf.export.litert import LiteRTPredictor
        form = "rowhybrid" if args.backend == "litert" else "native"
        predictor = LiteRTPredictor(convert(model, form=form, tile=tile),
                                    threads=os.cpu_count())
    else:   # auto: Keras, measured faster than LiteRT on x86 (docs/benchmarks.md)
        predictor = TiledPredictor.of(model, policy)
    return types.SimpleNamespace(name=name, info=info, degradation=degradation,
                                 predictor=predictor, tiling=tiling)


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = parser().parse_args(argv)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow

    from nsr_tf.data.images import photo_channels

    if args.quality is not None and not 1 <= args.quality <= 100:
        print(f"nsr-restore: error: --quality must be in 1..100, got {args.quality}",
              file=sys.stderr)
        return 1
    if not args.model:
        try:
            args.model = pretrained.path()
        except (KeyError, FileNotFoundError) as error:
            print(f"nsr-restore: error: no --model and {error}", file=sys.stderr)
            return 1
    family = args.model if args.model in pretrained.FAMILIES and \
        not os.path.exists(args.model) else None
    prepared, said = {}, set()

    def model_for(path):
        """The prepared model for ``path`` and, once per kind, a note on the choice."""
        ref, note = args.model, None
        if family:
            ref, note = pretrained.pick(family, photo_channels(path))
            if ref is None:
                names = sorted(set(pretrained.FAMILIES[family].values()))
                raise UsageError(f"--model {family}: none of {names} is installed")
        if ref not in prepared:
            prepared[ref] = _prepare(ref, args)
        chosen = prepared[ref]
        if chosen.info["channels"] == 1 and photo_channels(path) == 3:
            note = note or f"{chosen.name} is a gray model: colour photos are restored " \
                f"channel by channel"
        if note in said:
            note = None
        said.add(note)
        return chosen, note

    try:
        if not family:   # a bad model or flag fails before any file
            prepared[args.model] = _prepare(args.model, args)
    except NsrError as error:
        return report("nsr-restore", error)
    os.makedirs(args.out, exist_ok=True)
    files = _expand(args.inputs)
    if not files:
        print("nsr-restore: error: no input images", file=sys.stderr)
        return 1
    inputs = {os.path.abspath(path) for path in files}
    failures = 0
    for path in tqdm(files, unit="image", desc="restoring", file=sys.stderr):
        try:
            chosen, choice = model_for(path)
            if choice:
                tqdm.write(f"nsr-restore: {choice}", file=sys.stderr)
            written, note = restore_file(path, chosen.predictor, chosen.info,
                                         chosen.degradation, args, args.out, chosen.tiling,
                                         inputs)
            if family:
                note = f"{chosen.name}{f'; {note}' if note else ''}"
            tqdm.write(f"{path}{f' ({note})' if note else ''} -> {', '.join(written)}")
        except (NsrError, OSError) as error:    # this file; the others go on
            failures += report("nsr-restore", error, write=tqdm.write)
    if failures:
        print(f"nsr-restore: {failures} of {len(files)} file(s) failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
