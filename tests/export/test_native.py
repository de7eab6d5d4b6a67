"""The native form (nsr_tf.export.native): the custom op computes the per-sample conv of
eq. 10 as Keras does, every sparse conv is rewritten, the exported models pass parity on
real images, the command writes what an app needs, and a machine that cannot build the
kernel is told so in one line.

Where the kernel library cannot be built (no XNNPACK headers) these tests skip, as the GPU
tests do without Vulkan; .ci/run installs XNNPACK and sets NSR_TF_REQUIRE_NATIVE=1, which
turns that skip into a failure."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from nsr_tf import build_model
from nsr_tf.data import Degradation
from nsr_tf.export import ExportError, convert, parity
from nsr_tf.export import native
from nsr_tf.export.litert import LiteRTPredictor
from nsr_tf.layers import SparseConv2D

from tests.export.test_export import REPO, tiles

AVAILABLE, WHY = native.available()
if not AVAILABLE and os.environ.get("NSR_TF_REQUIRE_NATIVE") == "1":
    raise RuntimeError(f"NSR_TF_REQUIRE_NATIVE=1 but {WHY}")
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=f"native kernel: {WHY}")


def randomized(model, seed=0):
    """Random weights everywhere (untrained gates are nearly uniform, and a kernel that
    ignored them would pass)."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(rng.normal(0, 0.3, weight.shape).astype("float32"))
    return model


def sparse_stack(channels=16, groups=2, cardinality=4):
    inputs = keras.Input((None, None, channels))
    hidden = SparseConv2D(channels, sparsity_groups=groups, cardinality=cardinality)(inputs)
    hidden = keras.layers.ReLU()(hidden)
    outputs = SparseConv2D(channels, sparsity_groups=groups, cardinality=cardinality)(hidden)
    return randomized(keras.Model(inputs, outputs))


def builtin_conv_filters(content):
    """For each builtin CONV_2D: is its filter a constant?"""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    graph = model.subgraphs[0]
    result = []
    for op in graph.operators:
        code = model.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.CONV_2D:
            buffer = model.buffers[graph.tensors[op.inputs[1]].buffer]
            # inline data, or (a native file's layout) data after the flatbuffer
            result.append((buffer.data is not None and len(buffer.data) > 0)
                          or buffer.size > 0)
    return result


def builtin_ops(content):
    """The names of the builtin ops of a .tflite, in the file's order."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    names = {value: name for name, value in vars(schema.BuiltinOperator).items()
             if not name.startswith("_")}
    codes = model.operatorCodes
    return [names[max(codes[op.opcodeIndex].builtinCode,
                      codes[op.opcodeIndex].deprecatedBuiltinCode)]
            for op in model.subgraphs[0].operators
            if not codes[op.opcodeIndex].customCode]


@pytest.mark.parametrize("groups, cardinality", [(2, 4), (4, 16)])
def test_native_layers_compute_what_keras_computes(groups, cardinality):
    model = sparse_stack(groups=groups, cardinality=cardinality)
    content = convert(model, "native", tile=20)
    # both layers rewritten whole: the first with its ReLU fused; no conv, and none of the
    # builtin ops that computed the gate and the aggregated filter, left in the file
    assert native.custom_ops(content) == [native.SPARSE_NAME, native.SPARSE_NAME_RELU]
    assert builtin_ops(content) == []
    rng = np.random.default_rng(1)
    x = (rng.uniform(size=(3, 20, 20, 16)) * rng.normal(size=(3, 1, 1, 16))).astype("float32")
    expected = model(x).numpy()
    got = LiteRTPredictor(content)(x)
    # the gates differ per sample, so a kernel that froze one sample's would fail here
    gates = np.asarray(model.layers[1].gates(x))
    assert np.abs(gates[0] - gates[1]).max() > 0.1
    np.testing.assert_allclose(got, expected, atol=2e-5 * np.abs(expected).max())


@pytest.mark.parametrize("quantize", ["none", "dynamic"])
def test_a_gate_other_than_softmax_keeps_the_conv_only_op_and_its_builtin_gate(quantize):
    # the whole-layer op computes the paper's softmax gate; a sigmoid-gated layer (Table 1's
    # alternative) keeps its gate as builtin ops in front of the conv-only op
    inputs = keras.Input((None, None, 16))
    hidden = SparseConv2D(16, sparsity_groups=2, cardinality=4, gate="sigmoid")(inputs)
    outputs = SparseConv2D(16, sparsity_groups=2, cardinality=4)(keras.layers.ReLU()(hidden))
    model = randomized(keras.Model(inputs, outputs), seed=5)
    content = convert(model, "native", quantize, tile=20)
    names = ((native.OP_NAME_RELU, native.SPARSE_NAME) if quantize == "none" else
             (native.OP_NAME_QD8_RELU, native.SPARSE_NAME_QD8))
    assert native.custom_ops(content) == sorted(names)
    assert "LOGISTIC" in builtin_ops(content)
    x = np.random.default_rng(3).uniform(size=(2, 20, 20, 16)).astype("float32")
    expected = model(x).numpy()
    error = np.abs(LiteRTPredictor(content)(x) - expected).max() / np.abs(expected).max()
    assert error < (1e-5 if quantize == "none" else 0.03), error


def test_a_batch_of_two_keeps_the_conv_only_op_per_sample():
    # at batch > 1 the direct form has one conv per sample and layer: each stays the
    # conv-only op with its builtin gate (the whole-layer op is the batch-1 phone files')
    model = sparse_stack()
    content = convert(model, "native", tile=20, batch=2)
    assert native.custom_ops(content) == [native.OP_NAME]   # the ReLU follows the concat
    x = np.random.default_rng(4).uniform(size=(2, 20, 20, 16)).astype("float32")
    expected = model(x).numpy()
    np.testing.assert_allclose(LiteRTPredictor(content)(x), expected,
                               atol=2e-5 * np.abs(expected).max())


def test_the_ops_packing_of_a_new_filter_is_xnnpacks_byte_for_byte(tmp_path):
    """dyn_conv.c packs each call's int8 filter itself (PackQc8w); the check program creates
    XNNPACK operators with one filter, repacks them with another and compares with
    operators created with that one, for the presets' shapes and partial blocks, and
    compares PackQc8w with XNNPACK's packing function for the arm64 kernels' geometries."""
    from nsr_tf.export import xnnpack
    from nsr_tf.export.native import build
    binary = tmp_path / "native_pack_check"
    source = os.path.join(os.path.dirname(__file__), "native_pack_check.c")
    made = subprocess.run(build.program_command(source, str(binary), xnnpack.build()),
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr[-2000:]
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("equal") == 28, result.stdout    # 7 shapes, 21 geometries


def test_every_constant_of_a_native_file_lies_at_a_64_byte_offset():
    # LiteRT refuses an unaligned constant as a custom op's input: the whole-layer op's
    # constants (and every other) follow the flatbuffer, each at a multiple of 64
    from tensorflow.lite.python import schema_py_generated as schema
    content = convert(sparse_stack(), "native", tile=20)
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(content, 0))
    placed = [(b.offset, b.size) for b in model.buffers if b.size]
    assert len(placed) >= 8                       # 4 constants per layer, and the rest
    assert all(offset % 64 == 0 and offset + size <= len(content) for offset, size in placed)
    assert not any(b.data is not None and len(b.data) for b in model.buffers)


@pytest.mark.parametrize("task, variant", [("denoise", "sparse-"), ("denoise", "sparse+"),
                                           ("sr", "sparse+")])
def test_presets_in_native_form_match_keras(testsets, task, variant):
    model = build_model(task, variant, num_blocks=2)
    content = convert(model, "native", tile=24)
    sparse = [layer for layer in model._flatten_layers()
              if isinstance(layer, SparseConv2D) and layer.gate != "none"]
    rewritten = native.to_native(convert(model, "direct", tile=24))[1]
    assert rewritten == len(sparse) and all(builtin_conv_filters(content))
    data = tiles(testsets, model.input_shape[-1], 24)
    np.testing.assert_allclose(LiteRTPredictor(content)(data), model(data).numpy(), atol=1e-4)


def test_parity_on_two_real_images(testsets):
    model = randomized(build_model("denoise", "sparse-", num_blocks=2), seed=3)
    for layer in model.layers:   # keep the output in range: small random weights
        for weight in layer.weights:
            weight.assign(weight * 0.2)
    images = [(name, tiles(testsets, 1, 96, count=2)[i]) for i, name in enumerate("ab")]
    report = parity.check(model, convert(model, "native", tile=32), images,
                          Degradation("denoise", sigma=25), "none", tile=32, overlap=8)
    assert report["passed"] and report["gates_differ"], parity.describe(report)


def test_dynamic_quantization_keeps_the_custom_op(testsets):
    model = build_model("denoise", "sparse-", num_blocks=2)
    content = convert(model, "native", "dynamic", tile=24)
    assert set(native.custom_ops(content)) <= {native.SPARSE_NAME_QD8,
                                               native.SPARSE_NAME_QD8_RELU}
    data = tiles(testsets, 1, 24)
    assert np.abs(LiteRTPredictor(content)(data) - model(data).numpy()).mean() < 0.01


@pytest.mark.parametrize("groups, cardinality", [(2, 4), (4, 16)])
def test_the_dynamic_op_computes_in_int8_within_its_quantization_error(groups, cardinality):
    # int8 filter per output channel and int8 input: not the float result bit for bit,
    # but within 8-bit quantization error of it (a few parts in a thousand of the range)
    model = sparse_stack(groups=groups, cardinality=cardinality)
    content = convert(model, "native", "dynamic", tile=20)
    assert native.custom_ops(content) == [native.SPARSE_NAME_QD8, native.SPARSE_NAME_QD8_RELU]
    # the banks ship in int8 per bank and output channel (a quarter of the bytes), their
    # scales beside them: the op's sixth input
    from tensorflow.lite.python import schema_py_generated as schema
    graph = schema.ModelT.InitFromObj(schema.Model.GetRootAs(content, 0)).subgraphs[0]
    read = {int(i) for op in graph.operators for i in op.inputs}
    int8 = [t for i, t in enumerate(graph.tensors)
            if i in read and t.type == schema.TensorType.INT8]
    assert [list(t.shape) for t in int8] == [[groups, 16, 3, 3, 16]] * 2
    rng = np.random.default_rng(1)
    x = (rng.uniform(size=(3, 20, 20, 16)) * rng.normal(size=(3, 1, 1, 16))).astype("float32")
    expected = model(x).numpy()
    got = LiteRTPredictor(content)(x)
    error = np.abs(got - expected).max() / np.abs(expected).max()
    assert 1e-5 < error < 0.03, error
    # a 1x1 conv too (its quantization per image, as the 3x3's)
    inputs = keras.Input((None, None, 16))
    pointwise = randomized(keras.Model(inputs, SparseConv2D(16, 1, sparsity_groups=2,
                                                            cardinality=4)(inputs)))
    content = convert(pointwise, "native", "dynamic", tile=20)
    assert native.custom_ops(content) == [native.SPARSE_NAME_QD8]
    expected = pointwise(x).numpy()
    error = np.abs(LiteRTPredictor(content)(x) - expected).max() / np.abs(expected).max()
    assert 1e-5 < error < 0.03, error


@pytest.mark.parametrize("quantize", ["none", "dynamic"])
def test_the_state_kept_across_runs_never_leaks_between_runs_or_layers(quantize):
    # The kernel keeps each shape's operator and repacks its weights at every call
    # (dyn_conv.c, "State kept across runs"): layers of one shape share a state, and more
    # shapes than it keeps (8) replace each other. Ten layers, nine shapes, ReLU and not:
    # every run must compute what Keras computes, and a run repeated after others must give
    # the same bits as the first time (cardinality 4: channels in steps of 4).
    inputs = keras.Input((None, None, 8))
    hidden = inputs
    for index, channels in enumerate([12, 16, 20, 24, 28, 32, 36, 40, 8, 12]):
        hidden = SparseConv2D(channels, sparsity_groups=2, cardinality=4)(hidden)
        if index % 2 == 0:
            hidden = keras.layers.ReLU()(hidden)
    model = randomized(keras.Model(inputs, hidden), seed=4)
    for weight in model.weights:     # keep ten layers' output in range
        weight.assign(weight * 0.6)
    content = convert(model, "native", quantize, tile=12)
    rng = np.random.default_rng(2)
    x = (rng.uniform(size=(3, 12, 12, 8)) * rng.normal(size=(3, 1, 1, 8))).astype("float32")
    predictor = LiteRTPredictor(content)
    first = predictor(x)
    again = predictor(x[::-1])[::-1]
    np.testing.assert_array_equal(again, first)
    expected = model(x).numpy()
    error = np.abs(first - expected).max() / np.abs(expected).max()
    assert error < (1e-5 if quantize == "none" else 0.05), error


def test_command_writes_the_native_file_and_says_what_it_needs(tmp_path):
    model = build_model("denoise", "sparse-", num_blocks=1)
    path = str(tmp_path / "m.keras")
    model.save(path)
    result = subprocess.run([sys.executable, os.path.join(REPO, "export", "to_tflite.py"),
                             "--model", path, "--form", "native", "--tile", "32"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    meta = json.load(open(str(tmp_path / "m.tflite.json")))
    assert meta["form"] == "native" and meta["parity"]["passed"]
    assert meta["custom_ops"] == [native.SPARSE_NAME, native.SPARSE_NAME_RELU]
    assert "libnsr_native" in meta["needs"]
    assert "custom ops (need the native kernel library)" in result.stdout


def test_a_machine_without_the_kernel_is_told_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("NSR_TF_NATIVE_DIR", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setattr(native.runtime, "_LIBRARY", None)
    with pytest.raises(ExportError) as error:
        convert(build_model("denoise", "sparse-", num_blocks=1), "native", tile=16)
    message = str(error.value)
    assert message.startswith("--form native: the native kernel did not build")
    assert "\n" not in message
    # the other forms still work
    assert convert(build_model("denoise", "sparse-", num_blocks=1), "rowhybrid", tile=16)


def test_restore_with_the_native_backend_matches_keras(model_file, tmp_path, capsys):
    from PIL import Image

    from tests.cli.test_restore import restore_here
    image = np.random.default_rng(1).integers(0, 256, (70, 90), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "x.png")
    outputs = {}
    for backend in ("keras", "native"):
        code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file,
                                    "--out", tmp_path / backend, "--backend", backend,
                                    "--precision", "float32", "--tile-size", "64")
        assert code == 0, err[-2000:]
        assert f"{backend}, precision float32" in err
        outputs[backend] = np.asarray(Image.open(tmp_path / backend / "x_restored.png"), float)
    assert np.abs(outputs["native"] - outputs["keras"]).max() <= 1      # 8-bit rounding


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jpeg", "sr-x2"])
def test_a_shipped_models_dynamic_native_file_is_int8_within_0_05_db(name, tmp_path,
                                                                     monkeypatch):
    # Made on demand from the .keras (the catalogue), parity-checked on two real photos
    # against Keras float32 at the dynamic-int8 limit, as the dense model's dynamic file.
    from nsr_tf.export import catalogue
    monkeypatch.setenv("NSR_TF_CACHE", str(tmp_path))
    path = catalogue.exported(name, "_native_dynamic.tflite")
    meta = json.load(open(path + ".json"))
    assert meta["form"] == "native" and meta["quantization"] == "dynamic"
    assert meta["custom_ops"] == [native.SPARSE_NAME_QD8, native.SPARSE_NAME_QD8_RELU]
    report = meta["parity"]
    assert report["passed"] and report["metric"] == "psnr_change_db"
    assert report["limit"] == 0.05 and report["worst"] <= 0.05
