"""train.py end to end on tiny settings: runs, refuses bad input, resumes after kill -9,
saves and stops on SIGTERM / Ctrl-C, stops on NaN, holds out validation images per folder
and keeps them, runs mirrored (2 CPU replicas) and multiworker (2 local processes)."""

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from nsr_tf import model_io
from nsr_tf.train import TrainConfig, Trainer, TrainingError
from nsr_tf.train.config import COSINE_FLOOR
from nsr_tf.train.progress import describe

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = [sys.executable, os.path.join(REPO, "training", "train.py")]
TINY = ["--num-blocks", "1", "--patch-size", "32", "--patches-per-image", "8",
        "--batch-size", "8"]


@pytest.fixture
def data_dir(train_images, tmp_path):
    folder = tmp_path / "train"
    folder.mkdir()
    for path in sorted(glob.glob(os.path.join(train_images, "*.png"))):
        os.symlink(path, folder / os.path.basename(path))
    return folder


def run(args, timeout=300, env=None):
    return subprocess.run(TRAIN + args, capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env=env)


def test_trains_validates_checkpoints_and_exports(data_dir, tmp_path):
    job = tmp_path / "job"
    result = run(["--data-dir", str(data_dir), "--epochs", "2", "--job-dir", str(job), *TINY,
                  "--patches-per-image", "48"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "validation PSNR" in result.stdout
    best = json.loads((job / "best.json").read_text())
    assert best["config"]["task"] == "denoise" and best["validation"]["psnr"] > 20
    assert best["validation"]["psnr"] > best["validation"]["input_psnr"]
    assert (job / "best.keras").exists() and (job / "config.json").exists()
    # the last epoch's model too, whether or not it validated best
    last = json.loads((job / "last.json").read_text())
    assert last["epoch"] == 2 and last["step"] >= best["step"]
    last_model, _ = model_io.load(str(job / "last.keras"))
    x = np.random.default_rng(0).uniform(size=(1, 16, 16, 1)).astype("float32")
    if last["step"] == best["step"]:
        np.testing.assert_allclose(last_model(x).numpy(),
                                   model_io.load(str(job / "best.keras"))[0](x).numpy())
    assert tf.train.latest_checkpoint(str(job / "checkpoints")).endswith("ckpt-2")
    assert glob.glob(str(job / "logs" / "events.out.tfevents.*"))
    # where the run was, for a look from outside it: its last step written, and done
    progress = json.loads((job / "progress.json").read_text())
    assert progress["step"] == progress["total_steps"] == last["step"]
    assert (progress["epoch"], progress["epochs"]) == (2, 2)
    assert describe(str(job)) == (f"done: 2 epochs, {last['step']:,} steps; best validation "
                                  f"{best['validation']['psnr']:.2f} dB at epoch "
                                  f"{best['epoch']}")
    again = run(["--data-dir", str(data_dir), "--epochs", "2", "--job-dir", str(job), *TINY,
                 "--patches-per-image", "48"])
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_bad_files_refuse_to_start_or_are_skipped(data_dir, tmp_path):
    (data_dir / "broken.png").write_text("not a png")
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(data_dir / "tiny.png")
    job = tmp_path / "job"
    refused = run(["--data-dir", str(data_dir), "--epochs", "1", "--job-dir", str(job), *TINY])
    assert refused.returncode == 1
    assert "broken.png" in refused.stderr + refused.stdout
    assert "tiny.png" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr and "--skip-bad-files" in refused.stderr
    skipped = run(["--data-dir", str(data_dir), "--epochs", "1", "--job-dir", str(job),
                   "--skip-bad-files", *TINY])
    assert skipped.returncode == 0, skipped.stderr[-2000:]
    assert "skipping 2 bad file(s)" in skipped.stdout


def test_empty_folder_and_bad_flags_are_one_line_errors(tmp_path):
    empty = run(["--data-dir", str(tmp_path), "--job-dir", str(tmp_path / "j")])
    assert empty.returncode == 1 and "no image files" in empty.stderr
    assert "Traceback" not in empty.stderr
    bad = run(["--task", "denoise", "--sigma", "-5", "--data-dir", str(tmp_path)])
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert run(["--epochs", "0"]).returncode == 2


@pytest.mark.slow
def test_resumes_after_kill_9(data_dir, tmp_path):
    job = tmp_path / "job"
    args = ["--data-dir", str(data_dir), "--epochs", "12", "--job-dir", str(job), *TINY]
    process = subprocess.Popen(TRAIN + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=REPO)
    deadline = time.time() + 240
    while time.time() < deadline:
        latest = tf.train.latest_checkpoint(str(job / "checkpoints"))
        if latest and int(latest.rsplit("-", 1)[1]) >= 2:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = int(tf.train.latest_checkpoint(str(job / "checkpoints")).rsplit("-", 1)[1])
    assert 2 <= killed_at < 12
    result = run(args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resuming from" in result.stdout and f"epoch {killed_at} of 12 done" in result.stdout
    assert "epoch 12/12" in result.stdout
    assert f"epoch {killed_at}/12:" not in result.stdout   # nothing redone before the kill
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(job / "checkpoints")))
    assert reader.get_tensor("epoch/.ATTRIBUTES/VARIABLE_VALUE") == 12
    assert reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == 12 * 5  # 5 steps/epoch


def train_here(capsys, args):
    """train.py in this process (no TensorFlow start-up): (exit code, stdout, stderr)."""
    from nsr_tf.cli.train import main
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_run_resumes_in_another_precision_and_saves_float32(data_dir, tmp_path, capsys):
    import keras

    from nsr_tf.precision import policy_of
    job = tmp_path / "job"
    code, out, err = train_here(capsys, ["--data-dir", data_dir, "--epochs", "1", "--job-dir",
                                         job, *TINY, "--precision", "float32"])
    assert code == 0, err[-2000:]
    assert "precision float32" in out
    code, out, err = train_here(capsys, ["--data-dir", data_dir, "--epochs", "2", "--job-dir",
                                         job, *TINY, "--precision", "mixed_bfloat16"])
    assert code == 0, err[-2000:]
    assert "precision mixed_bfloat16" in out and "epoch 1 of 2 done" in out
    best = json.loads((job / "best.json").read_text())
    assert np.isfinite(best["validation"]["psnr"]) and best["precision"] in (
        "float32", "mixed_bfloat16")
    model = keras.saving.load_model(job / "best.keras")
    assert policy_of(model) == "float32"


def test_float16_scales_the_loss(data_dir, tmp_path):
    config = TrainConfig(data_dir=str(data_dir), epochs=1, job_dir=str(tmp_path / "job"),
                         num_blocks=1, patch_size=32, patches_per_image=8, batch_size=8,
                         precision="mixed_float16")
    trainer = Trainer(config, log=lambda *_: None)
    assert trainer.scaled_optimizer is not None
    before = [v.numpy().copy() for v in trainer.model.trainable_variables]
    scores = trainer.fit()
    assert np.isfinite(scores["psnr"])
    assert all(v.dtype == "float32" for v in trainer.model.trainable_variables)
    assert any(not np.array_equal(b, v.numpy())
               for b, v in zip(before, trainer.model.trainable_variables))


def test_the_xla_step_computes_the_same_step(data_dir, tmp_path):
    """benchmarks/speed/jit_speed.py times ``_make_train_step(jit_compile=True)`` against
    train.py's step: it must be the same step (loss and updated weights), not another."""
    trainers = [Trainer(TrainConfig(data_dir=str(data_dir), epochs=1, seed=0,
                                    job_dir=str(tmp_path / f"job{jit}"), num_blocks=1,
                                    patch_size=32, patches_per_image=8, batch_size=8,
                                    variant="sparse+", precision="float32"),
                        log=lambda *_: None) for jit in (0, 1)]
    plain, xla = trainers
    start = plain.model.get_weights()
    xla.model.set_weights(start)
    batch = next(iter(plain.dataset))
    losses = [float(trainer._make_train_step(jit_compile=bool(jit))(*batch))
              for jit, trainer in enumerate(trainers)]
    assert losses[0] > 0 and losses[1] == pytest.approx(losses[0], rel=1e-5)
    after = plain.model.get_weights()
    assert sum(not np.array_equal(a, b) for a, b in zip(start, after)) > len(start) // 2
    for a, b in zip(after, xla.model.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_a_noise_map_denoiser_trains_on_a_range_of_sigmas(data_dir, tmp_path, capsys):
    from nsr_tf import model_io
    job = tmp_path / "job"
    code, out, err = train_here(capsys, ["--data-dir", data_dir, "--epochs", "1", "--job-dir",
                                         job, *TINY, "--sigma-range", "0", "75", "--sigma",
                                         "30", "--precision", "float32"])
    assert code == 0, err[-2000:]
    assert "AWGN sigma 30 (noise map; trained on 0-75)" in out
    model, info = model_io.load(str(job / "best.keras"))
    assert model.input_shape[-1] == 2 and info.channels == 1 and info.level_map
    assert info.sigma_range == [0, 75] and info.sigma == 30
    with pytest.raises(SystemExit):
        train_here(capsys, ["--data-dir", data_dir, "--job-dir", tmp_path / "bad", *TINY,
                            "--task", "jpeg", "--sigma-range", "0", "75"])
    assert "--sigma-range needs --task denoise" in capsys.readouterr().err


def test_a_quality_map_jpeg_model_and_a_blind_one_train(data_dir, tmp_path, capsys):
    from nsr_tf import model_io
    for extra, channels, told in ((), 2, "quality map"), (("--blind",), 1, "blind"):
        job = tmp_path / f"job{channels}"
        code, out, err = train_here(capsys, ["--data-dir", data_dir, "--epochs", "1",
                                             "--job-dir", job, *TINY, "--task", "jpeg",
                                             "--variant", "sparse-", "--quality-range", "10",
                                             "40", "--quality", "20", *extra,
                                             "--precision", "float32"])
        assert code == 0, err[-2000:]
        assert f"JPEG quality 20 ({told}; trained on 10-40)" in out
        model, info = model_io.load(str(job / "best.keras"))
        assert model.input_shape[-1] == channels and info.level_map == (channels == 2)
        assert info.quality_range == [10, 40]
    with pytest.raises(SystemExit):
        train_here(capsys, ["--data-dir", data_dir, "--blind", "--job-dir", tmp_path / "b"])
    assert "--blind needs --sigma-range or --quality-range" in capsys.readouterr().err


def test_learning_rate_schedule_is_the_papers():
    config = TrainConfig()
    assert [config.learning_rate(e) for e in (0, 19, 20, 24, 25, 29)] == pytest.approx(
        [1e-3, 1e-3, 2e-4, 2e-4, 4e-5, 4e-5])


def test_the_cosine_schedule_is_kerass_cosine_decay_per_step():
    import keras
    config = TrainConfig(epochs=6, lr=2.5e-4, lr_schedule="cosine")
    steps_per_epoch = 50
    reference = keras.optimizers.schedules.CosineDecay(2.5e-4, 6 * steps_per_epoch,
                                                       alpha=COSINE_FLOOR)
    for step in (0, 1, 49, 50, 149, 299, 300):
        epoch, within = divmod(step, steps_per_epoch)
        if epoch == 6:
            epoch, within = 5, steps_per_epoch
        assert config.learning_rate(epoch, within / steps_per_epoch) == pytest.approx(
            float(reference(step)), rel=1e-5)
    assert config.schedule_words() == "cosine decay per step to 0.01x at the last step"
    assert TrainConfig(epochs=6).schedule_words() == "x0.2 after epochs 4 and 5"
    # short runs: both drops after one epoch are one drop of 0.04
    assert TrainConfig(epochs=4).schedule_words() == "x0.04 after epoch 3"
    assert TrainConfig(epochs=4).learning_rate(3) == pytest.approx(1e-3 * 0.04)


def test_a_cosine_run_moves_the_lr_every_step(data_dir, tmp_path, capsys):
    import keras
    job = tmp_path / "job"
    code, out, err = train_here(capsys, ["--data-dir", data_dir, "--epochs", "2",
                                         "--job-dir", job, *TINY, "--lr-schedule", "cosine",
                                         "--precision", "float32"])
    assert code == 0, err[-2000:]
    config = TrainConfig.load(str(job / "config.json"))
    assert config.lr_schedule == "cosine"
    # the last step's lr: what Adam holds in the last checkpoint
    from nsr_tf.train.loop import Trainer
    trainer = Trainer(config, log=lambda *_: None)
    steps = int(trainer.step)
    assert steps == 2 * trainer.steps_per_epoch
    reference = keras.optimizers.schedules.CosineDecay(config.lr, steps, alpha=COSINE_FLOOR)
    assert float(trainer.optimizer.learning_rate) == pytest.approx(
        float(reference(steps - 1)), rel=1e-5)


def two_epoch_trainer(data_dir, tmp_path):
    config = TrainConfig(data_dir=str(data_dir), epochs=2, job_dir=str(tmp_path / "job"),
                         num_blocks=1, patch_size=32, patches_per_image=8, batch_size=8,
                         precision="float32")
    trainer = Trainer(config, log=lambda *_: None)
    assert trainer.steps_per_epoch >= 4
    return config, trainer


def at_step(trainer, number, action):
    """Runs ``action`` at the trainer's ``number``-th training step (counting from 1),
    before that step; returns the list that counts the steps called."""
    step, calls = trainer._train_step, []

    def counted(*batch):
        calls.append(1)
        if len(calls) == number:
            action()
        return step(*batch)

    trainer._train_step = counted
    return calls


def count_steps(trainer):
    """The list that counts the trainer's training steps from now on."""
    return at_step(trainer, 0, None)


def test_a_run_killed_mid_epoch_resumes_at_its_last_mid_epoch_checkpoint(data_dir, tmp_path):
    config, trainer = two_epoch_trainer(data_dir, tmp_path)
    trainer.mid_epoch_seconds = 0       # a mid-epoch checkpoint after every step
    steps_per_epoch = trainer.steps_per_epoch

    def dies():
        raise KeyboardInterrupt         # the session ends: 2 steps of epoch 2 were saved
    at_step(trainer, steps_per_epoch + 3, dies)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    lines = []
    resumed = Trainer(config, log=lines.append)
    assert any("epoch 1 of 2 done and 2 steps of epoch 2" in line for line in lines)
    assert int(resumed.step) == steps_per_epoch + 2
    ran = count_steps(resumed)
    resumed.fit()
    # only the rest of epoch 2 ran; the epoch checkpoint counts every step once
    assert len(ran) == steps_per_epoch - 2
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(
        os.path.join(config.job_dir, "checkpoints")))
    assert reader.get_tensor("epoch/.ATTRIBUTES/VARIABLE_VALUE") == 2
    assert reader.get_tensor("epoch_steps/.ATTRIBUTES/VARIABLE_VALUE") == 0
    assert reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == 2 * steps_per_epoch
    # a rerun after the end finds the epoch checkpoint newer than the mid-epoch one
    again = Trainer(config, log=lambda *_: None)
    assert (int(again.epoch), int(again.epoch_steps)) == (2, 0) and again.fit() is None


def test_sigterm_mid_epoch_saves_the_step_it_came_in_and_a_rerun_goes_on_from_there(
        data_dir, tmp_path):
    from nsr_tf.train.loop import Stopped
    config, trainer = two_epoch_trainer(data_dir, tmp_path)
    steps_per_epoch = trainer.steps_per_epoch
    # as a shutdown would, mid-step
    calls = at_step(trainer, steps_per_epoch + 3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with pytest.raises(Stopped, match="stopped by SIGTERM at step 3 of epoch 2") as stopped:
        trainer.fit()
    assert stopped.value.signum == signal.SIGTERM
    assert len(calls) == steps_per_epoch + 3            # no step after the signal's
    # the handlers are put back when fit() ends
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    # no mid-epoch checkpoint was due (300 s): the one there is the signal's
    resumed = Trainer(config, log=lambda *_: None)
    assert (int(resumed.epoch), int(resumed.epoch_steps)) == (1, 3)
    assert int(resumed.step) == steps_per_epoch + 3
    ran = count_steps(resumed)
    resumed.fit()
    assert len(ran) == steps_per_epoch - 3


def test_ctrl_c_during_validation_ends_train_py_after_the_epoch_is_saved(
        data_dir, tmp_path, capsys, monkeypatch):
    from nsr_tf.train.loop import Trainer as LoopTrainer
    validate = LoopTrainer.validate

    def interrupted(self):
        os.kill(os.getpid(), signal.SIGINT)     # the handler only notes it
        return validate(self)

    monkeypatch.setattr(LoopTrainer, "validate", interrupted)
    job = tmp_path / "job"
    code, out, err = train_here(capsys, ["--data-dir", data_dir, "--epochs", "3",
                                         "--job-dir", job, *TINY, "--precision", "float32"])
    assert code == 128 + signal.SIGINT, err[-2000:]
    line = err.strip().splitlines()[-1]
    assert line == (f"train.py: stopped by SIGINT after epoch 1, saved in {job}/checkpoints; "
                    "rerun the same command to resume")
    assert tf.train.latest_checkpoint(str(job / "checkpoints")).endswith("ckpt-1")
    assert (job / "last.keras").exists() and (job / "best.keras").exists()


def kinds_of_images(train_images, tmp_path):
    """Two folders of 12 images each (the six, twice, under other names): 24 images, of
    which a job holds out 2 (a tenth)."""
    folders = []
    for kind in ("a", "b"):
        folder = tmp_path / kind
        folder.mkdir()
        for copy in range(2):
            for i, path in enumerate(sorted(glob.glob(os.path.join(train_images, "*.png")))):
                os.symlink(path, folder / f"{kind}{copy}{i}.png")
        folders.append(str(folder))
    return folders


def test_a_new_job_holds_out_images_of_each_folder_and_keeps_them_when_resumed(
        train_images, tmp_path):
    import dataclasses
    folders = kinds_of_images(train_images, tmp_path)
    job = tmp_path / "job"
    config = TrainConfig(data_dir=folders, epochs=1, job_dir=str(job), num_blocks=1,
                         patch_size=32, patches_per_image=8, batch_size=8,
                         precision="float32")
    trainer = Trainer(config, log=lambda *_: None)
    # the last of each folder, where the last two in sorted order would both be b's
    expected = [os.path.join(folders[0], "a15.png"), os.path.join(folders[1], "b15.png")]
    assert trainer.held_out == expected
    assert sorted(name for name, *_ in trainer.val_pairs) == ["a15.png", "b15.png"]
    assert len(trainer.train_images) == 22
    assert (job / "validation.txt").read_text().splitlines() == [
        "# held out for validation: the last of each --data-dir folder in turn", *expected]
    # resumed with the folders in the other order (and, below, from another directory):
    # the same images
    trainer._job_lock.close()      # (fit() lets go of the folder at its end)
    again = Trainer(dataclasses.replace(config, data_dir=folders[::-1]), log=lambda *_: None)
    assert again.held_out == expected
    again._job_lock.close()
    relative = [os.path.relpath(folder, tmp_path) for folder in folders]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        moved = Trainer(dataclasses.replace(config, data_dir=relative), log=lambda *_: None)
    finally:
        os.chdir(cwd)
    assert [os.path.join(tmp_path, path) for path in moved.held_out] == expected
    moved._job_lock.close()
    # a folder that lost a held-out image: one line, naming the list and the image
    os.remove(expected[1])
    with pytest.raises(TrainingError, match=f"validation.txt: {expected[1]} .held out for "
                       "validation when the job began. is not among the training images"):
        Trainer(config, log=lambda *_: None)


def test_a_job_begun_before_the_list_keeps_its_last_sorted_images(train_images, tmp_path):
    folders = kinds_of_images(train_images, tmp_path)
    job = tmp_path / "job"
    job.mkdir()
    config = TrainConfig(data_dir=folders, epochs=1, job_dir=str(job), num_blocks=1,
                         patch_size=32, patches_per_image=8, batch_size=8,
                         precision="float32")
    config.channels = 1
    config.save(str(job / "config.json"))      # as a job of before 2026-12-05 left it
    trainer = Trainer(config, log=lambda *_: None)
    expected = [os.path.join(folders[1], "b14.png"), os.path.join(folders[1], "b15.png")]
    assert trainer.held_out == expected
    # and from now on it is written down, with its rule, which the record (and so the
    # model card) repeats
    assert (job / "validation.txt").read_text().splitlines() == [
        "# held out for validation: the last in sorted path order", *expected]
    trainer.fit()
    record = json.loads((job / "best.json").read_text())
    assert record["held_out"] == {"rule": "the last in sorted path order",
                                  "images": ["b/b14.png", "b/b15.png"]}


def test_nan_loss_stops_with_a_message_and_keeps_the_last_checkpoint(data_dir, tmp_path):
    config = TrainConfig(data_dir=str(data_dir), epochs=3, job_dir=str(tmp_path / "job"),
                         num_blocks=1, patch_size=32, patches_per_image=8, batch_size=8)
    trainer = Trainer(config, log=lambda *_: None)
    config.epochs = 1
    trainer.fit()
    config.epochs = 3
    trainer._train_step = lambda *batch: tf.constant(float("nan"))
    with pytest.raises(TrainingError, match="loss became nan at epoch 2"):
        trainer.fit()
    assert tf.train.latest_checkpoint(trainer.checkpoint_dir).endswith("ckpt-1")


def test_mirrored_strategy_with_two_cpu_replicas(data_dir, tmp_path):
    result = run(["--data-dir", str(data_dir), "--epochs", "1", "--job-dir",
                  str(tmp_path / "job"), "--strategy", "mirrored", "--cpu-replicas", "2",
                  *TINY])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 replica(s)" in result.stdout and "validation PSNR" in result.stdout


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_multiworker_with_two_local_processes(data_dir, tmp_path):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}))
        processes.append(subprocess.Popen(
            TRAIN + ["--data-dir", str(data_dir), "--epochs", "1", "--job-dir",
                     str(tmp_path / "job"), "--strategy", "multiworker", *TINY],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env))
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-2000:]
    assert "2 replica(s)" in outputs[0][0] and "validation PSNR" in outputs[0][0]
    assert (tmp_path / "job" / "best.keras").exists()


def test_sr_uses_a_div2k_lr_folder(testsets, tmp_path):
    # DIV2K layout: X_HR/0001.png with X_LR_bicubic/X2/0001x2.png beside it.
    from nsr_tf.data import degradations
    from nsr_tf.data.images import read_image, save_image
    hr_dir = tmp_path / "TOY_train_HR"
    lr_dir = tmp_path / "TOY_train_LR_bicubic" / "X2"
    hr_dir.mkdir()
    lr_dir.mkdir(parents=True)
    for index, path in enumerate(sorted(glob.glob(os.path.join(testsets, "Set5", "*")))):
        hr = read_image(path, 3)
        save_image(hr_dir / f"{index:04d}.png", hr)
        save_image(lr_dir / f"{index:04d}x2.png", degradations.bicubic_downscale(hr, 2))
    config = TrainConfig(task="sr", scale=2, data_dir=str(hr_dir), epochs=1, num_blocks=1,
                         patch_size=24, patches_per_image=4, batch_size=4,
                         job_dir=str(tmp_path / "job"))
    lines = []
    trainer = Trainer(config, log=lines.append)
    assert f"LR images from {lr_dir}" in lines
    assert len(trainer.train_lr_images) == len(trainer.train_images) == 4
    scores = trainer.fit()
    assert scores["psnr"] > 10
    (lr_dir / "0001x2.png").unlink()
    with pytest.raises(TrainingError, match="0001x2.png"):
        Trainer(config, log=lambda *_: None)


def test_x4_starts_from_x2_weights_on_several_folders(testsets, train_images, tmp_path):
    # Two folders (Set5 colour, Train400 gray read as RGB); x2 first, then x4 from it:
    # every layer but the upscaling convs starts from the x2 weights, as EDSR does.
    import keras
    folders = [os.path.join(testsets, "Set5"), train_images]
    tiny = dict(epochs=1, num_blocks=1, patch_size=24, patches_per_image=2, batch_size=4,
                variant="compact")
    x2 = TrainConfig(task="sr", scale=2, data_dir=folders, job_dir=str(tmp_path / "x2"),
                     **tiny)
    lines = []
    trainer = Trainer(x2, log=lines.append)
    assert len(trainer.train_images) + len(trainer.val_pairs) == 5 + 6
    trainer.fit()
    x4 = TrainConfig(task="sr", scale=4, data_dir=folders, job_dir=str(tmp_path / "x4"),
                     init_from=str(tmp_path / "x2" / "best.keras"), **tiny)
    lines = []
    four = Trainer(x4, log=lines.append)
    said = [line for line in lines if line.startswith("initialised")]
    assert said and said[0].endswith("tail, skip start fresh"), lines   # 3*scale^2 outputs
    source = keras.saving.load_model(tmp_path / "x2" / "best.keras")
    for name in ("head", "block0_conv1", "block0_conv2"):
        for mine, theirs in zip(four.model.get_layer(name).get_weights(),
                                source.get_layer(name).get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(TrainingError, match="--init-from"):
        Trainer(TrainConfig(**{**x4.__dict__, "job_dir": str(tmp_path / "x4b"),
                               "init_from": str(tmp_path / "missing.keras")}),
                log=lambda *_: None)


def test_a_deeper_model_starts_from_a_shallower_ones_weights_as_that_model(testsets,
                                                                            tmp_path):
    # --num-blocks 3 from a 1-block job: blocks 1 and 2 start as the identity, so the new
    # model computes what the old one did; one epoch on, their gains have moved off zero.
    folders = [os.path.join(testsets, "Set5")]
    tiny = dict(task="sr", scale=2, data_dir=folders, epochs=1, patch_size=24,
                patches_per_image=2, batch_size=4, variant="compact", precision="float32")
    Trainer(TrainConfig(num_blocks=1, job_dir=str(tmp_path / "one"), **tiny),
            log=lambda *_: None).fit()
    source, _ = model_io.load(str(tmp_path / "one" / "best.keras"))
    lines = []
    deeper = Trainer(TrainConfig(num_blocks=3, job_dir=str(tmp_path / "three"),
                                 init_from=str(tmp_path / "one" / "best.keras"), **tiny),
                     log=lines.append)
    said = next(line for line in lines if line.startswith("initialised"))
    assert "blocks 1-2" in said and "start as the identity" in said, said
    assert "block1_conv1" not in said and "start fresh" not in said, said   # said once
    x = np.random.default_rng(0).uniform(size=(1, 20, 24, 3)).astype("float32")
    np.testing.assert_allclose(deeper.model(x).numpy(), source(x).numpy(), atol=1e-6)
    assert not np.any(deeper.model.get_layer("block2_conv2").gain.numpy())
    deeper.fit()
    assert np.any(deeper.model.get_layer("block2_conv2").gain.numpy())


def test_a_colour_denoiser_trains_on_mixed_camera_and_white_noise(testsets, tmp_path):
    folder = os.path.join(testsets, "Set5")
    tiny = dict(task="denoise", sigma_range=[0, 75], epochs=1, num_blocks=1, patch_size=32,
                patches_per_image=4, batch_size=4, variant="sparse-")
    with pytest.raises(TrainingError, match="--channels 3"):
        Trainer(TrainConfig(channels=1, noise="camera", data_dir=folder,
                            job_dir=str(tmp_path / "gray"), **tiny), log=lambda *_: None)
    trainer = Trainer(TrainConfig(channels=3, noise="mix", data_dir=folder,
                                  job_dir=str(tmp_path / "rgb"), **tiny), log=lambda *_: None)
    assert trainer.model.input_shape[-1] == 4                    # RGB and the noise map
    assert trainer.fit()["psnr"] > 10
    best = json.loads((tmp_path / "rgb" / "best.json").read_text())
    assert best["config"]["noise"] == "mix" and "camera noise" in best["degradation"]


def test_a_second_run_in_a_job_folder_in_use_is_refused_in_one_line(data_dir, tmp_path):
    from nsr_tf.jobs import lock
    job = tmp_path / "job"
    job.mkdir()
    held = lock(str(job))                 # as a train.py still running there would
    result = run(["--data-dir", str(data_dir), "--job-dir", str(job), "--epochs", "1"]
                 + TINY)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"train.py: error: {job} is being trained by another process (pid {os.getpid()}): "
        f"wait for it to end, or pass another --job-dir"]
    assert not (job / "config.json").exists()
    held.close()
    done = run(["--data-dir", str(data_dir), "--job-dir", str(job), "--epochs", "1"] + TINY)
    assert done.returncode == 0, done.stderr[-2000:]
