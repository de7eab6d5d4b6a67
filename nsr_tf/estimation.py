"""What a degraded photo does not say out loud: its noise level and its JPEG quality.

``estimate_sigma``: the Gaussian noise level of an image, by scikit-image's wavelet-based
estimator (Donoho's MAD of the finest diagonal wavelet coefficients), a maintained
implementation rather than our own. ``jpeg_quality``: the IJG (libjpeg) quality whose
luminance quantization table is closest to the one stored in a JPEG file.
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


def estimator_name(noise):
    """Which ``--sigma auto`` estimator a denoiser trained on ``noise`` ("awgn", "camera",
    "mix") needs: "wavelet" (white noise: the finest-scale estimate) or "binned" (camera
    noise); the export metadata tells apps the same name (``level_map.estimator``)."""
    return "wavelet" if noise in (None, "awgn") else "binned"


def estimator_for(noise):
    """The ``--sigma auto`` estimator function of a denoiser trained on ``noise``."""
    return {"wavelet": estimate_sigma, "binned": estimate_noise_rms}[estimator_name(noise)]
