"""A training run's progress as a file in its job folder, ``JOB/progress.json``, which the
training loop rewrites every half minute: where the run is, how fast it goes and when it
should end, for whoever looks from outside the process (``training/run_queue.py
--status``) without reading the progress bar out of a log.

``describe(job)`` says it in one line, also for a job folder without the file (a run
started before there was one): from its checkpoints, the step of the last mid-epoch one
against the last epoch's, over the time between the two files."""

import json
import os
import re
import time

NAME = "progress.json"
EVERY = 30.0        # seconds between two writes while training


class ProgressFile:
    """``update(step, epoch, epoch_step, steps_per_s)`` after each step: written at most
    every ``EVERY`` seconds (``force``: now). Steps are counted from the run's start
    (``step``, as the checkpoints number them); ``epoch`` from 0."""

    def __init__(self, job_dir, epochs, steps_per_epoch, clock=time.time):
        self.path = os.path.join(job_dir, NAME)
        self.epochs, self.steps_per_epoch, self.clock = epochs, steps_per_epoch, clock
        self.written = None

    def update(self, step, epoch, epoch_step, steps_per_s, force=False):
        now = self.clock()
        if not force and self.written is not None and now - self.written < EVERY:
            return
        record = {"pid": os.getpid(), "updated": now, "step": int(step),
                  "total_steps": self.epochs * self.steps_per_epoch,
                  "epoch": int(epoch) + 1, "epochs": self.epochs,
                  "epoch_step": int(epoch_step), "steps_per_epoch": self.steps_per_epoch,
                  "steps_per_s": float(steps_per_s)}
        partial = self.path + ".tmp"
        with open(partial, "w") as handle:
            json.dump(record, handle)
        os.replace(partial, self.path)      # a reader never sees half a file
        self.written = now


def read(job_dir):
    """The job's progress record, or None where it has none (or a broken one)."""
    try:
        with open(os.path.join(job_dir, NAME)) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def describe(job_dir, now=None, running=None):
    """One line on the run in ``job_dir``: not started, running (step of the total, rate,
    time left and the hour it should end), stopped where, or done. ``running``: whether a
    train.py holds the folder (default: ``nsr_tf.jobs.in_use``)."""
    from nsr_tf.jobs import in_use
    now = time.time() if now is None else now
    if not os.path.exists(os.path.join(job_dir, "config.json")):
        return "not started"
    running = in_use(job_dir) if running is None else running
    epochs = _epochs(job_dir)
    record = read(job_dir) or _from_checkpoints(job_dir, epochs)
    finished = _finished(job_dir, epochs)
    if finished and not running:
        return finished
    if record is None:
        return "running, no step saved yet" if running else "stopped before its first save"
    step, total = record["step"], record["total_steps"]
    where = (f"epoch {record['epoch']}/{record['epochs']}, step {step:,} of {total:,} "
             f"({100 * step / total:.0f}%)")
    if not running:
        return f"stopped at {where}, {_clock(record['updated'])}; its command resumes it"
    rate = record.get("steps_per_s")
    if not rate:
        return f"running: {where}"
    left = (total - step) / rate
    about = "about " if record.get("estimated") else ""
    return (f"running: {where}, {about}{rate:.2f} steps/s, {_duration(left)} left "
            f"(ends about {_clock(now + left)}; as of {_clock(record['updated'])})")


def _epochs(job_dir):
    """The epochs the job's config asks for, or None (no config, or a broken one)."""
    try:
        with open(os.path.join(job_dir, "config.json")) as handle:
            return json.load(handle)["epochs"]
    except (OSError, ValueError, KeyError):
        return None


def _finished(job_dir, epochs):
    """"done: ..." where the job's last epoch is its config's last (``epochs``), else
    None."""
    if epochs is None:
        return None
    try:
        with open(os.path.join(job_dir, "best.json")) as handle:
            best = json.load(handle)
        with open(os.path.join(job_dir, "last.json")) as handle:
            last = json.load(handle)
    except (OSError, ValueError, KeyError):
        return None
    if last.get("epoch") != epochs:
        return None
    return (f"done: {epochs} epochs, {last['step']:,} steps; best validation "
            f"{best['validation']['psnr']:.2f} dB at epoch {best['epoch']}")


_CHECKPOINT = re.compile(r'^model_checkpoint_path:\s*"ckpt-(\d+)"', re.M)


def _from_checkpoints(job_dir, epochs):
    """A progress record read off a job without ``progress.json``: its last epoch's step
    (``last.json``) and its last mid-epoch checkpoint's (named by its global step), the
    rate between the two files' times (``estimated``: a pause between them lowers it).
    None before the first epoch has ended (or without the config's ``epochs``)."""
    if epochs is None:
        return None
    try:
        last_file = os.path.join(job_dir, "last.json")
        with open(last_file) as handle:
            last = json.load(handle)
    except (OSError, ValueError, KeyError):
        return None
    per_epoch = last["step"] // last["epoch"]
    record = {"step": last["step"], "total_steps": epochs * per_epoch,
              "epoch": min(last["epoch"] + 1, epochs), "epochs": epochs,
              "updated": os.path.getmtime(last_file), "estimated": True}
    marker = os.path.join(job_dir, "checkpoints", "partial", "checkpoint")
    try:
        with open(marker) as handle:
            match = _CHECKPOINT.search(handle.read())
    except OSError:
        match = None
    if match and int(match.group(1)) > last["step"]:
        step, saved = int(match.group(1)), os.path.getmtime(marker)
        if saved > record["updated"]:
            record["steps_per_s"] = (step - last["step"]) / (saved - record["updated"])
        record.update(step=step, updated=saved)
    return record


def _duration(seconds):
    minutes = int(round(seconds / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _clock(stamp):
    """The hour and minute of ``stamp`` (to the nearest minute), UTC."""
    return time.strftime("%H:%M UTC", time.gmtime(stamp + 30))
