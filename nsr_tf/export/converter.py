"""Keras -> .tflite with builtin ops only, in a chosen per-sample conv form.

Forms (docs/design.md, Runtimes: LiteRT and XNNPACK; nsr_tf.layers.conv_forms):
- ``rowhybrid``: one BATCH_MATMUL against a (3*Cin, 3*Cout) run-time matrix plus
  row-shifted adds; every op is taken by XNNPACK (the default, ``auto``).
- ``im2col``: a 9-input CONCATENATION and one BATCH_MATMUL.
- ``mixture``: static weights only (a conv to k*Cout, then the gated sum): for GPU
  delegates and full int8; k times the conv FLOPs.
- ``direct``: CONV_2D with a run-time filter (the per-sample aggregated kernel): the
  reference, and **the GPU form** (``gpu``): LiteRT's GPU accelerator takes a run-time
  filter, so a sparse conv costs one kernel bank there (tests/export/test_gpu.py);
  XNNPACK does not take it.
- ``native``: the direct form with each run-time-filter CONV_2D rewritten into nsr-tf's
  custom op, run by XNNPACK inside the op (``nsr_tf.export.native``): needs the kernel
  library beside LiteRT (built here on first use; the Android demo builds it with the NDK).
The trained weights are untouched: only the layers' ``implementation`` switches.
"""

import contextlib
import os
import shutil
import tempfile
import warnings

from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

from nsr_tf.errors import NsrError
from nsr_tf.export.litert import Engine
from nsr_tf.export.native import NativeUnavailable, to_native
from nsr_tf.export.schedule import schedule_depth_first
from nsr_tf.layers import SparseConv2D, set_implementation

FORMS = ("rowhybrid", "im2col", "mixture", "direct", "native")
QUANTIZATIONS = ("none", "float16", "dynamic", "int8")
IMPLEMENTATION_OF_FORM = {"rowhybrid": "rowhybrid", "im2col": "im2col",
                          "mixture": "mixture", "direct": "per_sample",
                          "native": "per_sample"}
# Full int8 needs static weights: an int8 CONV_2D with a run-time filter fails at prepare
# time (its filter zero point must be 0) and int8 batched matmuls of run-time operands
# ran slower than float (docs/design.md, Runtimes).
INT8_FORMS = ("mixture",)
# The native form's gate pool as MEAN (SparseConv2D.pool_as_mean); False only to measure
# the SUM it replaced (benchmarks/speed/gate_pool_speed.py)
NATIVE_POOL_AS_MEAN = True
# The native form's softmax-gated layers as one op each (gate, aggregation, conv: the
# NsrSparseConv2D ops); False only to measure the conv-only op they replaced
NATIVE_WHOLE_LAYER = True


class ExportError(NsrError, ValueError):
    """An export that cannot be done; the message says why in one line."""


# What ``--form`` names for a target: the fastest measured on LiteRT/XNNPACK
# (docs/benchmarks.md), and the one-bank form the GPU accelerator takes in full.
TARGET_FORMS = {"auto": "rowhybrid", "cpu": "rowhybrid", "gpu": "direct"}


def resolve_form(form, model):
    if form in TARGET_FORMS:
        return TARGET_FORMS[form]
    if form not in FORMS:
        raise ExportError(f"--form must be one of {(*TARGET_FORMS, *FORMS)}, got {form!r}")
    return form


@contextlib.contextmanager
def implementation(model, form):
    """Temporarily switch every SparseConv2D of ``model`` to ``form``."""
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, SparseConv2D)]
    saved = [(layer.implementation, layer.pool_as_mean) for layer in layers]
    set_implementation(model, IMPLEMENTATION_OF_FORM[form])
    for layer in layers:    # the native form: the gate's pool as TFLite's MEAN (faster)
        layer.pool_as_mean = form == "native" and NATIVE_POOL_AS_MEAN
    try:
        yield
    finally:
        for layer, (value, as_mean) in zip(layers, saved):
            layer.implementation, layer.pool_as_mean = value, as_mean


def convert(model, form="auto", quantize="none", tile=64, batch=1, representative=None):
    """Returns the .tflite bytes of ``model`` on a fixed (batch, tile, tile, C) float32
    input in [0, 1]. ``representative``: a callable yielding [input batch] lists, needed
    for ``quantize="int8"``."""
    if form == "gpu" and batch != 1:
        raise ExportError("--form gpu exports --batch 1: the per-sample convs of a batch "
                          "unpack into 5-D tensors, which LiteRT's GPU accelerator refuses")
    form = resolve_form(form, model)
    if quantize not in QUANTIZATIONS:
        raise ExportError(f"--quantize must be one of {QUANTIZATIONS}, got {quantize!r}")
    sparse = any(isinstance(layer, SparseConv2D) and layer.gate != "none"
                 for layer in model._flatten_layers())
    if quantize == "int8" and sparse and form not in INT8_FORMS:
        raise ExportError(f"full int8 needs static weights: form {form!r} computes its conv "
                          f"weights at run time; use --form mixture, or --quantize dynamic "
                          f"or float16")
    if quantize == "int8" and representative is None:
        raise ExportError("--quantize int8 needs a representative dataset")
    if tile < 1 or batch < 1:
        raise ExportError(f"tile and batch must be >= 1, got tile={tile}, batch={batch}")
    channels = model.input_shape[-1]
    directory = tempfile.mkdtemp(prefix="nsr_tf_export_")
    try:
        with implementation(model, form), warnings.catch_warnings():
            # Keras notes that the named signature differs from the model's input structure
            warnings.filterwarnings("ignore", message="The structure of `inputs`")
            # A fixed signature: with a None batch the per-sample forms become WHILE loops.
            model.export(directory, format="tf_saved_model", verbose=False,
                         input_signature=[tf.TensorSpec((batch, tile, tile, channels),
                                                        tf.float32, name="image")])
        converter = tf.lite.TFLiteConverter.from_saved_model(directory)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if quantize in ("float16", "dynamic", "int8"):
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if quantize == "int8":
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        try:
            content = converter.convert()
        except Exception as error:  # the converter raises many kinds, with pages of text
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ExportError(f"conversion failed for form {form!r}, quantize {quantize!r}: "
                              f"{type(error).__name__}: {first[:300]}") from None
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    # One band of a large tile after the other (nsr_tf.export.schedule): same values.
    content = schedule_depth_first(content)
    if form == "native":
        # batch 1 (the phone files): a batch's per-sample convs are one op each, not one
        # per layer, and keep the conv-only op
        whole = NATIVE_WHOLE_LAYER and batch == 1
        try:
            content, _ = to_native(content, dynamic=quantize == "dynamic",
                                   layers=gated_layers(model) if whole else None)
        except ValueError as error:
            raise ExportError(f"--form native: {error}") from None
    _check_runs(content, form, quantize)
    return content


def gated_layers(model):
    """The model's SparseConv2D layers with a gate (those whose conv is a run-time-filter
    conv in the file), in the order of their convs there."""
    return [layer for layer in model._flatten_layers()
            if isinstance(layer, SparseConv2D) and layer.gate != "none"]


def _check_runs(content, form, quantize):
    try:
        Engine(content)
    except NativeUnavailable as error:
        raise ExportError(f"--form native: {error}") from None
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ExportError(f"the converted model (form {form!r}, quantize {quantize!r}) does "
                          f"not run in LiteRT: {first[:300]}") from None


def write(content, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)
