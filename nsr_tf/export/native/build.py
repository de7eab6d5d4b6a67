"""The kernel library ``libnsr_native.so``: built with the system C compiler against the
``ai-edge-litert`` wheel's ``libLiteRt.so`` and a current static XNNPACK
(``nsr_tf.export.xnnpack``), once per machine, into the package's cache."""

import hashlib
import os
import shutil
import subprocess

import ai_edge_litert

from nsr_tf.export import xnnpack
from nsr_tf.export.native.ops import HERE, SOURCES, NativeUnavailable
from nsr_tf.files import cache_root


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
    # -O3: the filter's quantization loops vectorised (dyn_conv.c QuantizeFilter);
    # -fno-math-errno: fabsf inline (no errno is read)
    return [_compiler(), "-O3", "-fno-math-errno", "-std=c11", "-shared", "-fPIC",
            "-I", os.path.join(HERE, "include"), "-I", HERE,
            *[os.path.join(HERE, name) for name in SOURCES], "-o", output,
            "-L", litert, "-l:libLiteRt.so", f"-Wl,-rpath,{litert}",
            *xnnpack.compiler_args(xnnpack_dir)]


def program_command(source, output, xnnpack_dir):
    """The command line that builds ``source``, a C program that includes dyn_conv.c (a check
    or a benchmark of the op's own functions), as the kernel library is built."""
    command = build_command(output, litert_dir(), xnnpack_dir)
    return [command[0], source] + [part for part in command[1:] if part not in
                                   ("-shared", "-fPIC") and not part.endswith(".c")]


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
