"""The custom training loop under a tf.distribute strategy (docs/design.md, The network; Runtimes: TensorFlow)."""

import contextlib
import dataclasses
import math
import os
import shutil
import signal
import tempfile
import threading
import time

import numpy as np
from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)
import keras
from tqdm import tqdm

from nsr_tf import jobs, metadata, metrics, model_io, precision
from nsr_tf.data import degradations
from nsr_tf.data import (Degradation, load_images, resolve_files, training_dataset,
                         validation_pairs)
from nsr_tf.data.images import BadImageError, read_image
from nsr_tf.data.pipeline import DEFAULT_PATCH_SIZE
from nsr_tf.data.sources import div2k_lr_folder, lr_file_for
from nsr_tf.errors import NsrError
from nsr_tf.flops import count_params, macs_per_pixel
from nsr_tf.inference import restore
from nsr_tf.jobs import default_job_dir, latest_job_dir  # noqa: F401  (re-exported)
from nsr_tf.models import build_model
from nsr_tf.models.presets import DEFAULT_CHANNELS, resolve_preset
from nsr_tf.train import grow
from nsr_tf.train.config import TrainConfig
from nsr_tf.train.progress import ProgressFile
from nsr_tf.train.strategy import is_chief, make_strategy


# the training images a job holds out for validation (in its --job-dir): a first line
# RULE_PREFIX + how they were chosen, then one absolute path a line
VALIDATION_FILE = "validation.txt"
RULE_PREFIX = "# held out for validation: "
FOLDERS_RULE = "the last of each --data-dir folder in turn"
SORTED_RULE = "the last in sorted path order"


class TrainingError(NsrError, RuntimeError):
    """Training cannot start or go on; the message says why (one line)."""


class Stopped(TrainingError):
    """SIGINT or SIGTERM stopped the run after its work so far was saved."""

    def __init__(self, message, signum):
        super().__init__(message)
        self.signum = signum


def _atomic_save_model(model, path):
    tmp = path + ".tmp.keras"
    model.save(tmp)
    os.replace(tmp, path)


def _atomic_copy(source, path):
    tmp = path + ".tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)


def _checkpoint_step(path):
    """The training step a checkpoint was saved at."""
    return int(tf.train.load_variable(path, "step/.ATTRIBUTES/VARIABLE_VALUE"))


class Trainer:
    """Builds everything for a ``TrainConfig`` and runs the remaining epochs."""

    # how often a mid-epoch checkpoint is written (seconds of training; one takes well
    # under a second for the shipped presets)
    mid_epoch_seconds = 300

    def __init__(self, config, log=print):
        self.config = config
        self.log = log
        self._stop_signal = None    # set by SIGINT / SIGTERM while fit() runs
        self.held_out, self.held_out_rule = [], None     # none with --val-dir
        config.channels = config.channels or DEFAULT_CHANNELS[config.task]
        config.patch_size = config.patch_size or DEFAULT_PATCH_SIZE[config.task]
        config.job_dir = config.job_dir or default_job_dir(config)
        self.degradation = Degradation(
            config.task, config.sigma, config.quality,
            config.scale if config.task == "sr" else 1,
            tuple(config.sigma_range) if config.sigma_range else None,
            tuple(config.quality_range) if config.quality_range else None, config.blind,
            config.noise, config.map_jitter)
        if config.noise != "awgn" and config.channels != 3:
            raise TrainingError(f"--noise {config.noise} is camera noise (a Bayer mosaic): "
                                f"it needs --channels 3")
        self.strategy = make_strategy(config.strategy, config.cpu_replicas)
        self.chief = is_chief(self.strategy)
        replicas = self.strategy.num_replicas_in_sync
        if config.batch_size % replicas:
            raise TrainingError(f"--batch-size {config.batch_size} is not divisible by the "
                                f"{replicas} replicas")
        resolve_preset(config.task, config.variant, **self._overrides())   # before any file
        self._load_data()
        self._prepare_job_dir()
        self._build()

    # ------------------------------------------------------------------ set-up
    def _load_data(self):
        c = self.config
        scale = self.degradation.output_scale
        files = resolve_files(c.data_dir, c.dataset)
        images, problems = load_images(files, c.channels, min_size=c.patch_size * scale)
        if c.val_dir:
            val_images, val_problems = load_images(resolve_files(c.val_dir), c.channels,
                                                   min_size=scale)
            problems += val_problems
        else:
            if len(images) < 2:
                raise TrainingError(f"need at least 2 good training images to hold one out "
                                    f"for validation (have {len(images)}); pass --val-dir")
            held = min(c.val_images, max(1, len(images) // 10))
            self.held_out, self.held_out_rule = self._held_out(images, held)
            val_images = {path: images.pop(path) for path in self.held_out}
        for line in problems:
            self.log(f"bad file: {line}")
        if problems and not c.skip_bad_files:
            raise TrainingError(f"{len(problems)} bad file(s), listed above; fix or remove "
                                f"them, or pass --skip-bad-files")
        if problems:
            self.log(f"skipping {len(problems)} bad file(s)")
        if not images or not val_images:
            raise TrainingError("no usable training or validation images left")
        self.train_images = list(images.values())
        self.train_lr_images = self._load_lr_images(images) if c.task == "sr" else None
        self.val_pairs = validation_pairs(val_images, self.degradation)
        self.steps_per_epoch = len(self.train_images) * c.patches_per_image // c.batch_size
        if self.steps_per_epoch < 1:
            raise TrainingError(f"{len(self.train_images)} images x {c.patches_per_image} "
                                f"patches make less than one batch of {c.batch_size}")
        # where the run is, for whoever looks from outside (run_queue.py --status)
        self.progress = ProgressFile(c.job_dir, c.epochs, self.steps_per_epoch) \
            if self.chief else None

    def _held_out(self, images, held):
        """(paths, rule): the training images held out for validation and the words for
        how they were chosen. A job keeps the ones it started with (JOB/validation.txt),
        so that its best model is always chosen on the same images. A new job takes them
        in turn from the end of each --data-dir folder, so that a run on several kinds of
        images validates on each (one folder: its last ones in sorted order). A job begun
        before validation.txt existed keeps its rule: the last ones in sorted path order,
        whichever folder they are in."""
        c = self.config
        listed = os.path.join(c.job_dir, VALIDATION_FILE)
        if os.path.exists(listed):
            with open(listed) as handle:
                lines = [line.rstrip("\n") for line in handle if line.strip()]
            rule = next((line[len(RULE_PREFIX):] for line in lines
                         if line.startswith(RULE_PREFIX)), "as listed")
            names = [line for line in lines if not line.startswith("#")]
            by_name = {os.path.abspath(path): path for path in images}
            missing = [name for name in names if name not in by_name]
            if missing:
                raise TrainingError(f"{listed}: {missing[0]} (held out for validation when "
                                    f"the job began) is not among the training images; pass "
                                    f"the --data-dir it began with, or another --job-dir")
            return [by_name[name] for name in names], rule
        if os.path.exists(os.path.join(c.job_dir, "config.json")):
            return sorted(images)[-held:], SORTED_RULE
        # the folders in --data-dir order, each sorted: as resolve_files listed them
        by_folder = {}
        for path in images:
            by_folder.setdefault(os.path.dirname(path), []).append(path)
        groups = list(by_folder.values())
        names = []
        for depth in range(1, max(map(len, groups)) + 1):
            names += [group[-depth] for group in groups if len(group) >= depth]
        return names[:held], FOLDERS_RULE

    def _load_lr_images(self, images):
        """SR: the LR images of a DIV2K-style layout (or --lr-dir), or None (on the fly)."""
        c, scale = self.config, self.degradation.output_scale
        folder = c.lr_dir or (div2k_lr_folder(c.data_dir, scale)
                              if isinstance(c.data_dir, str) else None)
        if folder is None:
            return None
        self.log(f"LR images from {folder}")
        lr_images = []
        for path, hr in images.items():
            lr_path = lr_file_for(path, folder, scale)
            try:
                lr = read_image(lr_path, c.channels)
            except BadImageError as error:
                raise TrainingError(f"{error} (the LR image of {path})") from None
            expected = tuple(n // scale for n in hr.shape[:2])
            if lr.shape[:2] != expected:
                raise TrainingError(f"{lr_path}: {lr.shape[1]}x{lr.shape[0]} is not the x{scale} "
                                    f"LR of {path} ({expected[1]}x{expected[0]} expected)")
            lr_images.append(lr)
        return lr_images

    def _prepare_job_dir(self):
        c = self.config
        os.makedirs(c.job_dir, exist_ok=True)
        # one run per folder: a second would write over the first's checkpoints
        self._job_lock = jobs.lock(c.job_dir) if self.chief else None
        path = os.path.join(c.job_dir, "config.json")
        if os.path.exists(path):
            previous = TrainConfig.load(path)
            if previous.model_key() != c.model_key():
                raise TrainingError(f"{c.job_dir} holds a different run ({previous.model_key()}"
                                    f"); pass another --job-dir")
        if self.chief:
            # the held-out list first: a job with a config.json has one (since 2026-12-05)
            listed = os.path.join(c.job_dir, VALIDATION_FILE)
            if self.held_out and not os.path.exists(listed):
                with open(listed + ".tmp", "w") as handle:
                    handle.write(RULE_PREFIX + self.held_out_rule + "\n")
                    handle.writelines(os.path.abspath(name) + "\n" for name in self.held_out)
                os.replace(listed + ".tmp", listed)
            c.save(path)
        # Non-chief workers must write their checkpoints too, to a place of their own.
        self.checkpoint_dir = os.path.join(c.job_dir, "checkpoints") if self.chief else \
            tempfile.mkdtemp(prefix="nsr_tf_worker_")

    def _overrides(self):
        """The preset fields this run changes (--num-blocks, --width-multiplier, ...)."""
        overrides = dict(self.config.model_overrides)
        if self.config.num_blocks:
            overrides["num_blocks"] = self.config.num_blocks
        return overrides

    def _build(self):
        c = self.config
        with self.strategy.scope():
            model = build_model(c.task, c.variant, channels=c.channels,
                                scale=self.degradation.output_scale if c.task == "sr"
                                else None, level_map=self.degradation.level_map,
                                **self._overrides())
            self.policy, reason = precision.choose(c.precision)
            self.log(precision.describe(self.policy, reason))
            self.model = precision.with_policy(model, self.policy)
            # The checkpoint holds the inner Adam, so that a run resumed in another
            # precision finds the same optimizer state; float16 scales the loss.
            self.optimizer = keras.optimizers.Adam(c.lr)
            self.scaled_optimizer = keras.optimizers.LossScaleOptimizer(self.optimizer) \
                if self.policy == "mixed_float16" else None
            # Built inside the scope before the first step (docs/design.md, Runtimes).
            (self.scaled_optimizer or self.optimizer).build(self.model.trainable_variables)
        # Host-side counters, outside the scope: plain variables, not mirrored ones.
        self.step = tf.Variable(0, dtype=tf.int64, name="step")
        self.epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
        # steps done of the unfinished epoch ``epoch``: non-zero in a mid-epoch checkpoint
        self.epoch_steps = tf.Variable(0, dtype=tf.int64, name="epoch_steps")
        self.best_psnr = tf.Variable(-np.inf, dtype=tf.float64, name="best_psnr")
        self.checkpoint = tf.train.Checkpoint(model=self.model, optimizer=self.optimizer,
                                              step=self.step, epoch=self.epoch,
                                              epoch_steps=self.epoch_steps,
                                              best_psnr=self.best_psnr)
        # The manager writes the data files first and then swaps the small 'checkpoint'
        # index file atomically, so a kill mid-write leaves the previous latest intact.
        self.manager = tf.train.CheckpointManager(self.checkpoint, self.checkpoint_dir,
                                                  max_to_keep=2)
        # Within an epoch, every mid_epoch_seconds: a session that ends mid-epoch loses
        # minutes, not the epoch (kept apart, so the epoch checkpoints keep their numbers).
        self.partial = tf.train.CheckpointManager(
            self.checkpoint, os.path.join(self.checkpoint_dir, "partial"), max_to_keep=1)
        latest = max((path for path in (self.manager.latest_checkpoint,
                                        self.partial.latest_checkpoint) if path),
                     key=_checkpoint_step, default=None)
        if latest:
            self.checkpoint.restore(latest).expect_partial()
            self.log(f"resuming from {latest}: epoch {int(self.epoch)} of {c.epochs} done"
                     + (f" and {int(self.epoch_steps)} steps of epoch {int(self.epoch) + 1}"
                        if int(self.epoch_steps) else "") + f", step {int(self.step)}")
        elif c.init_from:
            self._init_from(c.init_from)
        dataset = training_dataset(self.train_images, self.degradation, c.patch_size,
                                   c.batch_size, c.patches_per_image, seed=c.seed,
                                   lr_images=self.train_lr_images)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = \
            tf.data.experimental.AutoShardPolicy.DATA
        self.dataset = self.strategy.experimental_distribute_dataset(
            dataset.with_options(options))
        self.writer = tf.summary.create_file_writer(os.path.join(c.job_dir, "logs")) \
            if self.chief else tf.summary.create_noop_writer()
        self._train_step = self._make_train_step()

    def _init_from(self, path):
        """Copies the weights of the layers of ``path`` whose name and weight shapes match
        this model's; says which were left at their initialisation."""
        try:
            source, _ = model_io.load(path)
        except model_io.ModelError as error:
            raise TrainingError(f"--init-from: {error}") from None
        theirs = {layer.name: layer for layer in source.layers}
        copied, kept = 0, []
        for layer in self.model.layers:
            if not layer.weights:
                continue
            other = theirs.get(layer.name)
            shapes = [tuple(w.shape) for w in layer.weights]
            if other is not None and [tuple(w.shape) for w in other.weights] == shapes:
                layer.set_weights(other.get_weights())
                copied += 1
            else:
                kept.append(layer.name)
        if not copied:
            raise TrainingError(f"--init-from {path}: no layer matches this model")
        added = grow.identity_blocks(self.model, theirs)
        widened = grow.widen_blocks(self.model, theirs,
                                    np.random.default_rng(self.config.seed))
        # the widened and the added blocks are said below, not as "start fresh"
        done = {f"block{block}_conv{i}" for block in [w[0] for w in widened] + added
                for i in (1, 2)}
        kept = [name for name in kept if name not in done]
        self.log(f"initialised {copied} layers from {path}"
                 + (f"; blocks {widened[0][0]}-{widened[-1][0]} widened inside from "
                    f"{widened[0][1]} to {widened[0][2]} channels (Net2Net: the same "
                    f"function, each copy's share unequal)" if widened else "")
                 + (f"; {', '.join(kept)} start fresh" if kept else "")
                 + (f"; blocks {added[0]}-{added[-1]}, which {path} does not have, start "
                    f"as the identity (their first conv fresh, their second conv's gain "
                    f"zero)" if added else ""))

    def _make_train_step(self, jit_compile=False):
        """The distributed training step. ``jit_compile``: the replica's step through XLA
        (on CPU it is slower, not faster: docs/jit_speed.md; train.py does not use it)."""
        model = self.model
        optimizer = self.scaled_optimizer or self.optimizer
        global_batch = self.config.batch_size

        def replica_step(degraded, clean):
            with tf.GradientTape() as tape:
                # float32 output under every policy (nsr_tf.precision), so the loss is too
                restored = tf.cast(model(degraded, training=True), tf.float32)
                per_sample = tf.reduce_mean(tf.abs(restored - clean), axis=(1, 2, 3))
                # L1, averaged over the global batch (each replica holds a slice of it)
                loss = tf.nn.compute_average_loss(per_sample, global_batch_size=global_batch)
                scaled = optimizer.scale_loss(loss) if self.scaled_optimizer else loss
            grads = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        if jit_compile:
            replica_step = tf.function(replica_step, jit_compile=True)

        @tf.function
        def train_step(degraded, clean):
            losses = self.strategy.run(replica_step, (degraded, clean))
            return self.strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

        return train_step

    # -------------------------------------------------------------------- loop
    def describe(self):
        c = self.config
        return (f"{c.task} ({self.degradation.describe()}), {c.variant}: "
                f"{count_params(self.model):,} params, "
                f"{macs_per_pixel(self.model, c.patch_size) / 1e6:.3f} M MACs/pixel; "
                f"{len(self.train_images)} training images, {len(self.val_pairs)} for "
                f"validation; {self.steps_per_epoch} steps/epoch of {c.batch_size} "
                f"{c.patch_size}px patches; {self.strategy.num_replicas_in_sync} replica(s); "
                f"job dir {c.job_dir}")

    def fit(self):
        """Trains to the last epoch; returns the last validation scores (None when there
        was nothing left to do). Lets go of the job folder at the end."""
        try:
            with self._saving_on_signals():
                return self._fit()
        finally:
            if self._job_lock is not None:
                self._job_lock.close()
                self._job_lock = None

    @contextlib.contextmanager
    def _saving_on_signals(self):
        """While training, SIGINT (Ctrl-C) and SIGTERM (``kill``, a machine shutting down)
        ask the run to stop after the current step, once that step is in a checkpoint;
        a second Ctrl-C stops at once. Python runs signal handlers on the main thread only,
        and a MultiWorkerMirroredStrategy checkpoint needs every worker to save together,
        which one worker's signal cannot arrange: there, the signals keep their default."""
        self._stop_signal = None
        multiworker = isinstance(self.strategy, tf.distribute.MultiWorkerMirroredStrategy)
        if multiworker or threading.current_thread() is not threading.main_thread():
            yield
            return

        def ask_to_stop(signum, frame):
            self._stop_signal = signum
            # the second Ctrl-C is Python's own KeyboardInterrupt
            signal.signal(signal.SIGINT, signal.default_int_handler)

        previous = {signum: signal.signal(signum, ask_to_stop)
                    for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _stop_if_asked(self, where):
        if self._stop_signal is not None:
            raise Stopped(f"stopped by {signal.Signals(self._stop_signal).name} {where}, "
                          f"saved in {self.checkpoint_dir}; rerun the same command to "
                          f"resume", self._stop_signal)

    def _fit(self):
        c = self.config
        self.log(self.describe())
        result = None
        for epoch in range(int(self.epoch), c.epochs):
            lr = c.learning_rate(epoch)
            self.optimizer.learning_rate.assign(lr)
            loss, rate = self._train_epoch(epoch, lr)
            scores = self.validate()
            self.epoch.assign(epoch + 1)
            improved = scores["psnr"] > float(self.best_psnr)
            if improved:
                self.best_psnr.assign(scores["psnr"])
            self.manager.save(checkpoint_number=epoch + 1)
            if self.chief:
                self._export(epoch + 1, scores, "last")
                if improved:        # the same files: copied, not saved and counted again
                    for suffix in (".keras", ".json"):
                        _atomic_copy(os.path.join(c.job_dir, "last" + suffix),
                                     os.path.join(c.job_dir, "best" + suffix))
                self._summaries(epoch + 1, loss, lr, rate, scores)
            self.log(f"epoch {epoch + 1}/{c.epochs}: loss {loss:.5f}, val PSNR "
                     f"{scores['psnr']:.2f} dB, SSIM {scores['ssim']:.4f} (input "
                     f"{scores['input_psnr']:.2f} dB), best {float(self.best_psnr):.2f} dB")
            result = scores
            if epoch + 1 < c.epochs:
                self._stop_if_asked(f"after epoch {epoch + 1}")
        return result

    def _train_epoch(self, epoch, lr):
        c = self.config
        done = int(self.epoch_steps)    # a resumed mid-epoch checkpoint's steps
        total, start = 0.0, time.perf_counter()
        saved = start
        bar = tqdm(total=self.steps_per_epoch, initial=done,
                   desc=f"epoch {epoch + 1}/{c.epochs}", unit="step",
                   disable=not self.chief, mininterval=1.0, dynamic_ncols=True)
        steps = 0
        for degraded, clean in self.dataset:
            if done + steps >= self.steps_per_epoch:
                break
            if c.lr_schedule != "step":     # the step schedule is set once per epoch
                lr = c.learning_rate(epoch, (done + steps) / self.steps_per_epoch)
                self.optimizer.learning_rate.assign(lr)
            loss = float(self._train_step(degraded, clean))
            if not math.isfinite(loss):
                bar.close()
                raise TrainingError(f"loss became {loss} at epoch {epoch + 1}, step "
                                    f"{int(self.step) + 1}; stopped. The last good checkpoint "
                                    f"stays in {self.checkpoint_dir} (try a lower --lr)")
            self.step.assign_add(1)
            steps += 1
            total += loss
            rate = steps * c.batch_size / (time.perf_counter() - start)
            bar.set_postfix(loss=f"{total / steps:.4f}", patches_per_s=f"{rate:.0f}",
                            lr=f"{lr:.1e}", refresh=False)
            bar.update(1)
            if self.progress is not None:
                self.progress.update(self.step, epoch, done + steps,
                                     steps / (time.perf_counter() - start),
                                     force=done + steps == self.steps_per_epoch)
            stopping = self._stop_signal is not None
            if stopping or time.perf_counter() - saved > self.mid_epoch_seconds:
                self.epoch_steps.assign(done + steps)
                self.partial.save(checkpoint_number=int(self.step))
                saved = time.perf_counter()
            if stopping:
                bar.close()
                self._stop_if_asked(f"at step {done + steps} of epoch {epoch + 1}")
        bar.close()
        self.epoch_steps.assign(0)
        return total / max(steps, 1), steps * c.batch_size / (time.perf_counter() - start)

    def validate(self):
        """PSNR/SSIM of the tiled model on the validation pairs (the paper's protocol)."""
        c, scale = self.config, self.degradation.output_scale
        shave = scale if c.task == "sr" else 0
        y_channel = c.task == "sr"
        scores = {"psnr": [], "ssim": [], "input_psnr": []}
        self.samples = []
        for name, degraded, clean in self.val_pairs:
            restored = restore(self.model, self.degradation.model_input(degraded),
                               tile_size=c.patch_size,
                               overlap=c.patch_size // 4, scale=scale,
                               precision=self.policy)
            scores["psnr"].append(metrics.psnr(clean, restored, shave, y_channel))
            scores["ssim"].append(metrics.ssim(clean, restored, shave, y_channel))
            baseline = degraded if scale == 1 else \
                degradations.quantize(degradations.imresize(degraded, scale))
            scores["input_psnr"].append(metrics.psnr(clean, baseline, shave, y_channel))
            if len(self.samples) < 3:
                self.samples.append((name, np.clip(baseline, 0, 1), np.clip(restored, 0, 1),
                                     clean))
        return {k: float(np.mean(v)) for k, v in scores.items()}

    def _export(self, epoch, scores, name):
        """``NAME.keras`` and ``NAME.json`` in the job folder: the model as it is now and
        its record (best: the best validation PSNR so far; last: the last epoch's)."""
        c = self.config
        # Saved in float32: loadable by any run, restore() and the export.
        _atomic_save_model(precision.with_policy(self.model, "float32"),
                           os.path.join(c.job_dir, f"{name}.keras"))
        metadata.write(metadata.TrainingRecord(
            config=dataclasses.asdict(c), epoch=epoch, step=int(self.step), validation=scores,
            params=count_params(self.model),
            macs_per_pixel=macs_per_pixel(self.model, c.patch_size),
            degradation=self.degradation.describe(), tile_size=c.patch_size,
            overlap=c.patch_size // 4, precision=self.policy,
            extra={"held_out": self._held_out_record()} if self.held_out else {}),
            os.path.join(c.job_dir, f"{name}.json"))

    def _held_out_record(self):
        """The record's (and model card's) note of the validation images: FOLDER/NAME."""
        return {"rule": self.held_out_rule,
                "images": [os.path.join(os.path.basename(os.path.dirname(path)),
                                        os.path.basename(path)) for path in self.held_out]}

    def _summaries(self, epoch, loss, lr, rate, scores):
        with self.writer.as_default(step=epoch):
            tf.summary.scalar("loss", loss)
            tf.summary.scalar("lr", lr)
            tf.summary.scalar("patches_per_s", rate)
            tf.summary.scalar("val_psnr", scores["psnr"])
            tf.summary.scalar("val_ssim", scores["ssim"])
            for name, degraded, restored, clean in self.samples:
                row = np.concatenate([degraded, restored, clean], axis=1)
                tf.summary.image(f"val/{name} (input | output | target)", row[None])
        self.writer.flush()
