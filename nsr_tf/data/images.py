"""Reading images: PNG, JPEG, BMP, TIFF, WebP; gray, RGB, RGBA; 8- and 16-bit; checked up
front. Photos are read upright, as phones mean them: the EXIF orientation is applied."""

import os

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nsr_tf.errors import NsrError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
EXIF_ORIENTATION = 0x0112


class BadImageError(NsrError, ValueError):
    """A file that cannot be used as an image; the message names the file."""


def read_image(path, channels=None, keep_alpha=False):
    """Reads an image as float32 (H, W, C) in [0, 1].

    8-bit images are divided by 255, 16-bit ones by 65535. ``channels`` (1 or 3)
    converts: RGB to gray with ITU-R 601 luma (Pillow's "L"), gray to RGB by repetition.
    Alpha is dropped unless ``keep_alpha`` (then returned as a 4th channel).
    The EXIF orientation (phone photos: 6 for a portrait shot) is applied, so the array is
    upright. Raises BadImageError with the file name when the file is not a readable
    image, or claims more pixels than Pillow's decompression-bomb limit.
    """
    try:
        with Image.open(path) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            array, alpha = _to_array(upright, channels, keep_alpha)
    except Image.DecompressionBombError as error:
        raise BadImageError(f"{path}: refused, too many pixels ({error})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise BadImageError(f"{path}: not a readable image ({error})") from None
    if alpha is not None:
        array = np.concatenate([array, alpha], axis=-1)
    return array


def _to_array(image, channels, keep_alpha):
    alpha = None
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "I;16N"):
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if array.max(initial=0) > 255 or image.mode.startswith("I;16") else 255.0
        array = (array / peak)[..., None]
    else:
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            alpha = np.asarray(rgba, dtype=np.float32)[..., 3:] / 255.0 if keep_alpha else None
            image = rgba.convert("RGB") if image.mode != "LA" else image.convert("L")
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        array = np.asarray(image, dtype=np.float64) / 255.0
        if array.ndim == 2:
            array = array[..., None]
    if channels == 1 and array.shape[-1] == 3:
        # ITU-R 601-2 luma, as Pillow's convert("L") (without its rounding)
        array = array @ np.array([0.299, 0.587, 0.114])[:, None]
    elif channels == 3 and array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    elif channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    return array.astype(np.float32), alpha


def photo_channels(path):
    """1 for a gray file, 3 otherwise, read from the header (the decode comes later): which
    member of a model family a photo gets. An unreadable file says 3; reading it later
    reports the problem in one line."""
    try:
        with Image.open(path) as image:
            return 1 if image.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F") \
                else 3
    except Exception:   # noqa: BLE001  (any unreadable file: reported when it is read)
        return 3


def read_metadata(path):
    """What an output written from ``path`` should carry: {"icc_profile": bytes or None,
    "exif": bytes or None}, the EXIF without its orientation (``read_image`` already
    applied it). Empty for a file Pillow cannot open."""
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            icc = image.info.get("icc_profile")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        return {}
    if EXIF_ORIENTATION in exif:
        del exif[EXIF_ORIENTATION]
    return {"icc_profile": icc or None, "exif": exif.tobytes() if len(exif) else None}


def list_images(folder):
    """Image files of a folder (not recursive), sorted. Raises BadImageError if the
    folder does not exist or holds no image files."""
    if not os.path.isdir(folder):
        raise BadImageError(f"{folder}: no such folder")
    files = sorted(os.path.join(folder, name) for name in os.listdir(folder)
                   if name.lower().endswith(IMAGE_EXTENSIONS)
                   and os.path.isfile(os.path.join(folder, name)))
    if not files:
        raise BadImageError(f"{folder}: no image files ({', '.join(IMAGE_EXTENSIONS)})")
    return files


def load_images(files, channels, min_size=0):
    """Reads every file up front. Returns (images, problems): the good images as a dict
    path -> array and one line per bad file (unreadable, or smaller than ``min_size``)."""
    images, problems = {}, []
    for path in files:
        try:
            image = read_image(path, channels)
        except BadImageError as error:
            problems.append(str(error))
            continue
        if min(image.shape[:2]) < min_size:
            problems.append(f"{path}: {image.shape[1]}x{image.shape[0]} is smaller than the "
                            f"{min_size}x{min_size} patch")
            continue
        images[path] = image
    return images, problems


def save_image(path, image):
    """Writes a float (H, W[, C]) image in [0, 1] as an 8-bit PNG (or by extension)."""
    array = np.clip(np.round(np.asarray(image) * 255.0), 0, 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    Image.fromarray(array).save(path)
