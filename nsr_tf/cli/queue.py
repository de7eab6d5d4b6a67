"""Command line of training/run_queue.py: runs the pending entries of the training queue
(docs/training_queue.md, ``nsr_tf.train.queue``) one after the other, reading the page
again after each, so that an entry added or reordered while a run goes on is taken
without restarting the runner."""

import argparse
import os
import signal
import subprocess
import sys
import time

from nsr_tf.cli.common import report
from nsr_tf.errors import NsrError

# A run that SIGINT or SIGTERM ended (train.py saves and exits 128 + N; a command without a
# handler dies of the signal, which subprocess reports as -N) was stopped, not failed.
STOPPED = {status for signum in (signal.SIGINT, signal.SIGTERM)
           for status in (128 + signum, -signum)}

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_QUEUE = os.path.join(REPO, "docs", "training_queue.md")


def parser():
    p = argparse.ArgumentParser(
        prog="run_queue.py",
        description="Run the training queue's pending entries (state 'running', 'started' "
                    "or 'queued'; 'queued after N' waits for entry N), one at a time, from "
                    "the repository root, each followed by the commands its row puts after "
                    "'then' (its scoring) where it ended well, reading the page again after "
                    "each run (an edit "
                    "made meanwhile counts; an entry runs once per runner). Every command "
                    "resumes its job, so rerunning the queue after a stop goes on where "
                    "each run was. A run stopped by SIGINT or SIGTERM stops the runner too.",
        epilog="example: nohup setsid python training/run_queue.py >> ~/jobs/queue.log 2>&1 "
               "< /dev/null &")
    p.add_argument("--file", default=DEFAULT_QUEUE,
                   help="the queue page (default: docs/training_queue.md)")
    p.add_argument("--list", action="store_true",
                   help="print the pending entries in their order (each with the commands "
                        "its row runs after it, 'then: ...') and exit")
    p.add_argument("--status", action="store_true",
                   help="print where each pending entry's run is (step of the total, rate, "
                        "time left, the hour it should end; stopped where; done) and exit")
    p.add_argument("--wait-for", type=int, metavar="PID",
                   help="first wait for this process to end (a run started by hand; a "
                        "train.py holding an entry's job folder is waited for anyway)")
    return p


def main(argv=None, run=subprocess.run, poll=20):
    args = parser().parse_args(argv)
    from nsr_tf import jobs
    try:
        order = _read(args.file)
    except NsrError as error:
        return report("run_queue.py", error)
    if args.list or args.status:
        try:
            (_print_list if args.list else _print_status)(order)
        except BrokenPipeError:     # `--status | head`: the reader has what it wanted
            # (Python's signal docs, "Note on SIGPIPE": no second error at exit)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.wait_for:
        while _alive(args.wait_for):
            time.sleep(poll)
    failed, ran = [], set()
    while True:
        entry = next((e for e in order if e.number not in ran), None)
        if entry is None:
            break
        ran.add(entry.number)      # once per runner: a failed entry does not loop
        if entry.job_dir and jobs.in_use(entry.job_dir):    # a train.py still runs it
            print(f"run_queue.py: entry {entry.number}: waiting for the run in "
                  f"{entry.job_dir} to end", flush=True)
            while jobs.in_use(entry.job_dir):
                time.sleep(poll)
        # the run, then (where it ended well) each command the row runs after it
        for label, command in [("", entry.command)] + [(" then", c) for c in entry.then]:
            print(f"run_queue.py: {time.strftime('%Y-%m-%d %H:%M:%S')} entry "
                  f"{entry.number}{label}: {command}", flush=True)
            status = run(["bash", "-c", command], cwd=REPO).returncode
            print(f"run_queue.py: {time.strftime('%Y-%m-%d %H:%M:%S')} entry "
                  f"{entry.number}{label} ended with status {status}", flush=True)
            if status in STOPPED:       # someone stopped it: the runner stops too
                print(f"run_queue.py: entry {entry.number}{label} was stopped by a signal; "
                      f"the runner stops as well (rerun it to resume)", file=sys.stderr,
                      flush=True)
                return 128 + abs(status) if status < 0 else status
            if status:      # the next run still starts: one always going
                failed.append(f"{entry.number}{label}")
                break
        try:
            order = _read(args.file)        # edited while the run went on?
        except NsrError as error:           # (a page mid-edit): the order read before
            print(f"run_queue.py: {error}; going on in the order read before",
                  file=sys.stderr, flush=True)
    if failed:
        print(f"run_queue.py: entries {', '.join(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


def _print_list(order):
    for entry in order:
        print(f"{entry.number}: {entry.command}")
        for command in entry.then:
            print(f"  then: {command}")


def _print_status(order):
    from nsr_tf.train.progress import describe
    runners = _runners()
    print(f"runner: pid {', '.join(map(str, runners))}" if runners else
          "runner: none (start it: nohup setsid python training/run_queue.py >> "
          "~/jobs/queue.log 2>&1 < /dev/null &)")
    for entry in order:
        job = entry.job_dir
        print(f"{entry.number}: {os.path.basename(job) if job else '(no --job-dir)'}: "
              f"{describe(job) if job else entry.state[:80]}")
        for command in entry.then:
            print(f"  then: {_then_state(command, job)}")


def _then_state(command, job):
    """A 'then' command's script and, for a ship tool's scoring, the rows its job folder
    keeps so far (``nsr_tf.partial_scores``) or the verdict's file."""
    import glob
    import json
    import shlex
    from nsr_tf.partial_scores import NAME
    words = shlex.split(command)
    script = next((w for w in words if w.endswith(".py")), words[0])
    report = words[words.index("--markdown") + 1] if "--markdown" in words[:-1] else None
    if report:      # a report (benchmarks/experiments/sr_twin.py): its kept rows beside it
        report = os.path.expanduser(report)
        if os.path.exists(report):
            return f"{script}: written ({report})"
        kept = glob.glob(os.path.splitext(report)[0] + ".partial-*.json")
    elif job is None:
        return script
    else:
        scored = os.path.join(job, "ship_scores.json")
        best = os.path.join(job, "best.keras")
        if os.path.exists(scored) and os.path.exists(best) and \
                os.path.getmtime(scored) >= os.path.getmtime(best):    # of this best model
            return f"{script}: scored (ship_scores.json in the job folder)"
        kept = [os.path.join(job, NAME)]
    rows = 0
    for path in kept:
        try:
            with open(path) as handle:
                rows += len(json.load(handle)["rows"])
        except (OSError, ValueError, KeyError):
            pass
    return f"{script}: {rows} row{'s' if rows > 1 else ''} scored so far" if rows else \
        f"{script}: not begun"


def _runners():
    """The pids of the other run_queue.py processes going on this machine (read from
    /proc: Linux, where the queue runs)."""
    found = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                words = handle.read().split(b"\0")
        except OSError:     # ended meanwhile, or not ours to read
            continue
        if any(word.endswith(b"run_queue.py") for word in words[:3]) and \
                b"--status" not in words and b"--list" not in words:
            found.append(int(name))
    return sorted(found)


def _read(path):
    """The pending entries of the page at ``path``, in order."""
    from nsr_tf.train.queue import pending
    try:
        with open(path) as handle:
            return pending(handle.read())
    except OSError as error:
        raise NsrError(f"--file {path}: {error.strerror}") from None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
