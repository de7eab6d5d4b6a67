"""tf.data pipelines: random training patches with on-the-fly degradation, and the
deterministic validation pairs."""

import dataclasses
import os

import numpy as np
import nsr_tf.tf_quiet  # noqa: F401  (first: TensorFlow without its chatter)
import tensorflow as tf

from nsr_tf.data import degradations
from nsr_tf.errors import UsageError

# Defaults from the paper and the authors' code (docs/design.md, The network).
DEFAULT_PATCH_SIZE = {"denoise": 64, "jpeg": 64, "sr": 48}   # SR: LR patch
DEFAULT_BATCH_SIZE = 16
DEFAULT_PATCHES_PER_IMAGE = 100
NOISES = ("awgn", "camera", "mix")
# Camera noise: the share of patches also JPEG-compressed, and the qualities drawn.
CAMERA_JPEG_SHARE = 0.5
CAMERA_JPEG_QUALITIES = (75, 98)


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


class PatchBank:
    """Decoded images held in memory as one flat integer tensor (exact for 8- and 16-bit
    sources) with per-image offsets and shapes, so a tf.data map can cut a patch from any
    image without Python."""

    def __init__(self, images):
        # 8-bit sources are stored as uint8 (half the memory), others as uint16.
        eight_bit = all(np.allclose(im * 255.0, np.round(im * 255.0), atol=1e-4)
                        for im in images)
        self.peak, dtype = (255.0, np.uint8) if eight_bit else (65535.0, np.uint16)
        flat = np.concatenate([np.round(im.astype(np.float64) * self.peak).astype(dtype)
                               .ravel() for im in images])
        self.flat = tf.constant(flat)
        sizes = [im.size for im in images]
        self.offsets = tf.constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]), tf.int64)
        self.shapes = tf.constant([im.shape for im in images], tf.int64)
        self.channels = images[0].shape[-1]

    def __len__(self):
        return int(self.shapes.shape[0])

    def image(self, index):
        shape = self.shapes[index]
        size = tf.reduce_prod(shape)
        pixels = self.flat[self.offsets[index]:self.offsets[index] + size]
        image = tf.reshape(pixels, shape)
        return tf.cast(image, tf.float32) / self.peak


def _augment(patches, seed):
    """The same random flip and 90-degree rotation for every patch of a pair."""
    flip = tf.random.stateless_uniform((), seed, maxval=2, dtype=tf.int32)
    turns = tf.random.stateless_uniform((), seed + 1, maxval=4, dtype=tf.int32)
    out = []
    for patch in patches:
        patch = tf.cond(flip > 0, lambda p=patch: tf.image.flip_left_right(p),
                        lambda p=patch: p)
        out.append(tf.image.rot90(patch, turns))
    return out


def _draw_level(degradation, seed):
    """The sigma (float) or JPEG quality (int32) of one training patch: fixed, or uniform
    over the degradation's range (both ends included for quality)."""
    if degradation.level_range is None:
        return degradation.sigma if degradation.task == "denoise" else degradation.quality
    low, high = degradation.level_range
    if degradation.task == "denoise":
        return tf.random.stateless_uniform((), seed, low, high)
    return tf.random.stateless_uniform((), seed, low, high + 1, dtype=tf.int32)


def _noisy_patch(clean, sigma, degradation, seeds):
    """(noisy patch, its noise level on [0, 255]) for "camera" and "mix": camera noise
    (sometimes JPEG-compressed) told its RMS, clipped to the trained range; "mix" draws
    AWGN of ``sigma`` for half the patches instead."""
    from nsr_tf.data import camera_noise
    jpeg = tf.random.stateless_uniform((), seeds + 1) < CAMERA_JPEG_SHARE
    low, high = CAMERA_JPEG_QUALITIES
    quality = tf.random.stateless_uniform((), seeds + 2, low, high + 1, dtype=tf.int32)
    noisy, reference = camera_noise.camera_pair(clean, seeds + 3)
    noisy = tf.where(jpeg, degradations.jpeg_compress(noisy, quality), noisy)
    rms = tf.sqrt(tf.reduce_mean(tf.square(noisy - reference))) * 255.0
    low, high = degradation.sigma_range
    rms = tf.clip_by_value(rms, low, high)
    if degradation.noise == "mix":
        awgn = tf.random.stateless_uniform((), seeds + 4) < 0.5
        noisy = tf.where(awgn, degradations.add_noise(clean, sigma), noisy)
        rms = tf.where(awgn, tf.cast(sigma, tf.float32), rms)
    return noisy, rms


def training_dataset(images, degradation, patch_size, batch_size,
                     patches_per_image=DEFAULT_PATCHES_PER_IMAGE, seed=0, lr_images=None):
    """Batches of (degraded, clean) random patches; one pass = one epoch.

    ``images``: clean float (H, W, C) arrays in [0, 1], each at least ``patch_size``
    (times the scale for SR). For SR, LR/HR patches are cut at matching positions from
    ``lr_images`` (e.g. DIV2K's bicubic LR folder) or, without them, from LR images
    computed once with MATLAB bicubic; ``patch_size`` is the LR patch.
    """
    scale = degradation.output_scale
    hr_bank = PatchBank([degradations.modcrop(im, scale) for im in images])
    if degradation.task != "sr":
        lr_bank = hr_bank
    else:
        if lr_images is None:
            lr_images = [degradations.bicubic_downscale(im, scale) for im in images]
        lr_bank = PatchBank(lr_images)
    channels = hr_bank.channels
    count = len(hr_bank) * patches_per_image

    def make_pair(index, draw):
        # Stateless randomness from (seed, index) alone would repeat patches every epoch;
        # ``draw`` comes from a random stream that is new each epoch (and set by ``seed``,
        # not by the global TensorFlow seed, which is left alone).
        seeds = tf.stack([draw % (2 ** 31 - 1), index])
        image_index = index % len(hr_bank)
        lr = lr_bank.image(image_index)
        shape = tf.shape(lr)
        y = tf.random.stateless_uniform((), seeds, maxval=shape[0] - patch_size + 1,
                                        dtype=tf.int32)
        x = tf.random.stateless_uniform((), seeds + 7, maxval=shape[1] - patch_size + 1,
                                        dtype=tf.int32)
        lr_patch = lr[y:y + patch_size, x:x + patch_size]
        if degradation.task == "sr":
            hr = hr_bank.image(image_index)
            hr_patch = hr[y * scale:(y + patch_size) * scale, x * scale:(x + patch_size) * scale]
            lr_patch, hr_patch = _augment([lr_patch, hr_patch], seeds)
            degraded = lr_patch
        else:
            (hr_patch,) = _augment([lr_patch], seeds)
            hr_patch = tf.ensure_shape(hr_patch, (patch_size, patch_size, channels))
            level = _draw_level(degradation, seeds + 11)
            if degradation.task == "denoise" and degradation.noise != "awgn":
                degraded, level = _noisy_patch(hr_patch, level, degradation, seeds + 13)
            elif degradation.task == "denoise":
                degraded = degradations.add_noise(hr_patch, level)
            else:
                degraded = degradations.jpeg_compress(hr_patch, level)
            if degradation.level_map:   # the level of this patch, given to the model
                degraded = degradations.with_level_map(
                    degraded, degradation.map_level(tf.cast(level, tf.float32)))
        degraded = tf.ensure_shape(degraded, (patch_size, patch_size,
                                              channels + degradation.level_map))
        hr_patch = tf.ensure_shape(hr_patch, (patch_size * scale, patch_size * scale, channels))
        return degraded, hr_patch

    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    dataset = tf.data.Dataset.zip(
        tf.data.Dataset.range(count).shuffle(count, seed=seed, reshuffle_each_iteration=True),
        draws)
    dataset = dataset.map(make_pair, num_parallel_calls=tf.data.AUTOTUNE,
                          deterministic=False)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def validation_pairs(images, degradation):
    """[(name, degraded, clean)] for ``images`` (a dict path -> clean array), degraded
    deterministically per file."""
    return [(os.path.basename(path), degradation.degrade_file(image, path),
             degradation.target_of(image)) for path, image in images.items()]
