"""Loading a trained model with what is needed to use it: task, degradation, channels,
scale and the tile it was trained on (from the JSON written beside it by training)."""

import os

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


def model_info(model, path=None):
    """What a model is for. Reads ``<stem>.json`` beside ``path`` when there is one."""
    scale = next((layer.scale for layer in model.layers if isinstance(layer, PixelShuffle)), 1)
    level_map = has_level_map(model)
    info = {"channels": int(model.input_shape[-1]) - level_map, "scale": int(scale),
            "sparse": any(isinstance(layer, SparseConv2D) for layer in model.layers),
            "level_map": level_map}
    if path:
        meta = os.path.splitext(path)[0] + ".json"
        if os.path.exists(meta):
            try:
                record = metadata.read(metadata.TrainingRecord, meta)
            except (ValueError, TypeError, KeyError) as error:
                raise ModelError(f"{meta}: not a training record ({error})") from None
            config = record.config
            info.update({key: config[key] for key in ("task", "sigma", "quality", "variant",
                                                      "sigma_range", "quality_range",
                                                      "blind", "noise")
                         if config.get(key) is not None})
            for key in ("tile_size", "overlap"):
                if getattr(record, key) is not None:
                    info[key] = getattr(record, key)
    info.setdefault("task", "sr" if info["scale"] > 1 else None)
    return info


def degradation_of(info, task=None, sigma=None, quality=None):
    """The ``Degradation`` a model with ``info`` (``model_info``) undoes, at its trained
    sigma/quality unless given. A level-map model without its JSON is taken to cover
    every level (sigma 0-255, quality 1-100)."""

    task = task or info.get("task") or "denoise"
    level_map = info.get("level_map") and task in ("denoise", "jpeg")
    sigma_range = tuple(info.get("sigma_range") or (0, 255)) \
        if level_map and task == "denoise" else None
    quality_range = tuple(info.get("quality_range") or (1, 100)) \
        if level_map and task == "jpeg" else None
    noise = info.get("noise", "awgn") if sigma_range else "awgn"
    return Degradation(task, sigma or info.get("sigma") or 25.0,
                       quality or info.get("quality") or 10, info.get("scale", 1),
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
