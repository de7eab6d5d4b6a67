"""Exporting a trained model: the library call behind the export command, the catalogue,
the release scripts and the Android asset script.

    from nsr_tf.export.model_export import export_model
    meta = export_model("jobs/denoise-sparse+/best.keras", quantize="dynamic")
    meta.parity["passed"], meta.tflite       # FILE.tflite and FILE.tflite.json written

It converts (``converter.convert``), writes the ``.tflite`` and checks it against Keras on
two real images (``parity.check``), then writes the export metadata beside it
(``nsr_tf.metadata.ExportMetadata``, what an app needs to run the file) and returns it.
A failed parity check is in the returned metadata (``parity["passed"]``), not an error:
the caller decides (the command exits 1, the catalogue refuses the file).
"""

import os

import numpy as np

from nsr_tf import count_params, macs_per_pixel, metadata as records, model_io
from nsr_tf.data import load_images, resolve_files, training_dataset
from nsr_tf.data.images import read_image
from nsr_tf.data.pipeline import DEFAULT_PATCH_SIZE
from nsr_tf.data.sources import sample_files
from nsr_tf.estimation import estimator_name
from nsr_tf.export import parity
from nsr_tf.export.converter import convert, resolve_form, write
from nsr_tf.export.litert import outside_xnnpack
from nsr_tf.inference import phone_tile

# the default real images of the parity check (scikit-image's photographs)
PARITY_SAMPLES = ("coins.png", "astronaut.png")
NATIVE_LIBRARY = "nsr-tf's native kernel library (libnsr_native: nsr_tf/export/native, " \
                 "docs/native.md)"


def default_out(model_path, quantize):
    """Where an export goes unless told: beside the model, ``STEM[_QUANTIZE].tflite``."""
    return os.path.splitext(model_path)[0] + (
        "" if quantize == "none" else f"_{quantize}") + ".tflite"


def parity_images(paths, channels, tile=64, size=128):
    """[(name, image)]: centre crops of at least ``size`` and of one tile; an image
    smaller than the tile is mirror-padded to it (the export's input is a fixed tile)."""
    if not paths:
        samples = {os.path.basename(f): f for f in sample_files()}
        paths = [samples[name] for name in PARITY_SAMPLES if name in samples]
    size = max(size, tile)
    images = []
    for path in paths:
        image = read_image(path, channels)
        h, w = image.shape[:2]
        top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
        image = image[top:top + size, left:left + size]
        short = [(0, max(0, tile - n)) for n in image.shape[:2]] + [(0, 0)]
        if any(after for _, after in short):
            image = np.pad(image, short, mode="symmetric")
        images.append((os.path.basename(path), image))
    return images


def representative(degradation, channels, tile, batch, folder=None, count=64):
    """The int8 converter's representative dataset: ``count`` training-style degraded
    tiles of the images in ``folder`` (default: the scikit-image samples), seeded."""
    files = resolve_files(folder)
    images, _ = load_images(files, channels, min_size=tile * degradation.output_scale)
    data = training_dataset(list(images.values()), degradation, tile, batch, 8, seed=1)

    def generate():
        for index, (degraded, _) in enumerate(data):
            if index * batch >= count:
                break
            yield [degraded.numpy()]
    return generate


def export_model(model_path, form="auto", quantize="none", tile=None, batch=1, out=None,
                 images=None, calibration_dir=None):
    """Converts the model at ``model_path`` (a ``.keras`` file or a shipped model's name)
    to ``out`` (default ``default_out``), checks it and writes ``out + ".json"``; returns
    its ``ExportMetadata``. ``tile``: the input tile (default: ``nsr_tf.inference.phone_tile``);
    ``images``: the parity check's image files (default ``PARITY_SAMPLES``). Raises an
    ``NsrError`` on bad input (an unknown model, a form the model cannot take)."""
    model_path = model_io.resolve(model_path)   # a shipped model's name: its file
    model, info = model_io.load(model_path)
    task = info.task or "denoise"
    # A level-map model takes the map as its last input channel (sigma / 255 or
    # quality / 100).
    degradation = model_io.degradation_of(info, task)
    tile = tile or phone_tile(task, quantize, form)
    # the trained overlap in pixels (a quarter of the training patch), whatever the tile
    patch = info.tile_size or DEFAULT_PATCH_SIZE[task]
    overlap = min(info.overlap if info.overlap is not None else patch // 4, tile // 2)
    resolved_form = resolve_form(form, model)
    calibration = representative(degradation, info.channels, tile, batch,
                                 calibration_dir) if quantize == "int8" else None
    content = convert(model, form, quantize, tile, batch, calibration)
    out = out or default_out(model_path, quantize)
    write(content, out)
    outside, partitions = outside_xnnpack(content)
    native_ops = outside if partitions is None else []   # run by the kernel library
    # SR: crops of at least one HR tile, so that their LR is one input tile
    report = parity.check(model, content,
                          parity_images(images, info.channels, tile * info.scale),
                          degradation, quantize, tile, overlap)
    meta = records.ExportMetadata(
        # Relative to this file's folder: the metadata travels with the .tflite.
        model=os.path.relpath(os.path.abspath(model_path),
                              os.path.dirname(os.path.abspath(out))),
        tflite=os.path.basename(out),
        task=task, degradation=degradation.describe(),
        sigma=degradation.sigma if task == "denoise" else None,
        quality=degradation.quality if task == "jpeg" else None,
        channels=info.channels, scale=info.scale,
        tile=tile, overlap=overlap, batch=batch,
        input={"shape": [batch, tile, tile, int(model.input_shape[-1])],
               "dtype": "float32", "range": [0.0, 1.0], "layout": "NHWC"},
        level_map=_level_map(degradation, info.channels, task),
        output={"shape": [batch, tile * info.scale, tile * info.scale,
                          info.channels], "range": [0.0, 1.0], "clip": True},
        preset=info.variant, form=resolved_form, quantization=quantize,
        params=count_params(model), macs_per_pixel=macs_per_pixel(model, tile),
        bytes=len(content), xnnpack_partitions=partitions,
        # the native form: custom ops that need nsr-tf's kernel library beside LiteRT
        custom_ops=native_ops, needs=NATIVE_LIBRARY if native_ops else None,
        ops_outside_xnnpack=sorted(set(outside)), parity=report)
    records.write(meta, out + ".json")
    return meta


def _level_map(degradation, channels, task):
    """The last input channel of a level-map model (the same value everywhere), or None."""
    if not degradation.level_map:
        return None
    level_map = {"channel": channels,
                 "value": "sigma / 255" if task == "denoise" else "quality / 100",
                 "trained_range": list(degradation.level_range)}
    if task == "denoise":
        # how to estimate sigma when the user does not say (--sigma auto): white noise
        # by the finest wavelet band ("wavelet"), camera noise binned 2x2 on a JPEG photo
        # and by its flattest patches on any other ("camera")
        level_map["estimator"] = estimator_name(degradation.noise)
    return level_map
