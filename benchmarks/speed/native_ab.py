"""The native kernel of another commit against this checkout's, side by side in one
process: builds the other commit's ``nsr_tf/export/native/dyn_conv.c`` (with this
checkout's runner and headers) and times the same native files (untrained Sparse- and
Sparse+ presets, float and dynamic int8) with each library, round-robin, 1 thread.

    python benchmarks/speed/native_ab.py --before 1b59dc4 [--tiles 64 256] [--rounds 5]
        [--markdown docs/native_ab.md]

Do not run it beside a training job (stop it: kill -STOP PID, then kill -CONT PID).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from nsr_tf import build_model  # (quiet TF first)
from nsr_tf.benchmarking import REPO, emit, header


def build_before(commit, folder):
    """The kernel library of ``commit``'s dyn_conv.c, built into ``folder``."""
    from nsr_tf.export import xnnpack
    from nsr_tf.export.native import build
    source = os.path.join(folder, "dyn_conv.c")
    shown = subprocess.run(["git", "show", f"{commit}:nsr_tf/export/native/dyn_conv.c"],
                           cwd=REPO, capture_output=True, text=True)
    if shown.returncode:
        raise SystemExit(f"native_ab.py: error: --before {commit}: "
                         f"{shown.stderr.strip().splitlines()[0]}")
    with open(source, "w") as handle:
        handle.write(shown.stdout)
    path = os.path.join(folder, "libnsr_native_before.so")
    ours = os.path.join(os.path.dirname(build.__file__), "dyn_conv.c")
    command = [source if part == ours else part
               for part in build.build_command(path, build.litert_dir(), xnnpack.build())]
    built = subprocess.run(command, capture_output=True, text=True)
    if built.returncode:
        raise SystemExit(f"native_ab.py: error: {commit}'s kernel did not build: "
                         f"{built.stderr.strip().splitlines()[0]}")
    return path


def use(path):
    """Makes the runtime load the kernel library at ``path``."""
    from nsr_tf.export.native import build, runtime
    runtime._LIBRARY = None
    runtime.library = lambda rebuild=False: path
    build.library = runtime.library
    return runtime.load()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the other commit")
    parser.add_argument("--tiles", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf.export.converter import convert
    from nsr_tf.export.litert import latency
    from nsr_tf.export.native import build
    scratch = tempfile.TemporaryDirectory(prefix="nsr_tf_native_ab_")
    libraries = {f"{args.before}": build_before(args.before, scratch.name),
                 "this checkout": build.library()}
    lines = [header(), "", f"command: python benchmarks/speed/native_ab.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}", "",
             "Median ms per invoke, 1 thread, the same native file with each kernel "
             "library, timed round-robin.", "",
             f"| preset | tile | quantize | {args.before} | this checkout | ratio |",
             "|---|---|---|---|---|---|"]
    data = []
    for variant in ("sparse-", "sparse+"):
        model = build_model("denoise", variant)
        for tile in args.tiles:
            files = {q: convert(model, "native", q, tile=tile) for q in ("none", "dynamic")}
            runs = max(3, 20 * 64 * 64 // tile ** 2)
            times = {(label, q): [] for label in libraries for q in files}
            for _ in range(args.rounds):
                for label, path in libraries.items():
                    use(path)
                    for q, content in files.items():
                        times[(label, q)].append(latency(content, 1, runs=runs))
            for q in files:
                before, after = (statistics.median(times[(label, q)]) for label in libraries)
                lines.append(f"| {variant} | {tile} | {q} | {before * 1e3:.2f} | "
                             f"{after * 1e3:.2f} | {after / before:.2f} |")
                print(lines[-1], file=sys.stderr, flush=True)
                data.append({"preset": variant, "tile": tile, "quantize": q,
                             "before_ms": before * 1e3, "after_ms": after * 1e3})
    scratch.cleanup()
    emit(lines, args.markdown, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
