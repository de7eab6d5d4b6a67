"""Loading a trained model with what is needed to use it: task, degradation, channels,
scale and the tile it was trained on (from the JSON written beside it by training); and
the half-size copy the package ships (``half_copy``)."""

import dataclasses
import io
import os
import shutil
import zipfile

import numpy as np

from nsr_tf.quiet import tf  # noqa: F401  (first: TensorFlow without its chatter)
import keras

from nsr_tf import metadata, pretrained
from nsr_tf.data.degradation import Degradation
from nsr_tf.errors import NsrError

import nsr_tf.layers  # noqa: F401  (registers the custom layers before loading)
from nsr_tf.layers import ChannelSlice, PixelShuffle, SparseConv2D


class ModelError(NsrError, ValueError):
    """A model file that cannot be used; the message names it."""


def has_level_map(model):
    """Whether ``model`` takes a level map (noise sigma / 255 or JPEG quality / 100) as its
    last input channel."""
    return any(isinstance(layer, ChannelSlice) for layer in model.layers)


@dataclasses.dataclass
class ModelInfo:
    """What a model is for: read from the network (channels, scale, whether it is sparse
    and takes a level map) and, where training wrote one, the JSON beside its file (the
    rest; None where unknown)."""
    channels: int | None = None      # image channels in and out (the map not counted)
    scale: int = 1
    sparse: bool = False
    level_map: bool = False          # the last input channel is sigma/255 or quality/100
    task: str | None = None          # "denoise", "jpeg" or "sr"
    sigma: float | None = None
    quality: int | None = None
    variant: str | None = None
    sigma_range: list | None = None
    quality_range: list | None = None
    blind: bool | None = None
    noise: str | None = None         # a denoiser's training noise: awgn, camera or mix
    tile_size: int | None = None     # the training patch
    overlap: int | None = None

    # the training config's keys that describe the model
    CONFIG_KEYS = ("task", "sigma", "quality", "variant", "sigma_range", "quality_range",
                   "blind", "noise")


def model_info(model, path=None):
    """The ``ModelInfo`` of ``model``; reads ``<stem>.json`` beside ``path`` when there is
    one."""
    scale = next((layer.scale for layer in model.layers if isinstance(layer, PixelShuffle)), 1)
    level_map = has_level_map(model)
    info = ModelInfo(channels=int(model.input_shape[-1]) - level_map, scale=int(scale),
                     sparse=any(isinstance(layer, SparseConv2D) for layer in model.layers),
                     level_map=level_map)
    if path:
        meta = os.path.splitext(path)[0] + ".json"
        if os.path.exists(meta):
            try:
                record = metadata.read(metadata.TrainingRecord, meta)
            except (ValueError, TypeError, KeyError) as error:
                raise ModelError(f"{meta}: not a training record ({error})") from None
            config = record.config
            info = dataclasses.replace(info, **{key: config[key] for key in
                                                ModelInfo.CONFIG_KEYS
                                                if config.get(key) is not None})
            info.tile_size, info.overlap = record.tile_size, record.overlap
    if info.task is None and info.scale > 1:
        info.task = "sr"
    return info


def degradation_of(info, task=None, sigma=None, quality=None):
    """The ``Degradation`` a model with ``info`` (``model_info``) undoes, at its trained
    sigma/quality unless given. A level-map model without its JSON is taken to cover
    every level (sigma 0-255, quality 1-100)."""

    task = task or info.task or "denoise"
    level_map = info.level_map and task in ("denoise", "jpeg")
    sigma_range = tuple(info.sigma_range or (0, 255)) \
        if level_map and task == "denoise" else None
    quality_range = tuple(info.quality_range or (1, 100)) \
        if level_map and task == "jpeg" else None
    noise = (info.noise or "awgn") if sigma_range else "awgn"
    return Degradation(task, sigma or info.sigma or 25.0,
                       quality or info.quality or 10, info.scale,
                       sigma_range, quality_range, noise=noise)


def resolve(path):
    """``path`` itself, or the file of the shipped model of that name (``nsr_tf.pretrained``,
    e.g. "denoise-blind") when there is no such file."""
    if not os.path.exists(path) and path in pretrained.MODELS:
        try:
            return pretrained.path(path)
        except FileNotFoundError as error:
            raise ModelError(str(error)) from None
    return path


def load(path):
    """(model, info) from a ``.keras`` file or a shipped model's name; ModelError with the
    file name otherwise."""
    path = resolve(path)
    if not os.path.exists(path):
        raise ModelError(f"{path}: no such model file (shipped models: "
                         f"{', '.join(pretrained.available())})")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many kinds for a bad file
        raise ModelError(f"{path}: not a loadable .keras model ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''})") from None
    return model, model_info(model, path)


# Keras's name for the weights inside a .keras archive (keras/src/saving/saving_lib.py:47
# _VARS_FNAME_H5); a sharded archive has more than one and is not handled here.
_WEIGHTS = "model.weights.h5"
_HALF_MAX = float(np.finfo(np.float16).max)


def half_copy(path, out=None):
    """Write ``path`` (a .keras file) again with its float32 weights stored as float16,
    and its JSON beside it, to ``out`` (default ``<stem>_half.keras``); returns ``out``.

    What the package ships (issue 34: the 32-block upscalers are 10.5 MB each in float32).
    The model is unchanged: its config still computes in float32, and Keras casts each
    stored array to its variable's dtype on load (``Layer.load_own_variables`` ->
    ``Variable.assign``, keras/src/backend/common/variables.py:283). Rounding the weights
    to float16 moves the shipped `sr-x2` on Set5 by 0.0001 dB (docs/model_files.md).
    Hand-written because neither Keras nor h5py converts a stored model's dtype; h5py (a
    Keras dependency) rewrites the one HDF5 file.
    Raises ModelError for a weight float16 cannot hold (above 65504)."""
    out = out or os.path.splitext(path)[0] + "_half.keras"
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelError(f"{path}: not a .keras archive ({error})") from None
    with archive:
        names = archive.namelist()
        if _WEIGHTS not in names:
            raise ModelError(f"{path}: no {_WEIGHTS} inside (a sharded or older model?)")
        weights = _half_weights(path, archive.read(_WEIGHTS))
        partial = out + ".partial"
        with zipfile.ZipFile(partial, "w") as copy:
            for entry in archive.infolist():
                copy.writestr(entry, weights if entry.filename == _WEIGHTS
                              else archive.read(entry.filename))
    os.replace(partial, out)
    meta = os.path.splitext(path)[0] + ".json"
    if os.path.exists(meta):
        shutil.copy(meta, os.path.splitext(out)[0] + ".json")
    return out


def _half_weights(path, data):
    """The bytes of HDF5 file ``data`` with every float32 dataset stored as float16 (the
    rest, groups and attributes as they are)."""
    import h5py
    copy = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as source, h5py.File(copy, "w") as target:
        target.attrs.update(source.attrs)

        def visit(name, item):
            if isinstance(item, h5py.Group):
                target.require_group(name).attrs.update(item.attrs)
                return
            value = item[()]
            if isinstance(value, np.ndarray) and value.dtype == np.float32:
                if value.size and float(np.abs(value).max()) > _HALF_MAX:
                    raise ModelError(f"{path}: weight {name} holds values beyond float16's "
                                     f"range; ship it in float32")
                value = value.astype(np.float16)
            target.create_dataset(name, data=value).attrs.update(item.attrs)
        source.visititems(visit)
    return copy.getvalue()


def stored_precision(path):
    """The dtype the float weights of .keras file ``path`` are stored in: "float16" (a
    ``half_copy``), "float32", "mixed", or "none" (no float weights)."""
    import h5py
    with zipfile.ZipFile(path) as archive, \
            h5py.File(io.BytesIO(archive.read(_WEIGHTS)), "r") as weights:
        kinds = set()
        weights.visititems(lambda name, item: kinds.add(item.dtype.name)
                           if isinstance(item, h5py.Dataset) and item.dtype.kind == "f"
                           else None)
    return kinds.pop() if len(kinds) == 1 else "mixed" if kinds else "none"


def storage_note(path):
    """A card's sentence on how ``path`` stores its weights ("" for float32 files, and for
    no file: a card written before its model is copied)."""
    if not os.path.exists(path) or stored_precision(path) != "float16":
        return ""
    return (" Its weights are stored in float16 (`nsr_tf.model_io.half_copy`: half the "
            "file; Keras loads them into the float32 model, which computes as before), and "
            "every score on this card is of the file as stored.")


def write_card(name, lines):
    """Write the card of the shipped model ``name`` (``MODEL_CARD_<stem>.md`` beside its
    file) from ``lines``, the last of them (its "Files" line) followed by the file's
    storage note."""
    stem = pretrained.MODELS[name]
    note = storage_note(os.path.join(pretrained.HERE, stem + ".keras"))
    with open(os.path.join(pretrained.HERE, f"MODEL_CARD_{stem}.md"), "w") as handle:
        handle.write("\n".join(lines[:-1] + [lines[-1] + note]) + "\n")
