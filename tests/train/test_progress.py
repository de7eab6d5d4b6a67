"""A run's progress file (nsr_tf.train.progress): written every half minute and at an
epoch's end, whole; read back in one line for each state a run can be in, also from the
checkpoints of a job that has no such file."""

import calendar
import json
import os

from nsr_tf.train.progress import EVERY, ProgressFile, describe


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def job_folder(tmp_path, epochs=10):
    job = tmp_path / "job"
    job.mkdir()
    (job / "config.json").write_text(json.dumps({"epochs": epochs}))
    return job


def test_the_file_is_written_at_most_every_half_minute_and_when_asked(tmp_path):
    job = job_folder(tmp_path)
    clock = Clock(1000.0)
    progress = ProgressFile(str(job), 10, 819, clock=clock)
    progress.update(1, 0, 1, 0.8)            # the first step: written at once
    record = json.loads((job / "progress.json").read_text())
    assert record == {"pid": os.getpid(), "updated": 1000.0, "step": 1, "total_steps": 8190,
                      "epoch": 1, "epochs": 10, "epoch_step": 1, "steps_per_epoch": 819,
                      "steps_per_s": 0.8}
    clock.now += EVERY - 1
    progress.update(20, 0, 20, 0.8)          # too soon
    assert json.loads((job / "progress.json").read_text())["step"] == 1
    progress.update(21, 0, 21, 0.8, force=True)
    assert json.loads((job / "progress.json").read_text())["step"] == 21
    clock.now += EVERY
    progress.update(50, 0, 50, 0.8)
    assert json.loads((job / "progress.json").read_text())["step"] == 50
    assert sorted(os.listdir(job)) == ["config.json", "progress.json"]     # no .tmp left


def test_each_state_of_a_run_in_one_line(tmp_path):
    assert describe(str(tmp_path / "none")) == "not started"
    job = job_folder(tmp_path)
    started = calendar.timegm((2026, 12, 5, 18, 0, 0))
    progress = ProgressFile(str(job), 10, 819, clock=lambda: started)
    progress.update(2048, 2, 410, 0.8)
    # 6,142 steps left at 0.8 steps/s: 7,677.5 s, 2 h 08 min, from 18:00 to 20:08
    assert describe(str(job), now=started, running=True) == (
        "running: epoch 3/10, step 2,048 of 8,190 (25%), 0.80 steps/s, 2 h 08 min left "
        "(ends about 20:08 UTC; as of 18:00 UTC)")
    assert describe(str(job), now=started, running=False) == (
        "stopped at epoch 3/10, step 2,048 of 8,190 (25%), 18:00 UTC; its command "
        "resumes it")
    (job / "best.json").write_text(json.dumps({"epoch": 8, "validation": {"psnr": 26.104}}))
    (job / "last.json").write_text(json.dumps({"epoch": 10, "step": 8190}))
    assert describe(str(job), running=False) == (
        "done: 10 epochs, 8,190 steps; best validation 26.10 dB at epoch 8")


def test_a_job_without_the_file_is_read_off_its_checkpoints(tmp_path):
    # entry 36 of the queue, begun before train.py wrote the file: epoch 2 ended at step
    # 1,638; the mid-epoch checkpoint 316 steps and 632 s later is at step 1,954
    job = job_folder(tmp_path)
    (job / "last.json").write_text(json.dumps({"epoch": 2, "step": 1638}))
    partial = job / "checkpoints" / "partial"
    partial.mkdir(parents=True)
    (partial / "checkpoint").write_text('model_checkpoint_path: "ckpt-1954"\n'
                                        'all_model_checkpoint_paths: "ckpt-1954"\n')
    ended = calendar.timegm((2026, 12, 5, 18, 40, 0))
    os.utime(job / "last.json", (ended, ended))
    os.utime(partial / "checkpoint", (ended + 632, ended + 632))
    # 0.5 steps/s; 6,236 steps left: 12,472 s, 3 h 28 min from 18:50:32
    assert describe(str(job), now=ended + 632, running=True) == (
        "running: epoch 3/10, step 1,954 of 8,190 (24%), about 0.50 steps/s, 3 h 28 min "
        "left (ends about 22:18 UTC; as of 18:51 UTC)")
    # an older mid-epoch checkpoint (of epoch 2) is not this epoch's: no rate, no step
    (partial / "checkpoint").write_text('model_checkpoint_path: "ckpt-1500"\n')
    assert describe(str(job), now=ended, running=True) == (
        "running: epoch 3/10, step 1,638 of 8,190 (20%)")
    assert describe(str(job), running=False).startswith(
        "stopped at epoch 3/10, step 1,638 of 8,190 (20%), 18:40 UTC")
