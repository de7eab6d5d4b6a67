"""Runs .tflite files on LiteRT's GPU accelerator and says whether it takes them.

    python -m nsr_tf.export.gpu_check model.tflite [...] [--input X.npy [...] --out-dir DIR]

Prints one JSON line per file: {"tflite", "status": "accelerated" | "partial" | "refused",
"error"}; with --input (float32 batches of the model's input shape) it writes the GPU's
output for the i-th input to DIR/<file stem>_<i>.npy. This process imports LiteRT alone: creating a GPU model
in a process that has imported TensorFlow segfaulted, so tests and the export run this
module in a child process (``nsr_tf.export.gpu.run_on_gpu``); it must not import
TensorFlow (nothing in ``nsr_tf``'s package files does). Needs Vulkan; without a GPU, Mesa's software
driver lavapipe (`mesa-vulkan-drivers` 25.x from Debian bookworm-backports; 22.x lacks
a feature the runtime needs). Trust its op coverage and numbers, never its timings.
"""

import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/xdg-nsr-tf")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)

from ai_edge_litert.compiled_model import CompiledModel, HardwareAccelerator  # noqa: E402


def check(path, batches=()):
    """(status, error or None, [GPU output per batch]) of one .tflite file."""
    try:
        model = CompiledModel.from_file(path, hardware_accel=HardwareAccelerator.GPU)
    except RuntimeError as error:   # the refused ops are in LiteRT's log on stderr
        return "refused", str(error).splitlines()[0][:300], []
    status = "accelerated" if model.is_fully_accelerated() else "partial"
    inputs, outputs = model.create_input_buffers(0), model.create_output_buffers(0)
    size = model.get_output_buffer_requirements(0, 0)["buffer_size"] // 4
    results = []
    for batch in batches:
        inputs[0].write(np.ascontiguousarray(batch, np.float32))
        model.run_by_index(0, inputs, outputs)
        results.append(outputs[0].read(size, np.float32))
    return status, None, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tflite", nargs="+")
    parser.add_argument("--input", nargs="+", default=[],
                        help=".npy float32 batches to run (the model's input shape)")
    parser.add_argument("--out-dir", default=".", help="where the outputs go (with --input)")
    args = parser.parse_args(argv)
    batches = [np.load(path) for path in args.input]
    for path in args.tflite:
        status, error, outputs = check(path, batches)
        stem = os.path.splitext(os.path.basename(path))[0]
        for i, output in enumerate(outputs):
            np.save(os.path.join(args.out_dir, f"{stem}_{i}.npy"), output)
        print(json.dumps({"tflite": path, "status": status, "error": error}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
