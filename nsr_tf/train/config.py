"""The configuration of a training run, saved beside its checkpoints."""

import dataclasses
import json
import math
import os

PAPER_EPOCHS = 30
PAPER_MILESTONES = (20, 25)   # x0.2 at each (paper section 4.1)
LR_DECAY = 0.2
# "step": the paper's drops at its milestones; "cosine": per step, half a cosine from the
# lr down to COSINE_FLOOR times it at the last step (issue 34: schedules for long runs)
LR_SCHEDULES = ("step", "cosine")
COSINE_FLOOR = 0.01


@dataclasses.dataclass
class TrainConfig:
    task: str = "denoise"
    variant: str = "sparse+"
    sigma: float = 25.0
    # denoise: [low, high] to train one noise-level-conditioned model (the noise level
    # map as an extra input channel, sigma drawn per patch); validation uses ``sigma``.
    sigma_range: list | None = None
    quality: int = 10
    # jpeg: [low, high] likewise, the quality map (quality / 100) as the extra channel
    quality_range: list | None = None
    # with a range: draw the level per patch but do not tell the model (no map channel)
    blind: bool = False
    # denoise: "awgn", "camera" or "mix" (nsr_tf.data.degradation.Degradation.noise)
    noise: str = "awgn"
    # level-map models: the share of patches told a wrong level (Degradation.map_jitter);
    # a training choice, not the network's, so a resumed run may change it
    map_jitter: float = 0.0
    scale: int = 2
    channels: int | None = None
    num_blocks: int | None = None
    # any other Preset field (gate, temperature, sparsity_groups, cardinality,
    # width_multiplier, filters): for ablations
    model_overrides: dict = dataclasses.field(default_factory=dict)
    data_dir: str | list | None = None   # one folder or several
    dataset: str = "samples"
    val_dir: str | None = None
    lr_dir: str | None = None
    epochs: int = PAPER_EPOCHS
    patches_per_image: int = 100
    batch_size: int = 16
    patch_size: int | None = None
    lr: float = 1e-3
    # one of LR_SCHEDULES; a training choice, so a resumed run may change it
    lr_schedule: str = "step"
    job_dir: str | None = None
    strategy: str = "auto"
    cpu_replicas: int = 0
    skip_bad_files: bool = False
    seed: int = 0
    # a trained .keras model whose weights start this run where layer names and shapes
    # match (e.g. x4 from x2, as EDSR does: everything but the upscaling tail); only
    # when the run starts, not when it resumes
    init_from: str | None = None
    val_images: int = 4
    # auto: bfloat16 on CPUs with AMX/AVX512-BF16, float16 on GPUs with tensor cores,
    # else float32 (nsr_tf.precision). Not part of model_key: a resumed run may change it.
    precision: str = "auto"

    def milestones(self):
        """Epochs after which the lr drops x0.2: 20 and 25 of 30, scaled to ``epochs``."""
        return tuple(round(m * self.epochs / PAPER_EPOCHS) for m in PAPER_MILESTONES)

    def learning_rate(self, epoch, progress=0.0):
        """The lr during 0-based ``epoch``, ``progress`` (0-1) of the way through it (the
        step schedule is constant within an epoch; cosine moves every step)."""
        if self.lr_schedule == "cosine":
            done = min((epoch + progress) / self.epochs, 1.0)
            return self.lr * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5
                              * (1 + math.cos(math.pi * done)))
        return self.lr * LR_DECAY ** sum(epoch >= m for m in self.milestones())

    def schedule_words(self):
        """The lr schedule in a card's words ("x0.2 after epochs 4 and 5")."""
        if self.lr_schedule == "cosine":
            return f"cosine decay per step to {COSINE_FLOOR:g}x at the last step"
        drops = self.milestones()
        if len(set(drops)) == 1:
            return f"x{LR_DECAY ** len(drops):g} after epoch {drops[0]}"
        return f"x{LR_DECAY:g} after epochs " + " and ".join(str(m) for m in drops)

    def model_key(self):
        """What must match to resume: the network and what it learns."""
        return {k: getattr(self, k) for k in ("task", "variant", "sigma", "sigma_range",
                                              "quality", "quality_range", "blind", "noise", "scale", "channels", "num_blocks",
                                              "model_overrides")}

    def save(self, path):
        tmp = path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(dataclasses.asdict(self), handle, indent=2)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path):
        with open(path) as handle:
            return cls(**json.load(handle))
