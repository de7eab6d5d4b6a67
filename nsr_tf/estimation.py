"""What a degraded photo does not say out loud: its noise level and its JPEG quality.

``estimate_sigma``: the Gaussian noise level of an image, by scikit-image's wavelet-based
estimator (Donoho's MAD of the finest diagonal wavelet coefficients), a maintained
implementation rather than our own. ``estimate_noise_rms`` and ``estimate_flat_rms``:
camera noise, which is spatially correlated (demosaicking, JPEG) where the wavelet
estimator assumes white noise; ``estimate_camera_noise`` picks between them by whether the
photo was JPEG-compressed. These two are our own (scikit-image has only the white-noise
estimator), kept simple enough for the app's Java twins. ``jpeg_quality``: the IJG
(libjpeg) quality whose luminance quantization table is closest to the one stored in a
JPEG file.
"""

import numpy as np
from PIL import Image

# The IJG base luminance quantization table (ITU-T T.81 Annex K, table K.1), row-major:
# Pillow reports a file's tables in this (natural) order.
IJG_LUMINANCE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99], np.int64)


def ijg_table(quality):
    """The luminance table libjpeg writes for ``quality`` (1-100, baseline)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((IJG_LUMINANCE * scale + 50) // 100, 1, 255)


def jpeg_quality(path):
    """(quality, exact) of a JPEG file: the IJG quality whose luminance table is closest
    to the file's (mean absolute difference), and whether it matches exactly (a libjpeg
    or Pillow file; other encoders give the nearest equivalent). None for a file that is
    not a JPEG."""
    with Image.open(path) as image:
        tables = getattr(image, "quantization", None)
        if image.format != "JPEG" or not tables:
            return None
    luminance = np.asarray(tables[min(tables)], np.int64)
    errors = [np.abs(ijg_table(q) - luminance).mean() for q in range(1, 101)]
    best = int(np.argmin(errors))
    return best + 1, bool(errors[best] == 0)


def estimate_sigma(image):
    """The noise standard deviation of ``image`` (float, [0, 1] scale, (H, W) or (H, W, C))
    on the [0, 255] scale, as the denoisers' ``sigma``: scikit-image's
    ``estimate_sigma``, averaged over the channels."""
    # scikit-image takes about a second to import; only the white-noise estimate needs it
    from skimage.restoration import estimate_sigma as wavelet_sigma
    image = np.asarray(image, np.float64)
    channel_axis = -1 if image.ndim == 3 else None
    return float(wavelet_sigma(image, channel_axis=channel_axis, average_sigmas=True)
                 * 255.0)


def estimate_noise_rms(image):
    """The noise RMS of a photo on the [0, 255] scale, for noise that is spatially
    correlated (demosaicked, JPEG-compressed camera noise) as well as white: the wavelet
    estimator on the image averaged over 2x2 blocks, times 2. White noise of sigma gives
    sigma/2 there (so the estimate stays sigma); correlated noise loses much less to the
    averaging than it hides from the finest wavelet band, which reads real camera noise
    at about a third of its RMS (measured: docs/camera_noise.md, by
    benchmarks/experiments/camera_noise.py). Coarser, it is more sensitive to fine texture."""
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        image = image[..., None]
    height, width = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    if min(height, width) < 16:
        return estimate_sigma(image)
    binned = image[:height, :width].reshape(height // 2, 2, width // 2, 2, -1).mean(axis=(1, 3))
    return 2.0 * estimate_sigma(binned if binned.shape[-1] > 1 else binned[..., 0])


# The flat-patch estimator: 8x8 patches, each one's variance about its least-squares plane
# (64 - 3 degrees of freedom), the 5th percentile of those over the image.
FLAT_PATCH = 8
FLAT_QUANTILE = 0.05
# What that percentile reads on white Gaussian noise of variance 1: the 5th percentile of
# chi-square with 61 degrees of freedom, over 61 (scipy.stats.chi2.ppf(0.05, 61) / 61; a
# test checks it against scipy). The Java twin (Levels.FLAT_BIAS) holds the same number.
FLAT_BIAS = 0.7219323627361429
# Fewer unclipped patches than this and the percentile says little: estimate_noise_rms.
FLAT_MIN_PATCHES = 64


def estimate_flat_rms(image):
    """The noise RMS of a photo that was not JPEG-compressed, on the [0, 255] scale: the
    flattest parts of a photo hold its noise and little else. Every 8x8 patch of every
    channel (patches with a clipped pixel, 0 or 1, left out: a blown-out sky holds no
    noise) is fitted with a plane by least squares; the 5th percentile of the residual
    variances, divided by what that percentile reads on white Gaussian noise
    (``FLAT_BIAS``), is the noise variance. It reads white noise at about its sigma
    (x1.03 at sigma 25, x1.17 at 5 on Kodak24) and uncompressed camera noise at about its
    RMS (x1.03), where the binned estimator takes fine texture for noise and reads it at
    about twice (x1.85); JPEG flattens the flat patches' noise first, so it reads
    JPEG-compressed noise low (x0.51 at q95; docs/camera_noise.md). Fewer than 64
    unclipped patches: ``estimate_noise_rms``."""
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        image = image[..., None]
    size = FLAT_PATCH
    height, width = image.shape[0] // size * size, image.shape[1] // size * size
    ramp = np.arange(size) - (size - 1) / 2.0          # centred: the plane's terms are
    norm = size * float(ramp @ ramp)                   # orthogonal, fitted one by one
    variances = []
    for channel in range(image.shape[-1]):              # one channel at a time: memory
        patches = image[:height, :width, channel].reshape(
            height // size, size, width // size, size).transpose(0, 2, 1, 3)
        patches = patches.reshape(-1, size, size)
        patches = patches[~((patches <= 0) | (patches >= 1)).any(axis=(1, 2))]
        residual = patches - patches.mean(axis=(1, 2), keepdims=True)
        residual -= ramp[:, None] * (np.einsum("nyx,y->n", patches, ramp) / norm)[:, None, None]
        residual -= ramp * (np.einsum("nyx,x->n", patches, ramp) / norm)[:, None, None]
        variances.append((residual ** 2).sum(axis=(1, 2)) / (size * size - 3))
    variances = np.concatenate(variances)
    if len(variances) < FLAT_MIN_PATCHES:
        return estimate_noise_rms(image)
    return float(np.sqrt(np.quantile(variances, FLAT_QUANTILE) / FLAT_BIAS) * 255.0)


def estimate_camera_noise(image, jpeg=False):
    """The noise RMS of a photo with camera noise (or white), as the denoisers trained on
    camera noise are told it: the binned estimator (``estimate_noise_rms``) on a photo
    that was JPEG-compressed (``jpeg``: decoded from a JPEG file, or showing a JPEG's
    grid: ``compression_of``), whose compression flattened the noise of its flat parts;
    the flat-patch estimator (``estimate_flat_rms``) on one that was not (PNG, TIFF,
    lossless WebP, an array), where the binned one takes fine texture for noise and reads
    low camera noise about twice too high."""
    return estimate_noise_rms(image) if jpeg else estimate_flat_rms(image)


# A photo decoded from a JPEG and saved losslessly (a PNG that was once a JPEG, as many web
# images are) still carries the JPEG's 8x8 block grid: on that grid the compression set
# most high-frequency DCT coefficients to zero, and they stay within a rounding of zero,
# while on the other 63 offsets they do not. Its noise went through the compression, so
# it wants the binned estimator, as a JPEG file does; the flat patches read it about half
# (docs/camera_denoise_notes.md). Hand-written (8x8 DCTs at every offset, a count) since
# no library here answers "was this once a JPEG"; the app's twin is Levels.jpegGrid.
GRID_CROP = 512        # px a side: the centre crop the grid is looked for in
GRID_MIN_BLOCKS = 16   # blocks a side at least, else the counts say nothing
GRID_ZERO = 0.5        # |coefficient| on [0, 255] below which it counts as quantized away
# The grid's offset is a JPEG's where its zero fraction is at least GRID_RATIO times the
# median offset's and GRID_MARGIN above it. Measured on Kodak24 (never compressed), by the
# fractions' best offset against their median: the photos 1.006-1.046 times and
# 0.001-0.010 above, their 256x256 centres under camera noise 1.008-1.063 and
# 0.002-0.011; the photos JPEG'd at quality 98, 1.29-2.84 times and 0.095-0.316 above;
# the camera-noise centres through JPEG q95, 1.51-6.40 and 0.27-0.50 (the margin is the
# sharper test: a photo with large flat areas has many zeros at every offset).
GRID_RATIO = 1.2
GRID_MARGIN = 0.05


def _dct_matrix(n=8):
    """The orthonormal DCT-II matrix (JPEG's transform, up to its scale)."""
    k, i = np.mgrid[0:n, 0:n]
    m = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    m[0] /= np.sqrt(2.0)
    return m


_DCT8 = _dct_matrix()
_HIGH = np.add.outer(np.arange(8), np.arange(8)) >= 7    # the 36 highest frequencies


def grid_zero_fractions(image):
    """(8, 8) array: for each offset (dy, dx) of an 8x8 block grid over the centre crop of
    ``image`` ([0, 1], (H, W) or (H, W, C)), the fraction of its blocks' high-frequency
    DCT coefficients of the luma (JPEG's: 0.299 R + 0.587 G + 0.114 B) within GRID_ZERO
    of zero; None where the crop holds fewer than GRID_MIN_BLOCKS blocks a side. Offsets
    are from the image's top-left corner (the crop starts on a multiple of 8)."""
    image = np.asarray(image, np.float64)
    if image.ndim == 3:
        image = image[..., 0] if image.shape[-1] == 1 else \
            image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114
    luma = image * 255.0
    height, width = luma.shape
    side_y, side_x = min(height, GRID_CROP + 8), min(width, GRID_CROP + 8)
    blocks_y, blocks_x = side_y // 8 - 1, side_x // 8 - 1
    if min(blocks_y, blocks_x) < GRID_MIN_BLOCKS:
        return None
    top = (height - side_y) // 2 // 8 * 8
    left = (width - side_x) // 2 // 8 * 8
    crop = luma[top:top + side_y, left:left + side_x]
    fractions = np.zeros((8, 8))
    for dy in range(8):
        for dx in range(8):
            part = crop[dy:dy + 8 * blocks_y, dx:dx + 8 * blocks_x]
            blocks = part.reshape(blocks_y, 8, blocks_x, 8).transpose(0, 2, 1, 3)
            coefficients = _DCT8 @ blocks @ _DCT8.T
            fractions[dy, dx] = np.mean(np.abs(coefficients[..., _HIGH]) < GRID_ZERO)
    return fractions


def jpeg_grid(image):
    """(dy, dx), the offset of the 8x8 JPEG block grid ``image`` still shows, if it was
    decoded from a JPEG (then saved losslessly, or an array); None if it shows none, or is
    too small to tell (``grid_zero_fractions``)."""
    fractions = grid_zero_fractions(image)
    if fractions is None:
        return None
    best = np.unravel_index(int(np.argmax(fractions)), fractions.shape)
    top, typical = fractions[best], float(np.median(fractions))
    if top >= GRID_RATIO * typical and top - typical >= GRID_MARGIN:
        return int(best[0]), int(best[1])
    return None


def compression_of(image, jpeg_file):
    """How a photo's noise went through JPEG compression, as a camera-noise estimator
    needs to know (``estimate_camera_noise``'s ``jpeg``): "file" (``jpeg_file``: decoded
    from a JPEG file), "grid" (its pixels show a JPEG's block grid: ``jpeg_grid``, e.g. a
    PNG that was once a JPEG) or None."""
    if jpeg_file:
        return "file"
    return "grid" if jpeg_grid(image) is not None else None


# The second look of a camera-noise denoiser's ``--sigma auto``: told the level a photo's
# flattest patches read, a denoiser that finds less than this fraction of it to remove
# is seeing texture, not noise (a nearly clean, fully textured photo has no flat patch, so
# its flattest patches are texture and read several times its noise), and the photo is
# restored again, told what the model removed. Chosen on CBSD432 training crops with
# synthetic camera noise (docs/camera_denoise_notes.md): told the right level the model
# removes 0.57-0.92 of it there, told 2.5-4.5 times too much 0.44-0.52 of what it was
# told. Telling too little costs far less than too much, which this errs towards.
RECHECK_RATIO = 0.55
# How many second looks: on those crops a second one took the two worst photos from 4.9 to
# 2.0 and from 3.0 to 1.0 for true RMS 2.1 and 1.1 (-1.8 to +0.1 dB each), at the
# cost of 0.4-0.8 dB on two that one look had set right.
RECHECKS = 2


def removed_rms(noisy, restored):
    """The RMS of what a restoration took out of ``noisy`` ([0, 1] arrays of one shape),
    on the [0, 255] scale."""
    difference = np.asarray(noisy, np.float64) - np.asarray(restored, np.float64)
    return float(np.sqrt(np.mean(np.square(difference))) * 255.0)


def settle_level(restore_at, noisy, sigma, rechecks=RECHECKS):
    """Restores ``noisy`` with a camera-noise denoiser told the estimated ``sigma``, then
    looks again (``RECHECK_RATIO``): where the model removed less than that fraction of
    what it was told, restores again told what it removed, at most ``rechecks`` times.
    ``restore_at``: a function sigma -> the restored image. Returns (restored, the sigma
    told last, the sigmas told in order)."""
    told = [float(sigma)]
    restored = restore_at(told[-1])
    for _ in range(rechecks):
        removed = removed_rms(noisy, restored)
        if removed >= RECHECK_RATIO * told[-1]:
            break
        told.append(removed)
        restored = restore_at(removed)
    return restored, told[-1], told


def _white(image, jpeg=False):
    return estimate_sigma(image)


def estimator_name(noise):
    """Which ``--sigma auto`` estimator a denoiser trained on ``noise`` ("awgn", "camera",
    "mix") needs: "wavelet" (white noise: the finest-scale estimate) or "camera" (binned
    on a JPEG-decoded photo, flat-patch otherwise: ``estimate_camera_noise``); the export
    metadata tells apps the same name (``level_map.estimator``). Exports made before the
    flat-patch estimator say "binned": the binned estimator on every photo."""
    return "wavelet" if noise in (None, "awgn") else "camera"


def estimator_for(noise):
    """The ``--sigma auto`` estimator of a denoiser trained on ``noise``: a function
    (image, jpeg=False) -> sigma on the [0, 255] scale; ``jpeg``: the photo was decoded
    from a JPEG file (only the camera estimator looks at it)."""
    return {"wavelet": _white, "camera": estimate_camera_noise}[estimator_name(noise)]
