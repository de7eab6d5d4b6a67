"""Command line of export/to_tflite.py."""

import argparse
import os
import sys

from nsr_tf.cli.common import report
from nsr_tf.errors import NsrError
from nsr_tf import quiet
from nsr_tf import pretrained
from nsr_tf.jobs import latest_job_dir


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
    p.add_argument("--tile", type=int,
                   help="input tile size (default: the fastest per photo measured for the "
                        "file: 128, and 256 for a denoiser's or JPEG model's float32 file; "
                        "docs/native.md 'Which tile, per file'; LR pixels for upscalers)")
    p.add_argument("--batch", type=int, default=1, help="tiles per invoke (default 1)")
    p.add_argument("--out", help="output .tflite (default: beside the model)")
    p.add_argument("--parity-images", nargs="+", metavar="IMAGE",
                   help="real images for the parity check (default: two scikit-image "
                        "photographs)")
    p.add_argument("--calibration-dir", help="int8: images for the representative dataset "
                   "(default: the scikit-image samples)")
    return p


def default_model():
    job = latest_job_dir()
    if job:
        return os.path.join(job, "best.keras")
    try:
        return pretrained.path("denoise-sigma25")
    except (FileNotFoundError, KeyError):
        return None


def main(argv=None):
    args = parser().parse_args(argv)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow
    from nsr_tf import model_io
    from nsr_tf.export import parity
    from nsr_tf.export.model_export import default_out, export_model
    model_path = args.model or default_model()
    if not model_path:
        print("to_tflite.py: error: no model: train one first (python training/train.py "
              "--quick) or pass --model", file=sys.stderr)
        return 1
    try:
        model_path = model_io.resolve(model_path)   # a shipped model's name: its file
        out = args.out or default_out(model_path, args.quantize)
        meta = export_model(model_path, args.form, args.quantize, args.tile, args.batch,
                            out, args.parity_images, args.calibration_dir)
    except NsrError as error:
        return report("to_tflite.py", error)
    print(f"wrote {out} ({meta.bytes / 1e6:.2f} MB; form {meta.form}, quantize "
          f"{meta.quantization}, tile {meta.tile}, batch {meta.batch}) and {out}.json")
    if meta.custom_ops:
        print(f"custom ops (need the native kernel library): {', '.join(meta.custom_ops)}")
    else:
        outside = meta.ops_outside_xnnpack
        print(f"XNNPACK: {meta.xnnpack_partitions} partition(s)"
              + (f"; ops outside it: {', '.join(outside)}" if outside
                 else "; every op delegated"))
    print("parity with Keras:")
    print(parity.describe(meta.parity))
    return 0 if meta.parity["passed"] or args.quantize == "int8" else 1


if __name__ == "__main__":
    sys.exit(main())
