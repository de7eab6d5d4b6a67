"""Package attributes imported on first use (PEP 562), so that ``import nsr_tf`` and the
command lines' ``--help`` do not pay for TensorFlow; the first use imports TensorFlow
without its start-up chatter (``nsr_tf.quiet``)."""

import importlib


def exports(package, names):
    """A module ``__getattr__`` for ``package`` serving ``names`` (attribute -> module)."""
    def __getattr__(name):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        from nsr_tf.quiet import import_tensorflow
        import_tensorflow()
        value = getattr(importlib.import_module(module), name)
        globals_of(package)[name] = value
        return value
    return __getattr__


def globals_of(package):
    return vars(importlib.import_module(package))
