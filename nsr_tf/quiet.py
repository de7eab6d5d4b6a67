"""Imports TensorFlow without its start-up chatter.

TensorFlow 2.21 writes a oneDNN notice (twice: two shared libraries) and an absl line
before absl logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them. The
import runs with file descriptor 2 pointed at a temporary file; afterwards every line of
it that is not known chatter is written to stderr again, so a warning that matters (a
missing library, a CPU feature problem) still shows. ``NSR_TF_VERBOSE=1`` turns this off.

The one place the package quiets TensorFlow: a module that needs it starts with
``from nsr_tf.quiet import tf`` (a PEP 562 attribute: the import happens then, quietly),
and the commands call ``import_tensorflow()`` after parsing, so ``--help`` needs none.
"""

import os
import re
import sys
import tempfile

CHATTER = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|port\.cc:\d+\] oneDNN custom operations are on"
    r"|cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized"
    r"|To enable the following instructions|rebuild TensorFlow with the appropriate"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered"
    r"|cuda_(executor|driver|blas|dnn|fft)\.cc|Could not find cuda drivers")


# TensorFlow's C++ log level: errors only (its warnings are start-up and retracing notes)
LOG_LEVEL = "3"


def __getattr__(name):
    """``from nsr_tf.quiet import tf``: TensorFlow, imported quietly on first use."""
    if name in ("tf", "tensorflow"):
        return import_tensorflow()
    raise AttributeError(f"module 'nsr_tf.quiet' has no attribute {name!r}")


def import_tensorflow():
    """``import tensorflow`` with the chatter filtered out; returns the module."""
    if "tensorflow" in sys.modules or os.environ.get("NSR_TF_VERBOSE") == "1":
        import tensorflow
        return tensorflow
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", LOG_LEVEL)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines()
                    if line.strip() and not CHATTER.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
    return tensorflow
