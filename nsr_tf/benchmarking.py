"""The benchmark harness (benchmarks/ and export/benchmark.py use it): the machine header
(CPU and its SIMD flags, the versions of TensorFlow, Keras and LiteRT, the git commit),
one interleaved timer, and printing a report while writing it to its docs/ file, with the
numbers as JSON beside it."""

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time

# the checkout the package runs from (an editable install): its commit names the numbers
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def simd_flags():
    """The SIMD flags that decide kernel choice (AVX2, AVX-512, AMX), from /proc/cpuinfo."""
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")
    try:
        flags = set(open("/proc/cpuinfo").read().split())
    except OSError:
        return "unknown"
    return ", ".join(flag for flag in wanted if flag in flags) or "none of AVX2/AVX-512/AMX"


def versions():
    """{package: version} of what the numbers depend on (installed distributions only)."""
    from importlib import metadata
    out = {}
    for package in ("tensorflow", "tensorflow-cpu", "keras", "ai-edge-litert", "numpy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out


def commit():
    """The repository's git commit (with '+changes' when the tree differs), or 'unknown'."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+changes" if dirty.strip() else "")


def machine():
    """{"cpu", "simd", "cores", "versions", "commit"}: what to print next to every number."""
    from nsr_tf.precision import cpu_name
    return {"cpu": cpu_name(), "simd": simd_flags(), "cores": os.cpu_count(),
            "versions": versions(), "commit": commit()}


def header(info=None):
    """One markdown line naming the machine, the versions and the commit."""
    info = info or machine()
    packages = ", ".join(f"{name} {version}" for name, version in info["versions"].items())
    return (f"Machine: {info['cpu']} ({info['simd']}), {info['cores']} cores; {packages}; "
            f"commit {info['commit']}.")


def interleaved(calls, rounds=5, runs=1, warmup=1, clock=time.perf_counter):
    """Median seconds per call of each of ``calls`` ({name: function of no arguments}),
    timed round-robin: every round times each function ``runs`` times in a row, one after
    the other, so that the machine's noise (a shared host, a turbo clock) falls on all of
    them alike; a ratio of two medians is then a side-by-side measurement. ``warmup``
    calls of each first, untimed."""
    for call in calls.values():
        for _ in range(warmup):
            call()
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = clock()
            for _ in range(runs):
                call()
            times[name].append((clock() - start) / runs)
    return {name: statistics.median(values) for name, values in times.items()}


def _wait_stopped(pid, timeout=5.0):
    """Returns once /proc says ``pid`` is stopped (a signal lands a moment later), or after
    ``timeout`` seconds (or at once where there is no /proc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] in "Tt":
                    return
        except OSError:
            return
        time.sleep(0.01)


# What lets the held processes go on when the holder dies without its ``finally`` (SIGKILL,
# SIGTERM or SIGHUP at a session's end or a closed terminal, an out-of-memory kill): a
# Python process in its own session that reads its stdin, a pipe only the holder writes,
# until the holder closes it or dies, then sends SIGCONT to each pid it was given.
_GUARD = """import os, signal, sys
sys.stdin.buffer.read()
for pid in map(int, sys.argv[1:]):
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass
"""


@contextlib.contextmanager
def paused(pids):
    """Holds the processes ``pids`` (a training run) stopped (SIGSTOP) for the ``with``
    block and lets them go on (SIGCONT) after it, an exception or Ctrl-C included: timings
    taken beside a training run on 2 cores measure the run. If this process is killed
    while it holds them, a guard process lets them go on (``_GUARD``), so a killed timing
    never leaves a training run stopped. A pid that is not there is skipped with a note on
    stderr (the run may have ended)."""
    held = []
    guard = None
    if pids:    # started before the first SIGSTOP: nothing is ever held without it
        guard = subprocess.Popen([sys.executable, "-c", _GUARD, *map(str, pids)],
                                 stdin=subprocess.PIPE, start_new_session=True)
    try:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
                held.append(pid)
                _wait_stopped(pid)
            except ProcessLookupError:
                print(f"--pause {pid}: no such process; timing without pausing it",
                      file=sys.stderr)
        yield held
    finally:
        for pid in held:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if guard is not None:
            guard.stdin.close()
            guard.wait()


def add_pause_flag(parser, also="", during="timing"):
    """``--pause PID [PID ...]`` on ``parser``: the processes (a training run) a tool holds
    with ``paused`` while ``during`` (timing; or scoring, to have the whole CPU); ``also``
    ends the help (what else runs while they are held)."""
    parser.add_argument("--pause", type=int, nargs="+", default=[], metavar="PID",
                        help=f"processes (a training run) to hold stopped while {during}"
                        + also)


def parse_step_timing(parser, argv, rounds, data_dir):
    """The flags of the training-step timings (benchmarks/speed/jit_speed.py,
    train_forms.py) added to ``parser`` and parsed: --rounds (default ``rounds``),
    --data-dir (default ``data_dir`` where it exists; a usage error without one),
    --markdown, --pause PID."""
    parser.add_argument("--rounds", type=int, default=rounds,
                        help="timed rounds (one step of each setting per round)")
    parser.add_argument("--data-dir", default=data_dir if os.path.isdir(data_dir) else None)
    parser.add_argument("--markdown")
    add_pause_flag(parser)
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error(f"no {os.path.basename(data_dir)} beside the repository: pass --data-dir")
    return args


def training_precisions():
    """float32, then the precision ``--precision auto`` picks here (when another)."""
    from nsr_tf.precision import choose
    auto, _ = choose("auto")
    return sorted({"float32", auto}, key=["float32", auto].index)


def emit(lines, markdown=None, data=None):
    """Prints the report ``lines``, then ``write``s them."""
    print("\n".join(lines))
    write(lines, markdown, data)


def write(lines, markdown=None, data=None):
    """Writes the report ``lines`` to ``markdown`` when given (a script that printed them
    as it went); ``data`` (the numbers, JSON-serialisable) goes beside it as the same name
    with .json, with the machine it was measured on."""
    if markdown:
        with open(markdown, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        if data is not None:
            with open(os.path.splitext(markdown)[0] + ".json", "w") as handle:
                json.dump({"machine": machine(), "results": data}, handle, indent=1,
                          default=float)


def row_key(*parts):
    """The key of one row in a results JSON: its parts joined by spaces (e.g. family,
    method, test set, level in docs/color_baselines.json)."""
    return " ".join(str(part) for part in parts)


def result_row(path, *parts):
    """The row ``row_key(*parts)`` of a results JSON (``{"rows": {key: row}}``, e.g.
    docs/kind_anchors.json), or None where the file or the row is not there."""
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)["rows"].get(row_key(*parts))


def drops(previous, new, fields, tolerance=0.05, value="psnr"):
    """The rows of a card that a new model would lose on: [(row, before, after)] for each
    row of ``previous`` whose ``fields`` match a row of ``new`` and whose ``value`` falls by
    more than ``tolerance`` (dB). Rows only one side has are not compared: a row the new
    record lacks is the caller's to refuse (``missing``)."""
    def key(row):
        return tuple(str(row.get(field)) for field in fields)
    after = {key(row): row for row in new}
    return [(row, row[value], after[key(row)][value]) for row in previous
            if key(row) in after and value in row
            and after[key(row)][value] < row[value] - tolerance]


def missing(previous, new, fields):
    """The rows of ``previous`` that ``new`` has no row for (matched on ``fields``)."""
    have = {tuple(str(row.get(field)) for field in fields) for row in new}
    return [row for row in previous
            if tuple(str(row.get(field)) for field in fields) not in have]


def losses(previous, new, fields, tolerance=0.05, unscored="not scored"):
    """What replacing a card's rows ``previous`` by ``new`` would lose (issue 34: no row may
    drop more than ``tolerance`` dB): one line per row that drops ("CBSD68 sigma 25 told
    15: 28.37 -> 27.65 dB") or that ``new`` lacks ("...: not scored"), naming the row by
    ``fields`` ("set" and "kind" by their value alone)."""
    def name(row):
        return " ".join(str(row[field]) if field in ("set", "kind") else
                        f"{field} {row[field]}" for field in fields)
    return ([f"{name(row)}: {before:.2f} -> {after:.2f} dB"
             for row, before, after in drops(previous, new, fields, tolerance)]
            + [f"{name(row)}: {unscored}" for row in missing(previous, new, fields)])


# The ship tools' override of the rule above (release/ship_*_models.py --accept-drops).
ACCEPT_DROPS_HELP = ("ship even where a row of the shipped card drops by more than 0.05 dB (by "
                     "default the tool scores the job, compares and refuses, leaving the "
                     "shipped files as they are)")


# The cards' words for a model trained with --map-jitter (release/ship_*_models.py).
MAP_JITTER_NOTE = (
    "Trained with a share of its patches told a wrong level (`--map-jitter`): a slider "
    "within about half to one and a half times the true level costs little, and the slider "
    "moves the output less in that band than in a model trained on true levels only; far "
    "from the truth it still sets the strength (`docs/slider_response.md`: PSNR and the "
    "noise removed per told level).")


def listed(items):
    """The non-empty ``items`` as a card's sentence lists them: "a, b and c"."""
    items = [item for item in items if item]
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def validation_phrase(record):
    """A model card's words for the images a run validated on, from its record (a
    ``best.json`` as a dict): what chose the epoch that shipped."""
    config = record.get("config") or {}
    if config.get("val_dir"):
        return f"validated on `{os.path.basename(os.path.normpath(config['val_dir']))}`"
    held = record.get("held_out")
    if not held:
        return "the last 4 images in sorted path order held out for validation"
    count = len(held["images"])
    return (f"{count} image{'s' if count != 1 else ''} held out for validation "
            f"({held['rule']}: " + ", ".join(f"`{name}`" for name in held["images"]) + ")")


def refuse(tool, job, record, lost, override="--accept-drops"):
    """A release refused for ``lost`` (``losses``'s or ``costlier``'s lines): the scored
    ``record`` kept in ``JOB/ship_scores.json`` and one line said on stderr, naming the
    flag that ships it anyway (``override``); returns the exit status, 1."""
    scored = _keep(job, record)
    print(f"{tool}: not shipped: {'; '.join(lost)} (the rows scored are in {scored}; "
          f"{override} ships it anyway)", file=sys.stderr)
    return 1


def shipped_record(stem):
    """A shipped model's record (``stem``.json, ``stem`` its path without the suffix), or
    {} where none is shipped."""
    if not os.path.exists(stem + ".json"):
        return {}
    with open(stem + ".json") as handle:
        return json.load(handle)


def costlier(shipped, record, tolerance=1.05):
    """[one line] where ``record``'s model costs more MACs per pixel than the shipped
    model's record ``shipped`` (by more than ``tolerance`` times), else []: a release that
    makes every photo slower on a phone is a decision to take on purpose, not a side effect
    of a deeper run scoring higher."""
    before, after = (shipped or {}).get("macs_per_pixel"), record.get("macs_per_pixel")
    if not before or not after or after <= before * tolerance:
        return []
    return [f"it costs {after / before:.2f}x the shipped model's MACs per pixel "
            f"({after / 1e6:.3f} M against {before / 1e6:.3f} M)"]


# The ship tools' override of the rule above (release/ship_*_models.py --accept-macs).
ACCEPT_MACS_HELP = ("ship even where the model costs more than 1.05x the shipped model's "
                    "MACs per pixel (by default the tool scores it, then refuses, keeping the "
                    "scores, so that you decide whether its gain is worth the time every "
                    "photo takes)")


# The ship tools' scoring without a release (release/ship_*_models.py --score-only).
SCORE_ONLY_HELP = ("score the job and say whether it would ship, keeping every row (in "
                   "JOB/ship_scores.partial.json and JOB/ship_scores.json) and touching "
                   "nothing shipped: what the training queue runs after a run ends "
                   "(docs/training_queue.md), so that the ship run later scores nothing")


def add_release_flags(parser, macs=True):
    """The flags a ship tool's release decision takes (``release_gate``'s):
    --accept-drops, --accept-macs (``macs``: where the tool has the MACs rule),
    --score-only."""
    parser.add_argument("--accept-drops", action="store_true", help=ACCEPT_DROPS_HELP)
    if macs:
        parser.add_argument("--accept-macs", action="store_true", help=ACCEPT_MACS_HELP)
    parser.add_argument("--score-only", action="store_true", help=SCORE_ONLY_HELP)


def release_gate(tool, job, record, lost, cost, args):
    """Whether a scored job ships: None where it goes on to ship; else the exit status
    after one line on stderr. ``lost``: ``losses``'s lines (overridden by
    ``args.accept_drops``), ``cost``: ``costlier``'s (by ``args.accept_macs``). With
    ``args.score_only`` nothing ships: the record is kept and the line says what a ship
    with the same flags would do (status 0)."""
    accept_macs = getattr(args, "accept_macs", False)   # (ship_models.py: no MACs rule)
    if getattr(args, "score_only", False):
        blocks = ([] if args.accept_drops else lost) + ([] if accept_macs else cost)
        scored = _keep(job, record)
        print(f"{tool}: scored, not shipped (--score-only; the rows are in {scored}): "
              + (f"it would not ship: {'; '.join(blocks)}" if blocks else
                 "it would ship") + "; the same command without --score-only scores "
              "nothing again", file=sys.stderr)
        return 0
    if lost and not args.accept_drops:
        return refuse(tool, job, record, lost)
    if cost and not accept_macs:
        return refuse(tool, job, record, cost, "--accept-macs")
    return None


def _keep(job, record):
    """``record`` written to ``JOB/ship_scores.json``; its path."""
    scored = os.path.join(job, "ship_scores.json")
    with open(scored, "w") as handle:
        json.dump(record, handle, indent=1)
    return scored
