"""The custom ops' names and versions, the kernel's sources, and its error: what the
rewrite, the build and the runtime share."""

import os

from nsr_tf.errors import NsrError

OP_NAME = "NsrDynConv2D"
OP_NAME_RELU = "NsrDynConv2DRelu"
# dynamically quantized (int8 arithmetic, float output): --form native --quantize dynamic
OP_NAME_QD8 = "NsrDynConv2DQd8"
OP_NAME_QD8_RELU = "NsrDynConv2DQd8Relu"
# the whole sparse layer (gate, eq. 10's aggregation, conv) in one op, the same four kinds
SPARSE_NAME = "NsrSparseConv2D"
SPARSE_NAME_RELU = "NsrSparseConv2DRelu"
SPARSE_NAME_QD8 = "NsrSparseConv2DQd8"
SPARSE_NAME_QD8_RELU = "NsrSparseConv2DQd8Relu"
OP_NAMES = (OP_NAME, OP_NAME_RELU, OP_NAME_QD8, OP_NAME_QD8_RELU, SPARSE_NAME,
            SPARSE_NAME_RELU, SPARSE_NAME_QD8, SPARSE_NAME_QD8_RELU)
OP_VERSION = 1
SOURCES = ("dyn_conv.c", "runner.c")
HERE = os.path.dirname(os.path.abspath(__file__))   # the C sources



class NativeUnavailable(NsrError, RuntimeError):
    """The kernel library cannot be built or loaded here; the message says why in one
    line."""
