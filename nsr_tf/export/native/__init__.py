"""The native form: each sparse layer's per-sample conv as a LiteRT custom op run by
XNNPACK (the C sources beside this file; docs/native.md).

- ``to_native(content)`` rewrites a ``direct``-form .tflite: every CONV_2D whose filter is
  a run-time tensor (stride 1, dilation 1, 'same') becomes the custom op ``NsrDynConv2D``
  (``NsrDynConv2DRelu`` with a fused ReLU), and the ADD of its per-sample bias that follows
  is folded into it. The converter cannot emit a custom op, so the flatbuffer is
  rewritten after conversion (as ``nsr_tf.export.schedule`` reorders it).
- ``library()`` builds the kernel library (``libnsr_native.so``: the op, and a runner of
  a whole .tflite through LiteRT's C API) with the system C compiler against the
  ``ai-edge-litert`` wheel's ``libLiteRt.so`` and a current XNNPACK, static, built once
  per machine from Debian's packages (``nsr_tf.export.xnnpack``: minutes, the
  first time), into a cache folder.
- ``NativeModel(content)`` runs such a file (ctypes): LiteRT's Python API cannot register
  a custom-op kernel.
"""

import ctypes
import hashlib
import os
import shutil
import subprocess

import ai_edge_litert
import numpy as np
from ai_edge_litert import schema_py_generated as schema

from nsr_tf.errors import NsrError
from nsr_tf.export import xnnpack
from nsr_tf.files import cache_root
from nsr_tf.export.schedule import depth_first_order

OP_NAME = "NsrDynConv2D"
OP_NAME_RELU = "NsrDynConv2DRelu"
# dynamically quantized (int8 arithmetic, float output): --form native --quantize dynamic
OP_NAME_QD8 = "NsrDynConv2DQd8"
OP_NAME_QD8_RELU = "NsrDynConv2DQd8Relu"
OP_NAMES = (OP_NAME, OP_NAME_RELU, OP_NAME_QD8, OP_NAME_QD8_RELU)
OP_VERSION = 1
SOURCES = ("dyn_conv.c", "runner.c")
HERE = os.path.dirname(os.path.abspath(__file__))


class NativeUnavailable(NsrError, RuntimeError):
    """The kernel library cannot be built or loaded here; the message says why in one
    line."""


# --- the export: CONV_2D with a run-time filter -> the custom op -------------------------

def to_native(content, dynamic=False):
    """``content`` (.tflite bytes of the direct form) with its run-time-filter convs as
    custom ops; ``dynamic``: the dynamically quantized ones (int8 filter per output
    channel and int8 input, quantized per call; float output). Returns (bytes, number of
    ops rewritten)."""
    # TensorFlow's flatbuffer tools only to write the form; running it needs LiteRT alone
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    codes = model.operatorCodes

    def builtin(op):
        code = codes[op.opcodeIndex]
        return max(code.builtinCode, code.deprecatedBuiltinCode)

    def custom_code(name):
        for index, code in enumerate(codes):
            if code.customCode in (name, name.encode()):
                return index
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
        code.customCode, code.version = name, OP_VERSION
        codes.append(code)
        return len(codes) - 1

    rewritten = 0
    for subgraph in model.subgraphs:
        tensors, operators = subgraph.tensors, subgraph.operators

        def constant(index):
            data = model.buffers[tensors[index].buffer].data
            return data is not None and len(data) > 0

        consumers = {}
        for op in operators:
            for tensor in op.inputs:
                consumers.setdefault(int(tensor), []).append(op)
        removed = set()
        for op in operators:
            if builtin(op) != schema.BuiltinOperator.CONV_2D or not _convertible(op, schema):
                continue
            x, kernel = int(op.inputs[0]), int(op.inputs[1])
            bias = int(op.inputs[2]) if len(op.inputs) > 2 else -1
            constant_bias = bias >= 0 and constant(bias)
            if constant(kernel) or (constant_bias and _nonzero(model, tensors[bias])):
                continue   # a constant filter is XNNPACK's own; a constant bias: see below
            out_channels = int(tensors[kernel].shape[0])
            relu = op.builtinOptions.fusedActivationFunction == schema.ActivationFunctionType.RELU
            inputs, outputs = [x, kernel], list(op.outputs)
            # The per-sample bias: an ADD of a run-time (Cout,) vector right after the conv.
            # (A constant bias from the file fails in LiteRT's custom-op path: "Unaligned
            # host memory pointer"; the converter's constant bias here is all zeros.)
            users = consumers.get(outputs[0], [])
            if bias >= 0 and not constant_bias:
                inputs.append(bias)
            elif not relu and len(users) == 1 and outputs[0] not in subgraph.outputs \
                    and builtin(users[0]) == schema.BuiltinOperator.ADD:
                add = users[0]
                other = [int(t) for t in add.inputs if int(t) != outputs[0]]
                activation = add.builtinOptions.fusedActivationFunction
                if (len(other) == 1 and list(tensors[other[0]].shape) == [out_channels]
                        and not constant(other[0])
                        and activation in (schema.ActivationFunctionType.NONE,
                                           schema.ActivationFunctionType.RELU)):
                    inputs.append(other[0])
                    outputs = list(add.outputs)
                    relu = activation == schema.ActivationFunctionType.RELU
                    removed.add(id(add))
            names = (OP_NAME_QD8, OP_NAME_QD8_RELU) if dynamic else (OP_NAME, OP_NAME_RELU)
            op.opcodeIndex = custom_code(names[relu])
            op.inputs, op.outputs = np.array(inputs, np.int32), np.array(outputs, np.int32)
            op.builtinOptionsType, op.builtinOptions = 0, None
            op.customOptions = None
            rewritten += 1
        operators = [op for op in operators if id(op) not in removed]
        # The folded bias may be computed after the conv in the converter's order.
        subgraph.operators = [operators[i] for i in depth_first_order(operators,
                                                                      subgraph.outputs)]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model)), rewritten


def _convertible(op, schema):
    options = op.builtinOptions
    return (options.padding == schema.Padding.SAME and options.strideH == 1
            and options.strideW == 1 and options.dilationHFactor == 1
            and options.dilationWFactor == 1
            and options.fusedActivationFunction in (schema.ActivationFunctionType.NONE,
                                                    schema.ActivationFunctionType.RELU))


def _nonzero(model, tensor):
    return bool(np.any(np.frombuffer(bytes(model.buffers[tensor.buffer].data), np.uint8)))


def custom_ops(content):
    """Names of the custom ops in a .tflite (bytes): nsr-tf's, and any other."""
    model = schema.Model.GetRootAs(content, 0)
    names = set()
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i).CustomCode()
        if code:
            names.add(code.decode())
    return sorted(names)


def io_shapes(content):
    """(input shape, output shape) of the first subgraph of a .tflite (bytes)."""
    graph = schema.Model.GetRootAs(content, 0).Subgraphs(0)
    return (tuple(graph.Tensors(graph.Inputs(0)).ShapeAsNumpy()),
            tuple(graph.Tensors(graph.Outputs(0)).ShapeAsNumpy()))


# --- the kernel library ------------------------------------------------------------------

def litert_dir():
    return os.path.dirname(os.path.abspath(ai_edge_litert.__file__))


def cache_dir():
    return os.environ.get("NSR_TF_NATIVE_DIR") or os.path.join(cache_root(), "native")


def _compiler():
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler or not shutil.which(compiler):
        raise NativeUnavailable(f"the native kernel did not build: no C compiler "
                                f"({compiler or 'cc/gcc'} not found)")
    return compiler


def _fingerprint(litert):
    digest = hashlib.sha256(xnnpack.VERSION.encode())
    for name in SOURCES + ("nsr_native.h",):
        with open(os.path.join(HERE, name), "rb") as handle:
            digest.update(handle.read())
    digest.update(str(os.path.getsize(os.path.join(litert, "libLiteRt.so"))).encode())
    return digest.hexdigest()[:16]


def build_command(output, litert, xnnpack_dir):
    """The C compiler's command line of the kernel library: the sources beside this file,
    LiteRT's C API and the XNNPACK of ``xnnpack_dir``."""
    # -fno-math-errno: lrintf and fabsf inline (no errno is read)
    return [_compiler(), "-O2", "-fno-math-errno", "-std=c11", "-shared", "-fPIC",
            "-I", os.path.join(HERE, "include"), "-I", HERE,
            *[os.path.join(HERE, name) for name in SOURCES], "-o", output,
            "-L", litert, "-l:libLiteRt.so", f"-Wl,-rpath,{litert}",
            *xnnpack.compiler_args(xnnpack_dir)]


def library(rebuild=False):
    """Path of the built kernel library (built on first use)."""
    litert = litert_dir()
    if not os.path.exists(os.path.join(litert, "libLiteRt.so")):
        raise NativeUnavailable(f"the native kernel needs libLiteRt.so, not found in {litert}")
    path = os.path.join(cache_dir(), _fingerprint(litert), "libnsr_native.so")
    if os.path.exists(path) and not rebuild:
        return path
    _compiler()     # before the minutes of an XNNPACK build
    try:
        xnnpack_dir = xnnpack.build()
    except xnnpack.XnnpackUnavailable as error:
        raise NativeUnavailable(f"the native kernel needs XNNPACK: {error}") from None
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    command = build_command(tmp, litert, xnnpack_dir)
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        raise NativeUnavailable(f"the native kernel did not build: cannot run the C compiler "
                                f"{command[0]}: {error.strerror}") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        first = next((line for line in lines if "error" in line), lines[0])
        raise NativeUnavailable(f"the native kernel did not build: {first.strip()[:300]}")
    os.replace(tmp, path)
    return path


_LIBRARY = None


def load():
    """The kernel library, loaded (ctypes)."""
    global _LIBRARY
    if _LIBRARY is None:
        try:
            lib = ctypes.CDLL(library())
        except OSError as error:
            raise NativeUnavailable(f"the native kernel library does not load: {error}") \
                from None
        lib.nsr_model_open.restype = ctypes.c_void_p
        lib.nsr_model_open.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
                                       ctypes.c_char_p, ctypes.c_size_t]
        lib.nsr_model_input_bytes.restype = lib.nsr_model_output_bytes.restype = ctypes.c_size_t
        lib.nsr_model_input_bytes.argtypes = lib.nsr_model_output_bytes.argtypes = [
            ctypes.c_void_p]
        lib.nsr_model_run.restype = ctypes.c_int
        lib.nsr_model_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                      ctypes.c_char_p, ctypes.c_size_t]
        lib.nsr_model_close.argtypes = [ctypes.c_void_p]
        _LIBRARY = lib
    return _LIBRARY


def available():
    """(True, None) or (False, the one-line reason)."""
    try:
        load()
        return True, None
    except NativeUnavailable as error:
        return False, str(error)


class NativeModel:
    """A .tflite with the custom ops, compiled by LiteRT for its CPU path (XNNPACK for the
    builtin ops) with the kernels registered. ``run(x)``: x of the file's input shape."""

    def __init__(self, content, threads=1):
        self._lib = load()
        self.input_shape, self.output_shape = io_shapes(content)
        error = ctypes.create_string_buffer(512)
        self._handle = self._lib.nsr_model_open(content, len(content), threads, error, 512)
        if not self._handle:
            raise NativeUnavailable(f"the native model does not compile: "
                                    f"{error.value.decode()}")
        expected = 4 * int(np.prod(self.input_shape)), 4 * int(np.prod(self.output_shape))
        got = (self._lib.nsr_model_input_bytes(self._handle),
               self._lib.nsr_model_output_bytes(self._handle))
        if got != expected:
            self.close()
            raise NativeUnavailable(f"the native model's buffers are {got} bytes, expected "
                                    f"{expected} (float32 input and output)")

    def run(self, x):
        x = np.ascontiguousarray(x, np.float32).reshape(self.input_shape)
        out = np.empty(self.output_shape, np.float32)
        error = ctypes.create_string_buffer(512)
        if self._lib.nsr_model_run(self._handle, x.ctypes.data, out.ctypes.data, error, 512):
            raise RuntimeError(error.value.decode())
        return out

    def invoke(self):
        """Runs on the input of the last ``run`` (timing without the copies)."""
        error = ctypes.create_string_buffer(512)
        if self._lib.nsr_model_run(self._handle, None, None, error, 512):
            raise RuntimeError(error.value.decode())

    def close(self):
        if getattr(self, "_handle", None):
            self._lib.nsr_model_close(self._handle)
            self._handle = None

    def __del__(self):
        self.close()
