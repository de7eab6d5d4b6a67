"""The native form: each sparse layer's per-sample conv as a LiteRT custom op run by
XNNPACK (the C sources beside this file; docs/native.md). Four rooms:

- ``ops``: the custom ops' names, the C sources, ``NativeUnavailable``.
- ``rewrite``: ``to_native(content)`` rewrites a ``direct``-form .tflite: every CONV_2D
  whose filter is a run-time tensor (stride 1, dilation 1, 'same') becomes the custom op
  ``NsrDynConv2D`` (``NsrDynConv2DRelu`` with a fused ReLU), and the ADD of its
  per-sample bias that follows is folded into it. The converter cannot emit a custom op,
  so the flatbuffer is rewritten after conversion (as ``nsr_tf.export.schedule``
  reorders it). Given the model's layers (the export does), each softmax-gated layer
  becomes one op for the whole layer (``NsrSparseConv2D``: the gate's pool, MLP and
  softmax, eq. 10's aggregation and the conv in C), its constants as inputs, laid at
  64-byte offsets after the flatbuffer (LiteRT refuses unaligned ones).
- ``build``: ``library()`` builds the kernel library (``libnsr_native.so``: the op, and a
  runner of a whole .tflite through LiteRT's C API) with the system C compiler against
  the ``ai-edge-litert`` wheel's ``libLiteRt.so`` and a current XNNPACK, static, built
  once per machine from Debian's packages (``nsr_tf.export.xnnpack``: minutes, the first
  time), into the package's cache.
- ``runtime``: ``NativeModel(content)`` runs such a file (ctypes): LiteRT's Python API
  cannot register a custom-op kernel.
"""

from nsr_tf.export.native.ops import (HERE, OP_NAME, OP_NAME_QD8, OP_NAME_QD8_RELU,
                                      OP_NAME_RELU, OP_NAMES, OP_VERSION, SOURCES,
                                      SPARSE_NAME, SPARSE_NAME_QD8, SPARSE_NAME_QD8_RELU,
                                      SPARSE_NAME_RELU, NativeUnavailable)
from nsr_tf.export.native.rewrite import custom_ops, io_shapes, to_native
from nsr_tf.export.native.build import build_command, cache_dir, library, litert_dir
from nsr_tf.export.native.runtime import NativeModel, available, load

__all__ = ["HERE", "OP_NAME", "OP_NAME_QD8", "OP_NAME_QD8_RELU", "OP_NAME_RELU", "OP_NAMES",
           "OP_VERSION", "SOURCES", "SPARSE_NAME", "SPARSE_NAME_QD8", "SPARSE_NAME_QD8_RELU",
           "SPARSE_NAME_RELU", "NativeModel", "NativeUnavailable", "available",
           "build_command", "cache_dir", "custom_ops", "io_shapes", "library", "litert_dir",
           "load", "to_native"]
