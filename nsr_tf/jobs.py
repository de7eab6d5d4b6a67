"""Job folders: where a training run keeps its checkpoints, logs and best model."""

import fcntl
import glob
import json
import os
import platform

from nsr_tf.errors import NsrError

# The file a running train.py holds locked in its job folder (flock: the kernel lets go of
# it when the process ends, however it ends, so a crash leaves no stale lock).
LOCK_FILE = "train.lock"


class JobInUse(NsrError):
    """Another process is training in this job folder."""


def lock(job_dir):
    """Takes the job folder ``job_dir`` for this process: returns the open lock file (keep
    it; closing it, or the process ending, lets go), or raises ``JobInUse`` naming the
    process that holds it. Two runs in one folder would write over each other's
    checkpoints."""
    handle = open(os.path.join(job_dir, LOCK_FILE), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "unknown"
        handle.close()
        raise JobInUse(f"{job_dir} is being trained by another process (pid {pid}): wait "
                       f"for it to end, or pass another --job-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def in_use(job_dir):
    """Whether a process holds ``job_dir``'s lock now (a train.py running there)."""
    path = os.path.join(job_dir, LOCK_FILE)
    if not os.path.exists(path):
        return False
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def default_job_dir(config):
    """``jobs/TASK-DEGRADATION-VARIANT`` for a ``TrainConfig`` (``-rgb`` for a colour
    denoiser or JPEG model, ``-camera``/``-mix`` for its training noise)."""
    what = {"denoise": f"sigma{config.sigma:g}", "jpeg": f"q{config.quality}",
            "sr": f"x{config.scale}"}[config.task]
    if config.task == "denoise" and config.sigma_range:
        what = "sigma{:g}-{:g}".format(*config.sigma_range)
    if config.task == "jpeg" and config.quality_range:
        what = "q{:g}-{:g}".format(*config.quality_range)
    if config.blind:
        what += "-blind"
    if config.task != "sr" and config.channels == 3:
        what += "-rgb"
    if getattr(config, "noise", "awgn") != "awgn":
        what += f"-{config.noise}"
    return os.path.join("jobs", f"{config.task}-{what}-{config.variant}")


def latest_job_dir(root="jobs"):
    """The job folder whose best model was written last, or None."""
    if not os.path.isdir(root):
        return None
    jobs = [os.path.join(root, d) for d in os.listdir(root)
            if os.path.exists(os.path.join(root, d, "best.keras"))]
    return max(jobs, key=lambda d: os.path.getmtime(os.path.join(d, "best.keras")),
               default=None)


def wall_hours(job):
    """Training wall time from the job's TensorBoard logs: each epoch's steps over its
    measured patches/s (the last record of an epoch that was rerun after a resume)."""
    from nsr_tf.quiet import tf
    with open(os.path.join(job, "best.json")) as handle:
        meta = json.load(handle)
    c = meta["config"]
    steps = meta["step"] // meta["epoch"]
    rates = {}
    runs = sorted(glob.glob(os.path.join(job, "logs", "events.*")))
    for events in runs:
        for event in tf.compat.v1.train.summary_iterator(events):
            for value in event.summary.value:
                if value.tag == "patches_per_s":
                    rates[event.step] = float(tf.make_ndarray(value.tensor))
    return sum(steps * c["batch_size"] / rate for rate in rates.values()) / 3600, len(rates), \
        len(runs)


def run_record(job):
    """What a card says of how ``job`` was trained: ``wall_hours``, ``logged_epochs`` and
    ``runs`` (``wall_hours``), and the ``machine`` it is shipped on (CPU, SIMD flags,
    cores, system), the one the card's timings name."""
    hours, epochs, runs = wall_hours(job)
    return {"wall_hours": hours, "logged_epochs": epochs, "runs": runs,
            "machine": machine_line()}


def machine_line():
    """This machine in a card's words: CPU, SIMD flags, cores, system."""
    from nsr_tf.benchmarking import simd_flags
    from nsr_tf.precision import cpu_name
    return f"{cpu_name()} ({simd_flags()}), {os.cpu_count()} cores, {platform.system()}"
