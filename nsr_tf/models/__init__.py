"""Networks and the paper's presets."""

from nsr_tf.models.presets import PRESETS, TASKS, Preset, get_preset
from nsr_tf.models.wdsr import build_model, build_network

__all__ = ["PRESETS", "TASKS", "Preset", "build_model", "build_network", "get_preset"]
