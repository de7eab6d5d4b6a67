"""The custom ops' names and versions, the kernel's sources, and its error: what the
rewrite, the build and the runtime share."""

import os

from nsr_tf.errors import NsrError

OP_NAME = "NsrDynConv2D"
OP_NAME_RELU = "NsrDynConv2DRelu"
# dynamically quantized (int8 arithmetic, float output): --form native --quantize dynamic
OP_NAME_QD8 = "NsrDynConv2DQd8"
OP_NAME_QD8_RELU = "NsrDynConv2DQd8Relu"
OP_NAMES = (OP_NAME, OP_NAME_RELU, OP_NAME_QD8, OP_NAME_QD8_RELU)
OP_VERSION = 1
SOURCES = ("dyn_conv.c", "runner.c")
HERE = os.path.dirname(os.path.abspath(__file__))   # the C sources



class NativeUnavailable(NsrError, RuntimeError):
    """The kernel library cannot be built or loaded here; the message says why in one
    line."""
