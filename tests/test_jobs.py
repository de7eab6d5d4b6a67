"""Job folders: the training time and machine a card states, read from a job's logs."""

import json
import os

import pytest

from nsr_tf.jobs import run_record, wall_hours
from nsr_tf.quiet import tf


def _job(tmp_path, runs, step=300, epoch=3, batch_size=16):
    """A job folder as the training loop leaves it: best.json and one TensorBoard events
    file per run, each logging ``patches_per_s`` per epoch as ``tf.summary`` does."""
    job = tmp_path / "job"
    (job / "logs").mkdir(parents=True)
    (job / "best.json").write_text(json.dumps(
        {"step": step, "epoch": epoch, "config": {"batch_size": batch_size}}))
    for i, rates in enumerate(runs):
        run = job / "logs" / f"run{i}"
        writer = tf.summary.create_file_writer(str(run))
        with writer.as_default():
            for epoch_index, rate in rates.items():
                tf.summary.scalar("patches_per_s", rate, step=epoch_index)
        writer.close()
        for name in os.listdir(run):     # the loop writes its events files side by side
            os.rename(run / name, job / "logs" / f"{name}.{i}")
        run.rmdir()
    return str(job)


def test_wall_hours_sums_each_epochs_steps_over_its_rate(tmp_path):
    job = _job(tmp_path, [{1: 8.0, 2: 16.0, 3: 4.0}])
    hours, epochs, runs = wall_hours(job)
    # 100 steps of 16 patches per epoch: 200 s + 100 s + 400 s
    assert hours == pytest.approx(700 / 3600, rel=1e-6)
    assert (epochs, runs) == (3, 1)


def test_an_epoch_rerun_after_a_resume_counts_once_at_its_last_rate(tmp_path):
    job = _job(tmp_path, [{1: 8.0, 2: 2.0}, {2: 16.0, 3: 16.0}])
    hours, epochs, runs = wall_hours(job)
    assert hours == pytest.approx((200 + 100 + 100) / 3600, rel=1e-6)
    assert (epochs, runs) == (3, 2)


def test_run_record_names_the_cpu_its_simd_flags_and_cores(tmp_path):
    from nsr_tf.benchmarking import simd_flags
    from nsr_tf.precision import cpu_name
    record = run_record(_job(tmp_path, [{1: 8.0, 2: 16.0, 3: 4.0}]))
    assert record["wall_hours"] == pytest.approx(700 / 3600, rel=1e-6)
    assert (record["logged_epochs"], record["runs"]) == (3, 1)
    assert record["machine"].startswith(f"{cpu_name()} ({simd_flags()}), ")
    assert f"{os.cpu_count()} cores" in record["machine"]


def test_a_job_folder_is_held_by_one_process_and_freed_when_it_dies(tmp_path):
    import subprocess
    import sys
    from nsr_tf.jobs import JobInUse, in_use, lock
    assert not in_use(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from nsr_tf.jobs import lock; h = lock(sys.argv[1]); "
        "print('held', flush=True); time.sleep(60)"), str(tmp_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert in_use(tmp_path)
        with pytest.raises(JobInUse, match=f"pid {holder.pid}"):
            lock(tmp_path)
    finally:
        holder.kill()                       # as a crash: no clean-up of its own
        holder.wait()
    assert not in_use(tmp_path)
    mine = lock(tmp_path)
    assert in_use(tmp_path)
    mine.close()
    assert not in_use(tmp_path)
