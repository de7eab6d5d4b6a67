"""tf.data pipelines: random training patches with on-the-fly degradation, and the
deterministic validation pairs."""

import os

import numpy as np
from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

from nsr_tf.data import camera_noise, degradations

# Defaults from the paper and the authors' code (docs/design.md, The network).
DEFAULT_PATCH_SIZE = {"denoise": 64, "jpeg": 64, "sr": 48}   # SR: LR patch
DEFAULT_BATCH_SIZE = 16
DEFAULT_PATCHES_PER_IMAGE = 100
# Camera noise: the share of patches also JPEG-compressed, and the qualities drawn.
CAMERA_JPEG_SHARE = 0.5
CAMERA_JPEG_QUALITIES = (75, 98)
# make_pair's seed offsets: 0-1 augment, 7 crop, 11 level, 13-19 noise (camera_pair's
# included); the told level's jitter draws apart from all of them (the same seed would
# give the same uniform: jittered patches would all be AWGN ones).
JITTER_SEED = 101


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
    """(noisy patch, its noise level on [0, 255], its target) for "camera" and "mix":
    camera noise (sometimes JPEG-compressed) told its RMS, clipped to the trained range,
    whose target is the camera pipeline without the noise (``camera_pair``'s reference:
    mosaic, demosaic, gamma), as a real pair's ground truth is the camera's own output.
    Training it against the pre-mosaic patch taught the model to undo the demosaicking
    as well, which costs dB against real ground truth (docs/camera_denoise.md).
    "mix" draws AWGN of ``sigma`` on the clean patch for half the patches instead."""
    jpeg = tf.random.stateless_uniform((), seeds + 1) < CAMERA_JPEG_SHARE
    low, high = CAMERA_JPEG_QUALITIES
    quality = tf.random.stateless_uniform((), seeds + 2, low, high + 1, dtype=tf.int32)
    noisy, reference = camera_noise.camera_pair(clean, seeds + 3)
    noisy = tf.where(jpeg, degradations.jpeg_compress(noisy, quality), noisy)
    rms = tf.sqrt(tf.reduce_mean(tf.square(noisy - reference))) * 255.0
    low, high = degradation.sigma_range
    rms = tf.clip_by_value(rms, low, high)
    if degradation.noise == "mix":
        # seeds + 3 to + 5 are camera_pair's (levels, noise): a draw of its own
        awgn = tf.random.stateless_uniform((), seeds + 6) < 0.5
        noisy = tf.where(awgn, degradations.add_noise(clean, sigma), noisy)
        rms = tf.where(awgn, tf.cast(sigma, tf.float32), rms)
        reference = tf.where(awgn, clean, reference)
    return noisy, rms, reference


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
                degraded, level, hr_patch = _noisy_patch(hr_patch, level, degradation,
                                                         seeds + 13)
            elif degradation.task == "denoise":
                degraded = degradations.add_noise(hr_patch, level)
            else:
                degraded = degradations.jpeg_compress(hr_patch, level)
            if degradation.level_map:   # the level of this patch, given to the model
                told = degradation.told_level(level, seeds + JITTER_SEED)
                degraded = degradations.with_level_map(degraded, degradation.map_level(told))
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
