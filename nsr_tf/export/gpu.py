"""LiteRT's GPU accelerator, from a process that has imported TensorFlow: it runs
``python -m nsr_tf.export.gpu_check`` in a child process with LiteRT alone (creating a GPU
model beside TensorFlow segfaulted) and reads back what it found."""

import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np



def vulkan_available():
    """Whether a Vulkan driver is installed (without a GPU: Mesa's lavapipe)."""
    return bool(glob.glob("/usr/share/vulkan/icd.d/*.json"))


def run_on_gpu(files, batches=(), timeout=600):
    """{file: (status, [GPU output per batch])} for .tflite ``files`` that share an input
    shape; status is "accelerated", "partial" or "refused" (then no outputs)."""
    files = [str(f) for f in files]
    with tempfile.TemporaryDirectory(prefix="nsr_tf_gpu_") as folder:
        inputs = []
        for i, batch in enumerate(batches):
            inputs.append(os.path.join(folder, f"input_{i}.npy"))
            np.save(inputs[-1], np.asarray(batch, np.float32))
        result = subprocess.run([sys.executable, "-m", "nsr_tf.export.gpu_check", *files,
                                 "--out-dir", folder,
                                 *(["--input", *inputs] if inputs else [])],
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise RuntimeError(f"nsr_tf.export.gpu_check failed: {result.stderr[-2000:]}")
        rows = [json.loads(line) for line in result.stdout.splitlines()
                if line.startswith('{"tflite"')]   # the Vulkan driver writes notes too
        if len(rows) != len(files):
            raise RuntimeError(f"nsr_tf.export.gpu_check answered for {len(rows)} of "
                               f"{len(files)} files: {result.stderr[-2000:]}")
        out = {}
        for row in rows:
            stem = os.path.splitext(os.path.basename(row["tflite"]))[0]
            outputs = [np.load(os.path.join(folder, f"{stem}_{i}.npy"))
                       for i in range(len(inputs))] if row["status"] != "refused" else []
            out[row["tflite"]] = (row["status"], outputs)
    return out
