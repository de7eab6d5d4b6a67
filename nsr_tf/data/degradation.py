"""What a restoration network learns to undo: a noise level, a JPEG quality or an
upscaling factor (or a range of them, told as a level map), and how one clean evaluation
image is degraded. A domain type without the tf.data machinery (``nsr_tf.data.pipeline``
draws training patches from it)."""

import dataclasses

from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

from nsr_tf.data import degradations
from nsr_tf.errors import UsageError

NOISES = ("awgn", "camera", "mix")
# A map-jittered patch is told its level times a factor drawn from [1 - s, 1 + s]: the
# card's wrong-slider rows are sigma 25 told 15 / 35 (x0.6 / x1.4) and quality 20 told 10
# (x0.5), so s = 0.5 spans them (docs/generalisation.md).
MAP_JITTER_SPREAD = 0.5


@dataclasses.dataclass(frozen=True)
class Degradation:
    """What the network learns to undo."""
    task: str
    sigma: float = 25.0
    quality: int = 10
    scale: int = 1
    # One model for a range of degradations: sigma (denoise) or quality (JPEG) drawn per
    # training patch from [low, high]; the model is fed the level as a map channel
    # (``degradations.with_level_map``) unless ``blind``. Evaluation uses sigma/quality.
    sigma_range: tuple | None = None
    quality_range: tuple | None = None
    blind: bool = False
    # denoise training noise: "awgn", "camera" (nsr_tf.data.camera_noise: Poisson-Gaussian
    # through mosaic, demosaic, gamma and sometimes JPEG; RGB, with a noise map told the
    # noise's RMS) or "mix" (each patch one or the other). Evaluation is AWGN.
    noise: str = "awgn"
    # level-map models: the share of training patches told a wrong level (the true one
    # times a factor within MAP_JITTER_SPREAD, clipped to the range), the target still the
    # clean patch: the model learns to weigh the map against the image, as a user's slider
    # is not always right. 0 (default): every patch is told its true level.
    map_jitter: float = 0.0

    def __post_init__(self):
        if self.task not in ("denoise", "jpeg", "sr"):
            raise UsageError(f"task must be denoise, jpeg or sr, got {self.task!r}")
        if self.task == "denoise" and not self.sigma > 0:
            raise UsageError(f"--sigma must be > 0, got {self.sigma}")
        if self.task == "jpeg" and not 1 <= self.quality <= 100:
            raise UsageError(f"--quality must be in 1..100, got {self.quality}")
        if self.task == "sr" and self.scale not in (2, 3, 4):
            raise UsageError(f"--scale must be 2, 3 or 4, got {self.scale}")
        if self.sigma_range is not None:
            low, high = self.sigma_range
            if self.task != "denoise" or not 0 <= low < high:
                raise UsageError(f"--sigma-range needs --task denoise and 0 <= LOW < HIGH, "
                                 f"got {low:g} {high:g}")
            object.__setattr__(self, "sigma_range", (float(low), float(high)))
        if self.quality_range is not None:
            low, high = self.quality_range
            if self.task != "jpeg" or not 1 <= low < high <= 100 or low != int(low) \
                    or high != int(high):
                raise UsageError(f"--quality-range needs --task jpeg and whole numbers "
                                 f"1 <= LOW < HIGH <= 100, got {low:g} {high:g}")
            object.__setattr__(self, "quality_range", (int(low), int(high)))
        if self.noise not in NOISES:
            raise UsageError(f"--noise must be one of {NOISES}, got {self.noise!r}")
        if self.noise != "awgn" and (self.task != "denoise" or self.sigma_range is None):
            raise UsageError(f"--noise {self.noise} needs --task denoise with --sigma-range "
                             f"(the model is told each patch's noise RMS)")
        if self.blind and self.level_range is None:
            raise UsageError("--blind needs --sigma-range or --quality-range")
        if not 0 <= self.map_jitter <= 1:
            raise UsageError(f"--map-jitter must be a share in [0, 1], got {self.map_jitter:g}")
        if self.map_jitter and not self.level_map:
            raise UsageError("--map-jitter needs a level map: --sigma-range or "
                             "--quality-range without --blind")

    @property
    def level_range(self):
        """The (low, high) sigma or quality trained on, or None for one level."""
        return self.sigma_range if self.task == "denoise" else \
            self.quality_range if self.task == "jpeg" else None

    @property
    def level_map(self):
        """Whether the model takes the level (sigma / 255 or quality / 100) as an extra
        input channel."""
        return self.level_range is not None and not self.blind

    def map_level(self, level=None):
        """The map value for sigma or quality ``level`` (default: this one's)."""
        if self.task == "denoise":
            return (self.sigma if level is None else level) / 255.0
        return (self.quality if level is None else level) / 100.0

    def model_input(self, degraded, level=None):
        """What the model is fed for ``degraded``: itself, or with the level map of
        ``level`` (default: this degradation's sigma or quality) for a level-map model."""
        if not self.level_map:
            return degraded
        return degradations.with_level_map(degraded, self.map_level(level))

    def told_level(self, level, seed):
        """The level a training patch of true ``level`` is told (tf, stateless from
        ``seed``): ``level`` itself, or for a ``map_jitter`` share of patches the level
        times a factor in [1 - MAP_JITTER_SPREAD, 1 + MAP_JITTER_SPREAD], clipped to the
        trained range."""
        level = tf.cast(level, tf.float32)
        if not self.map_jitter:
            return level
        jittered = tf.random.stateless_uniform((), seed) < self.map_jitter
        factor = tf.random.stateless_uniform((), seed + 1, 1 - MAP_JITTER_SPREAD,
                                             1 + MAP_JITTER_SPREAD)
        low, high = self.level_range
        return tf.where(jittered, tf.clip_by_value(level * factor, low, high), level)

    @property
    def output_scale(self):
        return self.scale if self.task == "sr" else 1

    def describe(self):
        if self.level_range is not None:
            low, high = self.level_range
            told = "blind" if self.blind else "noise map" if self.task == "denoise" \
                else "quality map"
            what = f"AWGN sigma {self.sigma:g}" if self.task == "denoise" else \
                f"JPEG quality {self.quality}"
            if self.noise != "awgn":
                told += {"camera": ", camera noise", "mix": ", AWGN and camera noise"}[
                    self.noise]
            if self.map_jitter:
                told += f", {self.map_jitter:.0%} of patches told a level off by up to " \
                        f"{MAP_JITTER_SPREAD:.0%}"
            return f"{what} ({told}; trained on {low:g}-{high:g})"
        return {"denoise": f"AWGN sigma {self.sigma:g}", "jpeg": f"JPEG quality {self.quality}",
                "sr": f"bicubic x{self.scale}"}[self.task]

    def degrade_file(self, image, path):
        """The evaluation input of one clean image: deterministic (numpy)."""
        if self.task == "denoise":
            return degradations.add_noise_for_file(image, self.sigma, path)
        if self.task == "jpeg":
            return degradations.jpeg_compress(tf.constant(image), self.quality).numpy()
        return degradations.bicubic_downscale(image, self.scale)

    def target_of(self, image):
        """The clean target matching ``degrade_file`` (SR: cropped to the scale)."""
        return degradations.modcrop(image, self.scale) if self.task == "sr" else image
