"""Export to TFLite/LiteRT: conversion in a chosen form, parity, delegation checks."""

from nsr_tf.export.converter import FORMS, QUANTIZATIONS, ExportError, convert

__all__ = ["FORMS", "QUANTIZATIONS", "ExportError", "convert"]
