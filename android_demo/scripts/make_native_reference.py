"""Writes a small Sparse- denoiser in the native form (nsr-tf's custom ops) with an input
and the Keras output, for the JNI check on the host JVM (jni_host_check.sh).

    python make_native_reference.py OUT_DIR   ->  model.tflite, input.f32, expected.f32"""

import os
import sys

import numpy as np

from nsr_tf import build_model
from nsr_tf.export import convert


def main(out):
    os.makedirs(out, exist_ok=True)
    model = build_model("denoise", "sparse-", num_blocks=2)
    rng = np.random.default_rng(0)
    for weight in model.weights:   # non-trivial gates: untrained ones are nearly uniform
        weight.assign(weight + rng.normal(0, 0.05, weight.shape).astype("float32"))
    x = rng.uniform(size=(1, 32, 32, 1)).astype("float32")
    with open(os.path.join(out, "model.tflite"), "wb") as handle:
        handle.write(convert(model, "native", tile=32))
    x.tofile(os.path.join(out, "input.f32"))
    model(x).numpy().astype("float32").tofile(os.path.join(out, "expected.f32"))


if __name__ == "__main__":
    main(sys.argv[1])
