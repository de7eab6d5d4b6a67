"""Export to TFLite/LiteRT: conversion in a chosen form, parity, delegation checks
(imported on first use)."""

from nsr_tf.lazy import exports

_EXPORTS = {name: "nsr_tf.export.converter"
            for name in ("FORMS", "QUANTIZATIONS", "ExportError", "convert")}
__getattr__ = exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
