"""Does the .tflite compute what the Keras model computes? Both restore the same real
images, tiled the same way; the outputs are compared (docs/design.md, Runtimes)."""

import keras
import numpy as np

from nsr_tf import metrics
from nsr_tf.export.litert import LiteRTPredictor
from nsr_tf.inference import TiledPredictor, restore
from nsr_tf.layers import SparseConv2D

# Allowed change, per quantization: max |diff| for float32, |delta PSNR| otherwise.
TOLERANCES = {"none": ("max_abs_diff", 1e-4), "float16": ("psnr_change_db", 0.01),
              "dynamic": ("psnr_change_db", 0.05), "int8": (None, None)}


def first_gates(model, tile):
    """Gates of the first sparse layer on one tile (None for a model without gates)."""
    layers = [layer for layer in model.layers
              if isinstance(layer, SparseConv2D) and layer.gate != "none"]
    if not layers:
        return None
    probe = keras.Model(model.inputs, layers[0].input)
    return np.asarray(layers[0].gates(probe(tile[None])))


def check(model, content, images, degradation, quantize, tile, overlap):
    """``images``: [(name, clean)] real images. Returns a JSON-able report with ``passed``.

    The images must give different gates: a converted model that froze the kernels of its
    first input (TensorFlow issue 31205) would otherwise pass."""
    keras_predictor = TiledPredictor.of(model)
    lite = LiteRTPredictor(content)
    scale = degradation.output_scale
    rows, gates = [], []
    for name, clean in images:
        # the model's input: for a level-map model the degraded image and its map
        degraded = degradation.model_input(degradation.degrade_file(clean, name))
        target = degradation.target_of(clean)
        tiling = dict(tile_size=tile, overlap=overlap, batch_size=lite.batch, scale=scale)
        expected = restore(keras_predictor, degraded, **tiling)
        got = restore(lite, degraded, **tiling)
        shave = scale if scale > 1 else 0
        keras_psnr = metrics.psnr(target, expected, shave, scale > 1)
        lite_psnr = metrics.psnr(target, got, shave, scale > 1)
        rows.append({"image": name, "max_abs_diff": float(np.abs(expected - got).max()),
                     "keras_psnr": keras_psnr, "tflite_psnr": lite_psnr,
                     "psnr_change_db": lite_psnr - keras_psnr})
        window = np.asarray(degraded, np.float32)
        window = window[..., None] if window.ndim == 2 else window
        gates.append(first_gates(model, window[:tile, :tile]))
    different = gates[0] is None or any(np.abs(g - gates[0]).max() > 1e-4 for g in gates[1:])
    metric, limit = TOLERANCES[quantize]
    worst = max(abs(row[metric]) for row in rows) if metric else None
    passed = bool(different and (metric is None or worst <= limit))
    return {"images": rows, "gates_differ": bool(different), "metric": metric,
            "limit": limit, "worst": worst, "passed": passed}


def verdict(report):
    """The check's outcome in one line: the worst change against its limit, and whether
    the gates differ between the images."""
    return (f"worst {report['metric']} {report['worst']:.2e} (limit {report['limit']:g}); "
            f"gates differ between images: {report['gates_differ']}")


def describe(report):
    lines = []
    for row in report["images"]:
        lines.append(f"  {row['image']:24} max|diff| {row['max_abs_diff']:.2e}  PSNR keras "
                     f"{row['keras_psnr']:.3f} dB, tflite {row['tflite_psnr']:.3f} dB "
                     f"({row['psnr_change_db']:+.4f})")
    if report["metric"]:
        lines.append(f"  parity {'PASSED' if report['passed'] else 'FAILED'}: "
                     f"{verdict(report)}")
    else:
        lines.append(f"  int8: reported only; gates differ between images: "
                     f"{report['gates_differ']}")
    return "\n".join(lines)
