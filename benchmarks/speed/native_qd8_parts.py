"""Where the native op's dynamically quantized conv spends its time: builds and runs
benchmarks/speed/native_qd8_parts.c (the op's own code, each step NsrDynConv2DQd8 takes per
run once its shape's state is kept, timed alone, one thread) against the XNNPACK and LiteRT
the kernel links, for the sparse layers' shapes, and prints the op's total against
XNNPACK's qd8 conv with its weights packed once (what LiteRT's dynamic-int8 file runs for
a constant conv) and against the float op.

    python benchmarks/speed/native_qd8_parts.py [--sizes 64 256] [--channels 32 64] [--runs 200]
        [--markdown docs/native_qd8_parts.md]

Needs a C compiler; XNNPACK is built on first use (nsr_tf.export.xnnpack)."""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
from nsr_tf.benchmarking import emit, header

OP_STEPS = ("quantize filter", "repack", "convert input", "setup+run")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf.export import xnnpack
    from nsr_tf.export.native import build as native_build
    try:
        prefix = xnnpack.build()
    except xnnpack.XnnpackUnavailable as error:
        print(f"native_qd8_parts.py: error: {error}", file=sys.stderr)
        return 1
    binary = os.path.join(tempfile.mkdtemp(prefix="nsr_qd8_"), "native_qd8_parts")
    command = native_build.program_command(os.path.join(HERE, "native_qd8_parts.c"), binary,
                                           prefix)
    build = subprocess.run(command, capture_output=True, text=True)
    if build.returncode:
        print(f"native_qd8_parts.py: error: the benchmark did not build: "
              f"{build.stderr.strip().splitlines()[0]}", file=sys.stderr)
        return 1
    lines = [f"Command: `python benchmarks/speed/native_qd8_parts.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}`.", "", header(), "",
             "One 3x3 conv, batch 1, C channels in and out, 1 thread; median microseconds "
             "of each step the dynamically quantized native op takes per run once its "
             "shape's operator is kept (`nsr_tf/export/native/dyn_conv.c`, its own "
             "functions), a new filter at every run, and its total against XNNPACK's qd8 "
             "conv with the weights packed once (input convert included: what LiteRT's "
             "dynamic-int8 file does for a constant conv) and against the float op "
             "(repack, setup, run). The whole-layer op replaces the convert by "
             "`pool+min/max` (one pass for the gate's pool and the input's range) and "
             "`quantize input` (the convert's own quantization with that range): its "
             "input costs `whole-layer input` against the convert's.", "",
             "| shape | " + " | ".join(OP_STEPS) + " | op total | packed once | op / packed "
             "| float op | op / float op | pool+min/max | quantize input "
             "| whole-layer input / convert |", "|---" * (len(OP_STEPS) + 9) + "|"]
    data = []
    for size in args.sizes:
        for channels in args.channels:
            runs = max(20, args.runs * 64 * 64 // (size * size))
            out = subprocess.run([binary, str(size), str(channels), str(runs)],
                                 capture_output=True, text=True, check=True).stdout
            steps = dict(part.strip().rsplit(" ", 1) for part in
                         out.split(":", 1)[1].strip().split(";"))
            steps = {name: float(value) for name, value in steps.items()}
            total = sum(steps[name] for name in OP_STEPS)
            packed = steps["qd8 run, weights packed once (+convert)"]
            float_op = steps["float op"]
            pool, quantize = steps["pool+min/max"], steps["quantize input"]
            lines.append(f"| {size}x{size}x{channels} | "
                         + " | ".join(f"{steps[name]:.0f}" for name in OP_STEPS)
                         + f" | {total:.0f} | {packed:.0f} | {total / packed:.2f} | "
                         f"{float_op:.0f} | {total / float_op:.2f} | {pool:.0f} | "
                         f"{quantize:.0f} | {(pool + quantize) / steps['convert input']:.2f} |")
            print(lines[-1], flush=True)
            data.append({"size": size, "channels": channels, "steps_us": steps,
                         "op_total_us": total, "packed_once_us": packed,
                         "float_op_us": float_op})
    emit(lines, args.markdown, data=data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
