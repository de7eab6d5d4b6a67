"""The exported files of the shipped models, made on demand.

A shipped model is its ``.keras`` file and card; its ``.tflite`` files are made from it
when first asked for (``model_export.export_model``, with its parity check), in a cache folder keyed
by the ``.keras`` file's content, so that they are made once per model version and
machine and the package does not grow by its exports (no export ships in it; a file of
the model's name found in the package folder, e.g. from an older installation, is used
as it is).

    from nsr_tf.export import catalogue
    path = catalogue.exported("sr-x2", "_dynamic.tflite")    # + path + ".json": metadata
"""

import os

from nsr_tf import pretrained
from nsr_tf.files import cache_root, sha256_file
from nsr_tf.errors import NsrError, UsageError

# file suffix -> (form, quantize) of the export
SUFFIXES = {
    ".tflite": ("cpu", "none"),
    "_dynamic.tflite": ("cpu", "dynamic"),
    "_gpu.tflite": ("gpu", "float16"),
    "_native.tflite": ("native", "none"),
    "_native_dynamic.tflite": ("native", "dynamic"),
}


class CatalogueError(NsrError, RuntimeError):
    """An export that could not be made; the message says why."""


# What the exporter writes for one model; raised when that changes, so that a cached file
# of the older exporter is made again (2: the native form's whole-layer op; 3: its int8
# banks in the dynamic files; both 2026-12-04).
EXPORT_VERSION = 3


def _digest(path):
    return sha256_file(path)[:16]


def export_dir(name):
    """The cache folder of ``name``'s exports (per model content, phone tiles and exporter
    version: files of other tiles, or of an older exporter, are not these)."""
    from nsr_tf.inference import PHONE_TILE, PHONE_TILE_FLOAT
    model = pretrained.path(name)
    return os.path.join(cache_root(), "exports",
                        f"{pretrained.MODELS[name]}-{_digest(model)}-tile{PHONE_TILE}"
                        f"-{PHONE_TILE_FLOAT}-v{EXPORT_VERSION}")


def exported(name, suffix=".tflite"):
    """The path of a shipped model's export (``suffix`` in ``SUFFIXES``): the file that
    ships in the package if there is one, else one made here (seconds to a minute) and
    cached; its export metadata is beside it as ``PATH.json``."""
    if suffix not in SUFFIXES:
        raise UsageError(f"suffix must be one of {sorted(SUFFIXES)}, got {suffix!r}")
    try:
        return pretrained.path(name, suffix)
    except FileNotFoundError:
        pass
    folder = export_dir(name)
    path = os.path.join(folder, pretrained.MODELS[name] + suffix)
    if os.path.exists(path) and os.path.exists(path + ".json"):
        return path
    os.makedirs(folder, exist_ok=True)
    # Imported here: the export pulls in TensorFlow's converter and LiteRT.
    from nsr_tf.export.model_export import export_model
    from nsr_tf.export.parity import verdict
    form, quantize = SUFFIXES[suffix]
    try:
        meta = export_model(pretrained.path(name), form, quantize, out=path)
        failure = None if meta.parity["passed"] else \
            f"parity with Keras failed ({verdict(meta.parity)})"
    except NsrError as error:
        failure = str(error)
    if failure:
        for leftover in (path, path + ".json"):
            if os.path.exists(leftover):
                os.remove(leftover)
        raise CatalogueError(f"{name}: the {form}/{quantize} export failed: {failure}")
    return path


def cpu_latencies(name, runs=30, pause=()):
    """{"float32 1t", "float32 2t", "dynamic 1t", "dynamic 2t": ms}: LiteRT latency of one
    tile of each CPU file of the shipped ``name`` (its ``exported`` float32 and
    dynamic-int8 files) on 1 and 2 threads: the line the cards of the gray models print.
    ``pause``: pids (a training run) held stopped while timing, once the files are made
    (``nsr_tf.benchmarking.paused``)."""
    from nsr_tf.benchmarking import paused
    from nsr_tf.export.litert import latency
    files = {q: open(exported(name, s), "rb").read()
             for q, s in (("float32", ".tflite"), ("dynamic", "_dynamic.tflite"))}
    with paused(pause):
        return {f"{q} {t}t": latency(content, t, runs=runs) * 1e3
                for q, content in files.items() for t in (1, 2)}
