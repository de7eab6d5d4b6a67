"""Models trained by this project and shipped inside the package (see MODEL_CARD.md here):
their names and files, and nothing above that (a leaf: loading is ``nsr_tf.model_io``'s,
which takes these names; exporting is ``nsr_tf.export.catalogue``'s).

    from nsr_tf import model_io
    model, info = model_io.load("denoise-sigma25")
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> file stem in this folder (STEM.keras, STEM.json, STEM.tflite, ...)
MODELS = {
    "denoise-sigma25": "denoise_sigma25_sparse_plus",
    "denoise-sigma25-baseline": "denoise_sigma25_baseline",
    # level-conditioned: the level is an extra input channel, see their cards
    "denoise-blind": "denoise_blind_sparse_plus",       # sigma 0-75, noise level map
    "jpeg": "jpeg_sparse_minus",                        # quality 10-90, quality map
    # RGB upscalers (the compact SR preset); their .tflite files are made on demand
    # (nsr_tf.export.catalogue), not shipped
    "sr-x2": "sr_x2_compact",
    "sr-x4": "sr_x4_compact",
    # colour models (training queue: docs/training_queue.md); not in every installation
    "denoise-color": "denoise_color_sparse_plus",
    "jpeg-color": "jpeg_color_sparse_plus",
}
# Names that pick the model by the photo: image channels -> model. A colour photo falls
# back to the gray model (run per channel) where the colour one is not installed.
FAMILIES = {
    "denoise": {1: "denoise-blind", 3: "denoise-color"},
    "jpeg": {1: "jpeg", 3: "jpeg-color"},
}


def pick(family, channels):
    """(the model of ``family`` for a photo of ``channels``, or None; a note when a colour
    photo gets the gray model because the colour one is not installed)."""
    members = FAMILIES[family]
    installed = set(available())
    name = members.get(channels)
    if name in installed:
        return name, None
    fallback = members[1] if members[1] in installed else None
    note = f"{name} is not installed: colour photos run {fallback} per channel" \
        if channels == 3 and fallback else None
    return fallback, note
DEFAULT = "denoise-sigma25"


def available():
    """Names of the shipped models present in this installation."""
    return [name for name, stem in MODELS.items()
            if os.path.exists(os.path.join(HERE, stem + ".keras"))]


def path(name=DEFAULT, suffix=".keras"):
    """File of a shipped model (``suffix``: .keras, .json, .tflite, _dynamic.tflite)."""
    if name not in MODELS:
        raise KeyError(f"no shipped model {name!r}; shipped: {sorted(MODELS)}")
    file = os.path.join(HERE, MODELS[name] + suffix)
    if not os.path.exists(file):
        raise FileNotFoundError(f"{file}: the shipped model {name!r} is not in this "
                                f"installation")
    return file

