"""Command line of export/to_tflite.py."""

import argparse
import os
import sys

from nsr_tf.errors import NsrError, debugging
from nsr_tf import quiet


PARITY_SAMPLES = ("coins.png", "astronaut.png")


def parser():
    p = argparse.ArgumentParser(
        prog="to_tflite.py",
        description="Convert a trained model to .tflite (builtin ops only, fixed batch of "
                    "tiles, NHWC float32 in [0, 1]), check it against Keras on two real "
                    "images and write FILE.json with what an app needs to run it.",
        epilog="example: python export/to_tflite.py --quantize dynamic")
    p.add_argument("--model", help=".keras model or a shipped model's name (default: the best "
                   "model of the most recent training run in jobs/, else the shipped sigma-25 "
                   "denoiser)")
    p.add_argument("--quantize", default="none",
                   choices=("none", "float16", "dynamic", "int8"))
    p.add_argument("--form", default="auto",
                   choices=("auto", "cpu", "gpu", "rowhybrid", "im2col", "mixture", "direct",
                            "native"),
                   help="per-sample conv form: cpu (= auto, rowhybrid: the fastest with "
                        "builtin ops on LiteRT's CPU/XNNPACK), gpu (= direct: one CONV_2D with "
                        "the per-sample kernel, which LiteRT's GPU accelerator takes in full, "
                        "at the cost of one kernel bank), native (nsr-tf's custom op run by "
                        "XNNPACK: the fastest on the CPU, needs the kernel library, see "
                        "docs/native.md), or a form by name")
    p.add_argument("--tile", type=int, help="tile size (default: the training patch)")
    p.add_argument("--batch", type=int, default=1, help="tiles per invoke (default 1)")
    p.add_argument("--out", help="output .tflite (default: beside the model)")
    p.add_argument("--parity-images", nargs="+", metavar="IMAGE",
                   help="real images for the parity check (default: two scikit-image "
                        "photographs)")
    p.add_argument("--calibration-dir", help="int8: images for the representative dataset "
                   "(default: the scikit-image samples)")
    return p


def default_model():
    from nsr_tf.jobs import latest_job_dir
    job = latest_job_dir()
    if job:
        return os.path.join(job, "best.keras")
    try:
        from nsr_tf import pretrained
        return pretrained.path("denoise-sigma25")
    except (ImportError, FileNotFoundError, KeyError):
        return None


def parity_images(paths, channels, tile=64, size=128):
    """[(name, image)]: centre crops of at least ``size`` and of one tile; an image
    smaller than the tile is mirror-padded to it (the export's input is a fixed tile)."""
    import numpy as np

    from nsr_tf.data.images import read_image
    from nsr_tf.data.sources import sample_files
    if not paths:
        samples = {os.path.basename(f): f for f in sample_files()}
        paths = [samples[name] for name in PARITY_SAMPLES if name in samples]
    size = max(size, tile)
    images = []
    for path in paths:
        image = read_image(path, channels)
        h, w = image.shape[:2]
        top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
        image = image[top:top + size, left:left + size]
        short = [(0, max(0, tile - n)) for n in image.shape[:2]] + [(0, 0)]
        if any(after for _, after in short):
            image = np.pad(image, short, mode="symmetric")
        images.append((os.path.basename(path), image))
    return images


def representative(degradation, channels, tile, batch, folder=None, count=64):
    from nsr_tf.data import load_images, resolve_files, training_dataset
    files = resolve_files(folder)
    images, _ = load_images(files, channels, min_size=tile * degradation.output_scale)
    data = training_dataset(list(images.values()), degradation, tile, batch, 8, seed=1)

    def generate():
        for index, (degraded, _) in enumerate(data):
            if index * batch >= count:
                break
            yield [degraded.numpy()]
    return generate


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = parser().parse_args(argv)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow
    from nsr_tf import count_params, macs_per_pixel, model_io
    from nsr_tf.estimation import estimator_name
    from nsr_tf.export import parity
    from nsr_tf.export.converter import convert, resolve_form, write
    from nsr_tf.export.litert import outside_xnnpack
    model_path = args.model or default_model()
    if not model_path:
        print("to_tflite.py: error: no model: train one first (python training/train.py "
              "--quick) or pass --model", file=sys.stderr)
        return 1
    try:
        model_path = model_io.resolve(model_path)   # a shipped model's name: its file
        model, info = model_io.load(model_path)
        task = info.get("task") or "denoise"
        # A level-map model takes the map as its last input channel (sigma / 255 or
        # quality / 100).
        degradation = model_io.degradation_of(info, task)
        tile = args.tile or info.get("tile_size") or (48 if task == "sr" else 64)
        overlap = info.get("overlap", tile // 4)
        form = resolve_form(args.form, model)
        calibration = representative(degradation, info["channels"], tile, args.batch,
                                     args.calibration_dir) if args.quantize == "int8" else None
        content = convert(model, args.form, args.quantize, tile, args.batch, calibration)
        out = args.out or os.path.splitext(model_path)[0] + (
            "" if args.quantize == "none" else f"_{args.quantize}") + ".tflite"
        write(content, out)
        outside, partitions = outside_xnnpack(content)
        native_ops = outside if partitions is None else []   # run by the kernel library
        # SR: crops of at least one HR tile, so that their LR is one input tile
        report = parity.check(model, content, parity_images(args.parity_images,
                                                            info["channels"],
                                                            tile * info["scale"]),
                              degradation, args.quantize, tile, overlap)
    except NsrError as error:
        if debugging():
            raise
        print(f"to_tflite.py: error: {error}", file=sys.stderr)
        return 1
    metadata = {
        # Relative to this file's folder: the metadata travels with the .tflite.
        "model": os.path.relpath(os.path.abspath(model_path),
                                 os.path.dirname(os.path.abspath(out))),
        "tflite": os.path.basename(out),
        "task": task, "degradation": degradation.describe(),
        "sigma": degradation.sigma if task == "denoise" else None,
        "quality": degradation.quality if task == "jpeg" else None,
        "channels": info["channels"], "scale": info["scale"],
        "tile": tile, "overlap": overlap, "batch": args.batch,
        "input": {"shape": [args.batch, tile, tile, int(model.input_shape[-1])],
                  "dtype": "float32", "range": [0.0, 1.0], "layout": "NHWC"},
        # the last input channel, if any: the level map, the same value everywhere
        "level_map": {"channel": info["channels"],
                      "value": "sigma / 255" if task == "denoise" else "quality / 100",
                      "trained_range": list(degradation.level_range),
                      # how to estimate sigma when the user does not say (--sigma auto):
                      # white noise by the finest wavelet band, camera noise binned 2x2
                      **({"estimator": estimator_name(degradation.noise)}
                         if task == "denoise" else {})}
        if degradation.level_map else None,
        "output": {"shape": [args.batch, tile * info["scale"], tile * info["scale"],
                             info["channels"]], "range": [0.0, 1.0], "clip": True},
        "preset": info.get("variant"), "form": form, "quantization": args.quantize,
        "params": count_params(model), "macs_per_pixel": macs_per_pixel(model, tile),
        "bytes": len(content), "xnnpack_partitions": partitions,
        # the native form: custom ops that need nsr-tf's kernel library beside LiteRT
        "custom_ops": native_ops,
        "needs": "nsr-tf's native kernel library (libnsr_native: nsr_tf/export/native, "
                 "docs/native.md)" if native_ops else None,
        "ops_outside_xnnpack": sorted(set(outside)), "parity": report,
    }
    from nsr_tf import metadata as records
    records.write(records.ExportMetadata(**metadata), out + ".json")
    print(f"wrote {out} ({len(content) / 1e6:.2f} MB; form {form}, quantize {args.quantize}, "
          f"tile {tile}, batch {args.batch}) and {out}.json")
    if native_ops:
        print(f"custom ops (need the native kernel library): {', '.join(native_ops)}")
    else:
        print(f"XNNPACK: {partitions} partition(s)"
              + (f"; ops outside it: {', '.join(sorted(set(outside)))}" if outside
                 else "; every op delegated"))
    print("parity with Keras:")
    print(parity.describe(report))
    return 0 if report["passed"] or args.quantize == "int8" else 1


if __name__ == "__main__":
    sys.exit(main())
