"""Could the native kernel run its conv in int8, and what would it buy? Compiles and runs
benchmarks/native_int8.c (XNNPACK f32 conv against qc8 conv with every quantization step
the op would need at run time, one thread; see the C file for what is and is not counted)
for the sparse layers' shapes, and names the CPU.

    python benchmarks/native_int8.py [--sizes 64 256] [--channels 32 64] [--runs 200]

Needs gcc and libxnnpack-dev libpthreadpool-dev. Results: docs/native.md."""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(HERE))
    from nsr_tf.precision import cpu_name
    binary = os.path.join(tempfile.mkdtemp(prefix="nsr_int8_"), "native_int8")
    build = subprocess.run(["cc", "-O2", "-std=c11", os.path.join(HERE, "native_int8.c"),
                            "-o", binary, "-lXNNPACK", "-lpthreadpool", "-lm"],
                           capture_output=True, text=True)
    if build.returncode:
        print(f"native_int8.py: error: the benchmark did not build "
              f"(apt install libxnnpack-dev libpthreadpool-dev): "
              f"{build.stderr.strip().splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores")
    for size in args.sizes:
        for channels in args.channels:
            runs = max(20, args.runs * 64 * 64 // (size * size))
            print(subprocess.run([binary, str(size), str(channels), str(runs)],
                                 capture_output=True, text=True, check=True).stdout.strip(),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
