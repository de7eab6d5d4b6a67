"""LiteRT alone (no TensorFlow: creating a GPU model in a process that imported it
segfaulted): does LiteRT's GPU accelerator take each .tflite? Needs Vulkan (on a machine
without a GPU, Mesa's lavapipe: `mesa-vulkan-drivers` 25.x from bookworm-backports).

    python benchmarks/gpu/gpu_check.py model.tflite [...]
"""

import os
import sys

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/xdg")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)

from ai_edge_litert.compiled_model import CompiledModel, HardwareAccelerator  # noqa: E402


def main(paths):
    for path in paths:
        try:
            model = CompiledModel.from_file(path, hardware_accel=HardwareAccelerator.GPU)
            print(f"{path}: created; fully accelerated: {model.is_fully_accelerated()}",
                  flush=True)
        except RuntimeError as error:   # the refused ops are in LiteRT's log above
            print(f"{path}: refused ({str(error).splitlines()[0][:200]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
