"""A stand-in for a training run that a test holds with SIGSTOP, and its state."""

import contextlib
import subprocess
import sys


@contextlib.contextmanager
def sleeper():
    """A Python process that sleeps for a minute (the run to hold), killed after."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def process_state(pid):
    """The one-letter state of ``pid`` from /proc (T: stopped)."""
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0]
