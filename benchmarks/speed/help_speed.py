"""How long every command takes to answer --help (a fresh process each time: the import
cost a user pays), interleaved over rounds, median; the target is under 2 s.

    python benchmarks/speed/help_speed.py [--rounds 5] [--markdown docs/help_speed.md]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMANDS = {
    "training/train.py": [sys.executable, os.path.join(REPO, "training", "train.py")],
    "training/evaluate.py": [sys.executable, os.path.join(REPO, "training", "evaluate.py")],
    "export/to_tflite.py": [sys.executable, os.path.join(REPO, "export", "to_tflite.py")],
    "nsr-restore": [sys.executable, "-m", "nsr_tf.cli.restore"],
    "nsr-visualize": [sys.executable, "-m", "nsr_tf.cli.visualize"],
    "nsr-demo": [sys.executable, "-m", "nsr_tf.cli.demo"],
    "nsr-batch": [sys.executable, "-m", "nsr_tf.cli.batch"],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf.benchmarking import emit, simd_flags
    from nsr_tf.precision import cpu_name
    times = {name: [] for name in COMMANDS}
    for _ in range(args.rounds):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command + ["--help"], capture_output=True, check=True, cwd=REPO)
            times[name].append(time.perf_counter() - start)
    lines = [f"command: python benchmarks/speed/help_speed.py {' '.join(argv or sys.argv[1:])}", "",
             f"CPU: {cpu_name()} ({simd_flags()}), {os.cpu_count()} cores; median of "
             f"{args.rounds} interleaved rounds, a fresh Python process each.", "",
             "| command | --help, s |", "|---|---|"]
    lines += [f"| {name} | {statistics.median(values):.2f} |" for name, values in times.items()]
    emit(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
