"""Loading a trained model with what is needed to use it: task, degradation, channels,
scale and the tile it was trained on (from the JSON written beside it by training)."""

import json
import os

import keras

import nsr_tf.layers  # noqa: F401  (registers the custom layers before loading)
from nsr_tf.layers import ChannelSlice, PixelShuffle, SparseConv2D


class ModelError(ValueError):
    """A model file that cannot be used; the message names it."""


def has_noise_map(model):
    """Whether ``model`` takes a noise level map as its last input channel."""
    return any(isinstance(layer, ChannelSlice) for layer in model.layers)


def model_info(model, path=None):
    """What a model is for. Reads ``<stem>.json`` beside ``path`` when there is one."""
    scale = next((layer.scale for layer in model.layers if isinstance(layer, PixelShuffle)), 1)
    noise_map = has_noise_map(model)
    info = {"channels": int(model.input_shape[-1]) - noise_map, "scale": int(scale),
            "sparse": any(isinstance(layer, SparseConv2D) for layer in model.layers),
            "noise_map": noise_map}
    if path:
        meta = os.path.splitext(path)[0] + ".json"
        if os.path.exists(meta):
            with open(meta) as handle:
                data = json.load(handle)
            config = data.get("config", {})
            info.update({key: config[key] for key in ("task", "sigma", "quality", "variant",
                                                      "sigma_range")
                         if config.get(key) is not None})
            for key in ("tile_size", "overlap"):
                if key in data:
                    info[key] = data[key]
    info.setdefault("task", "sr" if info["scale"] > 1 else None)
    return info


def load(path):
    """(model, info) from a ``.keras`` file; ModelError with the file name otherwise."""
    if not os.path.exists(path):
        raise ModelError(f"{path}: no such model file")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many kinds for a bad file
        raise ModelError(f"{path}: not a loadable .keras model ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''})") from None
    return model, model_info(model, path)
