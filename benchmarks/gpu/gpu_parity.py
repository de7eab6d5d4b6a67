"""LiteRT alone: the GPU accelerator against the CPU (XNNPACK) on one random tile of
each model's input shape; prints the max absolute difference.

    python benchmarks/gpu/gpu_parity.py model.tflite [...]
"""

import os
import sys

import numpy as np

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/xdg")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)

from ai_edge_litert.compiled_model import CompiledModel, HardwareAccelerator  # noqa: E402
from ai_edge_litert.interpreter import Interpreter  # noqa: E402


def main(paths):
    for path in paths:
        cpu = Interpreter(model_path=path)
        cpu.allocate_tensors()
        detail = cpu.get_input_details()[0]
        x = np.random.default_rng(0).uniform(size=detail["shape"]).astype(np.float32)
        cpu.set_tensor(detail["index"], x)
        cpu.invoke()
        expected = cpu.get_tensor(cpu.get_output_details()[0]["index"])
        gpu = CompiledModel.from_file(path, hardware_accel=HardwareAccelerator.GPU)
        inputs, outputs = gpu.create_input_buffers(0), gpu.create_output_buffers(0)
        inputs[0].write(x)
        gpu.run_by_index(0, inputs, outputs)
        got = outputs[0].read(expected.size, np.float32).reshape(expected.shape)
        print(f"{path}: fully accelerated {gpu.is_fully_accelerated()}, max |GPU - CPU| "
              f"{float(np.abs(got - expected).max()):.2e}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
