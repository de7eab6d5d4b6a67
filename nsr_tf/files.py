"""Where nsr-tf keeps what it makes on a machine, and how it fingerprints files: one cache
root and one SHA-256 helper for the whole package.

The cache root is ``NSR_TF_CACHE``, else ``$XDG_CACHE_HOME/nsr_tf``, else
``~/.cache/nsr_tf``. Below it: downloaded datasets (``nsr_tf.data.sources``), the XNNPACK
build (``xnnpack/``, or ``NSR_TF_XNNPACK_DIR``), the native kernel (``native/``, or
``NSR_TF_NATIVE_DIR``) and the shipped models' exports (``exports/``).
"""

import hashlib
import os


def cache_root():
    """nsr-tf's folder in the user's cache."""
    explicit = os.environ.get("NSR_TF_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nsr_tf")


def sha256_file(path):
    """The SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
