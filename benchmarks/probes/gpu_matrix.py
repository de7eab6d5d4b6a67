"""Which exports LiteRT's GPU accelerator takes: every form x quantization of the shipped
models and of an untrained Sparse- preset, with the parity of those it takes on two real
Set12 tiles (noisy at sigma 25). Coverage and numbers only: on Mesa's software Vulkan
driver (lavapipe) the timings mean nothing, so none are taken.

    python benchmarks/probes/gpu_matrix.py [--markdown docs/gpu.md]
"""

import argparse
import os
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.benchmarking import emit
TILES = (("01.png", (96, 96)), ("05.png", (0, 128)))
QUANTIZATIONS = ("none", "float16", "dynamic", "int8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    import keras

    from nsr_tf import build_model, model_io, pretrained
    from nsr_tf.data import Degradation
    from nsr_tf.data.images import read_image
    from nsr_tf.export.converter import FORMS, INT8_FORMS, convert
    from nsr_tf.export.gpu import run_on_gpu
    from nsr_tf.metrics import psnr

    keras.utils.set_random_seed(0)
    models = {"Sparse- (untrained preset)": build_model("denoise", "sparse-")}
    for name in ("denoise-sigma25", "denoise-sigma25-baseline", "denoise-blind"):
        if name in pretrained.available():
            models[name] = model_io.load(name)[0]
    pairs = []
    for name, (y, x) in TILES:
        path = os.path.join(REPO, "testsets", "Set12", name)
        clean = read_image(path, 1)[y:y + 64, x:x + 64]
        pairs.append((clean, Degradation("denoise", 25).degrade_file(clean, path)))
    lines = [f"command: python benchmarks/probes/gpu_matrix.py {' '.join(argv or sys.argv[1:])}",
             "", "| model | form | quantization | GPU accelerator | max abs diff vs Keras | "
             "PSNR change (dB, worst of 2 tiles) |", "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        for model_name, model in models.items():
            mapped = model.input_shape[-1] == 2
            inputs = [np.concatenate([noisy, np.full_like(noisy, 25 / 255)], -1)
                      if mapped else noisy for _, noisy in pairs]
            expected = [model(x[None]).numpy()[0] for x in inputs]

            def calibration():
                for x in inputs:
                    yield [x[None].astype(np.float32)]

            files = {}
            for form in FORMS:
                for quantize in QUANTIZATIONS:
                    if quantize == "int8" and form not in INT8_FORMS:
                        continue
                    path = os.path.join(folder, f"{len(files)}_{form}_{quantize}.tflite")
                    with open(path, "wb") as handle:
                        handle.write(convert(model, form, quantize, tile=64, batch=1,
                                             representative=calibration))
                    files[path] = (form, quantize)
            results = run_on_gpu(files, [x[None] for x in inputs])
            for path, (form, quantize) in files.items():
                status, outputs = results[path]
                diff = change = ""
                if outputs:
                    got = [o.reshape(e.shape) for o, e in zip(outputs, expected)]
                    diff = f"{max(np.abs(g - e).max() for g, e in zip(got, expected)):.2e}"
                    changes = [psnr(c, g) - psnr(c, e)
                               for (c, _), g, e in zip(pairs, got, expected)]
                    change = f"{max(changes, key=abs):+.3f}"
                lines.append(f"| {model_name} | {form}{' (= gpu)' if form == 'direct' else ''}"
                             f"{' (= cpu)' if form == 'rowhybrid' else ''} | {quantize} | "
                             f"{status} | {diff} | {change} |")
                print(lines[-1], flush=True)
    emit(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
