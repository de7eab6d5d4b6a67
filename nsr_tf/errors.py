"""The errors a user can cause (a bad file, flag or model), as opposed to bugs.

Every command line catches ``NsrError`` only and prints it as one line; anything else is a
bug and keeps its traceback. ``NSR_TF_DEBUG=1`` re-raises an ``NsrError`` too.
"""

import os


class NsrError(Exception):
    """An input or usage error; the message names the file or flag."""


class UsageError(NsrError, ValueError):
    """A bad argument value (also a ValueError, for library callers)."""


def debugging():
    """Whether ``NSR_TF_DEBUG=1`` asks for tracebacks of user errors too."""
    return os.environ.get("NSR_TF_DEBUG", "") not in ("", "0")
