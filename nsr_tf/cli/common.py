"""What the command lines share: argument types and the one-line error report."""

import argparse
import sys

from nsr_tf.errors import debugging


def sigma_argument(text):
    """A sigma option: 'auto' or a noise level on [0, 255]."""
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 255:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 255] or 'auto', got "
                                         f"{text!r}")
    return value


def report(prog, error, write=None):
    """A user error (an ``NsrError``, caught by the caller) as the line ``PROG: error:
    MESSAGE`` on stderr; returns the exit status 1. With ``NSR_TF_DEBUG=1`` it re-raises
    the error instead, traceback included. ``write``: how to print (tqdm.write under a
    progress bar)."""
    if debugging():
        raise error
    line = f"{prog}: error: {error}"
    if write is None:
        print(line, file=sys.stderr)
    else:
        write(line, file=sys.stderr)
    return 1
