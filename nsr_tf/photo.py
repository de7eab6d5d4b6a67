"""Restoring one photo: the library function behind ``nsr-restore`` (and the batch
runner), one place for the policy the app repeats in Java.

    from nsr_tf import photo
    model = photo.prepare("denoise-blind", photo.Options())
    result = photo.restore_file("in.jpg", model, photo.Options(), "out/in_restored.png")

What it decides, in order: the image is read upright (EXIF orientation applied), alpha
set aside; the level a level-map model is told (``choose_level``: ``sigma``/``quality``
given, else estimated from the pixels or read from the JPEG file, a camera-noise denoiser
looking again where it removed far less than it was told); the photo is restored tiled,
channel by channel where a gray model meets a colour photo; the output is written as a
PNG of the input's bit depth with its alpha, ICC profile and EXIF, to a temporary name
and renamed, so that a killed process never leaves a half file.
"""

import dataclasses
import math
import os
import warnings

import numpy as np
from PIL import Image

from nsr_tf import precision as precisions
from nsr_tf.errors import NsrError, UsageError
from nsr_tf.estimation import (RECHECKS, compression_of, estimator_for, estimator_name,
                                jpeg_quality, settle_level)

# Smaller inputs are refused by an SR model: nothing to upscale.
MIN_SR_SIDE = 4
SIGMA_MAX = 255.0
OUTPUT_SUFFIX = "_restored.png"
DEGRADED_SUFFIX = "_degraded.png"


@dataclasses.dataclass(frozen=True)
class Options:
    """How to restore (the flags of ``nsr-restore``). ``sigma``: a number on [0, 255] or
    "auto"; ``quality``: 1-100 or None (read from the file); ``degrade``: first apply the
    model's degradation (a demo); ``task``/``scale``: what the model must be; the rest:
    how it runs (``nsr_tf.inference``, ``nsr_tf.precision``)."""
    sigma: float | str = "auto"
    quality: int | None = None
    degrade: bool = False
    task: str | None = None
    scale: int | None = None
    tile_size: int | None = None
    overlap: int | None = None
    precision: str = "auto"
    backend: str = "auto"
    batch_size: int | None = None

    def __post_init__(self):
        if self.sigma != "auto" and not (isinstance(self.sigma, (int, float))
                                         and 0 <= self.sigma <= SIGMA_MAX):
            raise UsageError(f"--sigma must be 'auto' or a number in [0, {SIGMA_MAX:g}], "
                             f"got {self.sigma!r}")
        if self.quality is not None and not 1 <= self.quality <= 100:
            raise UsageError(f"--quality must be in 1..100, got {self.quality}")


@dataclasses.dataclass
class PreparedModel:
    """A model ready to restore with: its name, description (``model_io.model_info``),
    the degradation it undoes, the tiled predictor and the tiling it runs at."""
    name: str
    info: dict
    degradation: object
    predictor: object
    tiling: dict
    summary: str     # one line: the model, its tiles, backend and precision

    @property
    def channels(self):
        return self.info.channels

    @property
    def scale(self):
        return self.info.scale


@dataclasses.dataclass
class Level:
    """What a level-map model is told for one photo and how that was chosen.
    ``value``: the map value (None: the model takes no level); ``sigma``/``quality``: the
    level on its own scale; ``how``: where it came from; ``told``: the sigmas a camera-noise
    denoiser was told in turn (more than one after a second look)."""
    value: float | None = None
    sigma: float | None = None
    quality: int | None = None
    how: str | None = None
    estimated: bool = False
    recheck: bool = False
    told: list = dataclasses.field(default_factory=list)

    def note(self):
        """The line nsr-restore prints beside the file, or None."""
        if self.sigma is not None:
            if not self.estimated:
                return f"sigma {self.sigma:.1f}"
            if len(self.told) > 1:
                removed = ", then ".join(f"{sigma:.1f}" for sigma in self.told[1:])
                return (f"sigma {self.told[-1]:.1f} (estimated: read {self.told[0]:.1f} by "
                        f"the {self.how}; told that, the model found only {removed} to "
                        f"remove: texture, not noise, so it restored the photo again told "
                        f"what it removed)")
            return f"sigma {self.sigma:.1f} (estimated: {self.how})"
        return self.how


@dataclasses.dataclass
class Result:
    """One restored photo: the files written, the level chosen, the output's size."""
    outputs: list
    level: Level
    size: tuple          # (width, height) of the output
    note: str | None = None


def prepare(ref, options):
    """A ``PreparedModel`` from a ``.keras`` file or a shipped model's name. Raises
    NsrError (a bad model file, a --scale or --sigma the model does not take, the native
    library missing)."""
    from nsr_tf import model_io
    from nsr_tf.inference import TiledPredictor, default_tiling, phone_tile

    model, info = model_io.load(ref)
    name = os.path.basename(ref)
    if options.scale is not None and options.scale != info.scale:
        kind = f"upscales x{info.scale}" if info.scale > 1 else \
            "is not a super-resolution model (it restores at x1)"
        raise UsageError(f"--scale {options.scale}: {name} {kind}; the shipped upscalers "
                         f"are sr-x2 and sr-x4")
    task = options.task or info.task or "denoise"
    given_sigma = None if options.sigma == "auto" else options.sigma
    takes_level = task == "denoise" and info.level_map
    own_sigma = task == "denoise" and info.sigma == given_sigma    # nothing to set
    if given_sigma is not None and not options.degrade and not (takes_level or own_sigma):
        trained = f"trained for sigma {info.sigma:g} only" if info.sigma and \
            task == "denoise" else f"a {task} model"
        raise UsageError(f"--sigma {given_sigma:g}: {name} is {trained} and takes no noise "
                         f"level; use --model denoise (or denoise-blind) to set the "
                         f"strength, or --degrade to add that noise first")
    degradation = model_io.degradation_of(info, task, given_sigma, options.quality)
    policy, reason = precisions.choose(options.precision)
    if options.backend in ("litert", "native"):
        policy, reason = "float32", "LiteRT runs the float32 export"
    patch = info.tile_size or default_patch(task)   # the training patch
    tile, overlap = default_tiling(patch, policy)
    if options.backend in ("litert", "native"):
        tile = phone_tile(task, "none")     # the float32 phone files' tile
    tile = options.tile_size or tile
    overlap = options.overlap if options.overlap is not None else min(overlap, tile // 2)
    tiling = {"tile_size": tile, "overlap": overlap, "batch_size": options.batch_size}
    backend = options.backend if options.backend != "auto" else "keras"
    summary = f"{name}, tiles {tile} overlap {overlap}, {backend}, " \
        f"{precisions.describe(policy, reason)}"
    if options.backend in ("litert", "native"):
        from nsr_tf.export.converter import convert
        from nsr_tf.export.litert import LiteRTPredictor
        form = "rowhybrid" if options.backend == "litert" else "native"
        predictor = LiteRTPredictor(convert(model, form=form, tile=tile),
                                    threads=os.cpu_count())
    else:   # auto: Keras, measured faster than LiteRT on x86 (docs/benchmarks.md)
        predictor = TiledPredictor.of(model, policy)
    return PreparedModel(name, info, degradation, predictor, tiling, summary)


def check_file(path, shown=None):
    """A photo that is not there or is empty fails in one line naming it (``shown``, else
    ``path``), before any model is chosen or note said about it."""
    from nsr_tf.data.images import BadImageError
    shown = shown or path
    if not os.path.isfile(path):
        raise BadImageError(f"{shown}: no such file")
    if os.path.getsize(path) == 0:
        raise BadImageError(f"{shown}: empty file (0 bytes)")


class Models:
    """The models one run restores with, each prepared once: ``ref`` itself, or for a
    family name ("denoise", "jpeg": ``nsr_tf.pretrained.FAMILIES``) the member of the
    photo's channels. ``locate``: a model reference -> the file to load (a bucket path
    copied to this machine); ``on_prepared``: called with each ``PreparedModel`` once."""

    def __init__(self, ref, options, locate=None, on_prepared=None):
        from nsr_tf import pretrained
        self.ref = ref
        self.options = options
        self.locate = locate or (lambda name: name)
        self.on_prepared = on_prepared
        self.family = ref if ref in pretrained.FAMILIES and not os.path.exists(ref) \
            else None
        self.prepared = {}

    def get(self, ref):
        """The ``PreparedModel`` of ``ref``, prepared on first use."""
        if ref not in self.prepared:
            self.prepared[ref] = prepare(self.locate(ref), self.options)
            if self.on_prepared:
                self.on_prepared(self.prepared[ref])
        return self.prepared[ref]

    def for_photo(self, path):
        """(the ``PreparedModel`` for the photo at ``path``, a note on the choice or
        None: a family's member that is missing, or a gray model on a colour photo)."""
        from nsr_tf import pretrained
        from nsr_tf.data.images import photo_channels
        channels = photo_channels(path)
        ref, note = self.ref, None
        if self.family:
            ref, note = pretrained.pick(self.family, channels)
            if ref is None:
                names = sorted(set(pretrained.FAMILIES[self.family].values()))
                raise UsageError(f"--model {self.family}: none of {names} is installed")
        chosen = self.get(ref)
        if chosen.channels == 1 and channels == 3:
            note = note or f"{chosen.name} is a gray model: colour photos are restored " \
                f"channel by channel"
        return chosen, note


def default_patch(task):
    """The training patch of ``task`` (the inference tile follows from it)."""
    from nsr_tf.data.pipeline import DEFAULT_PATCH_SIZE
    return DEFAULT_PATCH_SIZE[task]


def choose_level(path, color, model, options, jpeg_file=None):
    """The ``Level`` a model is told for the photo at ``path`` (pixels ``color``).

    Noise: ``options.sigma``, or estimated per photo with "auto" (a flat photo that shows
    no noise at all is told 0). JPEG: ``options.quality``, else the quality read from the
    file's quantization tables (``degrade``: the quality applied). ``jpeg_file``: whether
    the pixels were decoded from a JPEG file (default: read from ``path``; give it for
    pixels without a file, ``path`` None)."""
    info, degradation = model.info, model.degradation
    level_map = info.level_map
    if level_map and degradation.task == "denoise":
        estimated = options.sigma == "auto"
        if not estimated:
            sigma = float(options.sigma)
            return Level(degradation.map_level(sigma), sigma=sigma, told=[sigma])
        camera = estimator_name(degradation.noise) == "camera"
        # the noise of a JPEG file, or of a PNG that was one, went through the compression
        # (not noise --degrade adds); only the camera estimator asks
        if jpeg_file is None:
            jpeg_file = path is not None and jpeg_quality(path) is not None
        compression = compression_of(color, jpeg_file) \
            if camera and not options.degrade else None
        # a constant photo has no noise to read: the estimators' mean of nothing (NaN and
        # numpy's warnings) is told 0 below
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sigma = float(estimator_for(degradation.noise)(color, compression is not None))
        how = "finest wavelet band" if not camera else \
            "flattest 8x8 patches, for camera noise" if compression is None else \
            "2x2-binned pixels, for JPEG-compressed camera noise" + \
            ("; its pixels show a JPEG's 8x8 grid" if compression == "grid" else "")
        if not math.isfinite(sigma):
            sigma, how = 0.0, how + "; the photo is flat, no noise to read"
        if color.shape[-1] > 1:
            how += ", all channels together"
        return Level(degradation.map_level(sigma), sigma=sigma, how=how, estimated=True,
                     recheck=camera, told=[sigma])
    if degradation.task != "jpeg":
        return Level()
    if options.degrade or (level_map and options.quality):
        quality = degradation.quality
        return Level(degradation.map_level(quality) if level_map else None,
                     quality=quality if level_map else None,
                     how=f"JPEG quality {quality} (given)" if level_map else None)
    read = jpeg_quality(path)
    said = read and f"JPEG quality {read[0]}{'' if read[1] else ' (nearest IJG)'} read " \
        f"from the file"
    if level_map:
        if read is None:
            raise UsageError(f"{path}: not a JPEG file, so no quality to read: give "
                             f"--quality")
        return Level(degradation.map_level(read[0]), quality=read[0], how=said)
    return Level(how=f"{said}; the model was trained at {degradation.quality}" if read else
                 "not a JPEG file: no quality to read")


def output_names(files, out_dir, suffix=OUTPUT_SUFFIX):
    """{input path: output path} for ``files`` restored into ``out_dir``:
    ``STEM_restored.png``; inputs that would share a name keep their extension
    (``x_jpg_restored.png``, ``x_png_restored.png``) and, where that is not enough (the
    same name in two folders), a number in input order (``x_png_2_restored.png``). The
    same files always get the same names, so a rerun finds its outputs."""
    def stem(path):
        return os.path.splitext(os.path.basename(path))[0]

    def with_extension(path):
        name, ext = os.path.splitext(os.path.basename(path))
        return f"{name}_{ext.lstrip('.').lower()}" if ext else name

    counts = {}
    for path in files:
        counts[stem(path).lower()] = counts.get(stem(path).lower(), 0) + 1
    names, used = {}, set()
    for path in files:
        base = stem(path) if counts[stem(path).lower()] == 1 else with_extension(path)
        name, number = base, 1
        while name.lower() in used:     # case-insensitive: macOS and Windows folders
            number += 1
            name = f"{base}_{number}"
        used.add(name.lower())
        names[path] = os.path.join(out_dir, name + suffix)
    return names


def degraded_name(out_path):
    """Where ``--degrade`` writes the degraded input beside ``out_path``."""
    return out_path[:-len(OUTPUT_SUFFIX)] + DEGRADED_SUFFIX \
        if out_path.endswith(OUTPUT_SUFFIX) else os.path.splitext(out_path)[0] + \
        DEGRADED_SUFFIX


def restore_array(color, model, level, progress=None):
    """Restores ``color`` ((H, W, C) in [0, 1]) told ``level``; a camera-noise denoiser
    told an estimate looks again (``settle_level``), filling ``level.told``. Returns the
    (H*s, W*s, C) result. ``progress``: called with the number of tiles done."""
    from nsr_tf.data import degradations
    from nsr_tf.inference import by_channels, restore

    def run(image, value=level.value):   # (H, W, C) -> (H*s, W*s, C)
        if value is not None:
            image = degradations.with_level_map(image, value)
        return restore(model.predictor, image, scale=model.scale, progress=progress,
                       **model.tiling)

    if not (level.estimated and level.recheck):
        return by_channels(run, color, model.channels)

    def run_at(sigma):   # a second look restores the whole photo again
        return by_channels(lambda image: run(image, model.degradation.map_level(sigma)),
                           color, model.channels)

    restored, _, level.told = settle_level(run_at, color, level.sigma, rechecks=RECHECKS)
    level.sigma = level.told[-1]
    return restored


def tile_runs(color_shape, model):
    """Tiles one look at a photo of ``color_shape`` takes (a gray model runs each channel
    of a colour photo)."""
    from nsr_tf.inference import tile_count
    runs = 1 if model.channels == color_shape[-1] or model.channels != 1 \
        else color_shape[-1]
    return runs * tile_count(color_shape, model.tiling["tile_size"],
                             model.tiling["overlap"])


def restore_file(path, model, options, out_path, progress=None, protected=()):
    """Restores the photo at ``path`` into ``out_path`` (and, with ``degrade``, the
    degraded input beside it); returns a ``Result``. Refuses to write over any path in
    ``protected`` (the inputs). ``progress``: a tqdm-like bar (``update``, ``total``,
    ``refresh``) or None."""
    from nsr_tf.data import degradations
    from nsr_tf.data.images import read_image, read_metadata

    targets = [out_path, degraded_name(out_path)] if options.degrade else [out_path]
    for target in targets:
        if os.path.abspath(target) in protected:
            raise UsageError(f"{path}: its output {target} is one of the inputs; refusing "
                             f"to overwrite it (choose another --out)")
    image = read_image(path, keep_alpha=True)
    alpha = image[..., -1:] if image.shape[-1] in (2, 4) else None
    color = image[..., :-1] if alpha is not None else image
    written = []
    if options.degrade:
        # the whole photo at once: colour noise independent per channel, a colour JPEG
        # (4:2:0) as cameras write it
        color = model.degradation.degrade_file(color, path)
        if alpha is not None and model.degradation.task == "sr":
            alpha = degradations.bicubic_downscale(alpha, model.degradation.scale)
        save(targets[1], color, alpha=None if alpha is None else _alpha_8bit(alpha))
        written.append(targets[1])
    if model.scale > 1 and min(color.shape[:2]) < MIN_SR_SIDE:
        raise UsageError(f"{path}: {color.shape[1]}x{color.shape[0]} is too small to "
                         f"upscale (at least {MIN_SR_SIDE}x{MIN_SR_SIDE})")
    level = choose_level(path, color, model, options)
    tiles = tile_runs(color.shape, model)
    looks = [0]     # the tiles counted so far

    def on_tiles(done):
        looks[0] += done
        if looks[0] > progress.total:   # a second look: the bar grows by one photo
            progress.total += tiles
            progress.refresh()
        progress.update(done)

    if progress is not None:
        progress.total = tiles
        progress.refresh()
    restored = restore_array(color, model, level, on_tiles if progress is not None else None)
    if restored.ndim == 2:
        restored = restored[..., None]
    if alpha is not None:   # alpha is not restored: bicubic to the output's size
        alpha = _alpha_8bit(alpha, (restored.shape[1], restored.shape[0]))
    save(out_path, restored, bits=_bit_depth(path), alpha=alpha,
         metadata=read_metadata(path))
    note = level.note()
    if model.scale > 1:
        size = f"x{model.scale}: {color.shape[1]}x{color.shape[0]} -> " \
            f"{restored.shape[1]}x{restored.shape[0]}"
        note = f"{note}; {size}" if note else size
    return Result([*written, out_path], level, (restored.shape[1], restored.shape[0]), note)


def _bit_depth(path):
    with Image.open(path) as image:
        return 16 if image.mode.startswith("I") else 8


def _quantize(image, bits):
    """float [0, 1] (H, W[, C]) -> uint8/uint16, converted in bands of rows so that no
    float64 copy of a large output is made."""
    dtype, peak = (np.uint16, 65535.0) if bits == 16 else (np.uint8, 255.0)
    out = np.empty(image.shape, dtype)
    for top in range(0, image.shape[0], 256):
        band = np.clip(image[top:top + 256], 0.0, 1.0) * peak
        out[top:top + 256] = np.round(band)
    return out


def save(path, image, bits=8, alpha=None, metadata=None):
    """Writes a float [0, 1] (H, W[, C]) image as an 8- or 16-bit PNG (16-bit: gray only,
    Pillow's limit; RGB falls back to 8 bits). ``alpha``: an 8-bit (H, W) alpha channel
    to add (RGBA / LA). ``metadata``: the input's ICC profile and EXIF to carry
    (``nsr_tf.data.images.read_metadata``). Written to ``PATH.part`` and renamed: a
    crash never leaves a half file under the output's name."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    bits = 16 if bits == 16 and image.ndim == 2 and alpha is None else 8
    picture = Image.fromarray(_quantize(image, bits))
    if alpha is not None:
        picture.putalpha(Image.fromarray(alpha))
    extra = {key: value for key, value in (metadata or {}).items() if value}
    partial = path + ".part"
    try:
        picture.save(partial, format="PNG", **extra)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _alpha_8bit(alpha, size=None):
    """A float (H, W, 1) alpha as 8 bits, resized with bicubic to ``size`` (W, H)."""
    picture = Image.fromarray(_quantize(alpha[..., 0], 8))
    if size is not None and picture.size != size:
        picture = picture.resize(size, Image.Resampling.BICUBIC)
    return np.asarray(picture)


__all__ = ["Level", "Models", "NsrError", "Options", "PreparedModel", "Result", "check_file",
           "choose_level", "output_names", "prepare", "restore_array", "restore_file",
           "save"]
