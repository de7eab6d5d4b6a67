"""Running a native .tflite (ctypes over the kernel library's runner): LiteRT's Python API
cannot register a custom-op kernel."""

import ctypes

import numpy as np

from nsr_tf.export.native.build import library
from nsr_tf.export.native.ops import NativeUnavailable
from nsr_tf.export.native.rewrite import io_shapes


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
