"""Depth-first operator order: a valid topological order that runs bands one by one and
leaves the model's outputs unchanged."""

import types

import keras
import numpy as np

from nsr_tf.export import convert, converter
from nsr_tf.export.litert import interpreter
from nsr_tf.export.schedule import depth_first_order, schedule_depth_first
from nsr_tf.layers import SparseConv2D, conv_forms


def op(inputs, outputs):
    return types.SimpleNamespace(inputs=inputs, outputs=outputs)


def test_depth_first_order_is_topological_and_finishes_a_branch_first():
    # Breadth-first as a converter emits it: both "band" inputs, then both products.
    operators = [op([0], [1]), op([0], [2]),      # 0, 1: columns of band a, band b
                 op([1], [3]), op([2], [4]),      # 2, 3: matmul of band a, band b
                 op([3, 4], [5]),                 # 4: join
                 op([0], [6])]                    # 5: feeds no output
    order = depth_first_order(operators, [5])
    assert order == [0, 2, 1, 3, 4, 5]
    position = {index: i for i, index in enumerate(order)}
    producer = {t: i for i, o in enumerate(operators) for t in o.outputs}
    for index, o in enumerate(operators):
        for tensor in o.inputs:
            if tensor in producer:
                assert position[producer[tensor]] < position[index]


def run(content, x):
    engine = interpreter(content)
    engine.set_tensor(engine.get_input_details()[0]["index"], x)
    engine.invoke()
    return engine.get_tensor(engine.get_output_details()[0]["index"])


def band_by_band(content, bands):
    """Whether each band's BATCH_MATMUL is directly followed by its three row ADDs (bias
    and the kh=3 shifted rows) before the next band's columns are built."""
    names = [o["op_name"] for o in interpreter(content)._get_ops_details()
             if o["op_name"] in ("BATCH_MATMUL", "ADD", "CONCATENATION")]
    matmuls = [i for i, n in enumerate(names) if n == "BATCH_MATMUL"][-bands:]
    return len(matmuls) == bands and all(names[m + 1:m + 4] == ["ADD"] * 3 for m in matmuls)


def test_a_banded_layer_runs_band_by_band_with_identical_outputs(monkeypatch):
    monkeypatch.setattr(conv_forms, "BAND_PIXELS", 48 * 8)   # 48x48 tile: 6 bands of 8 rows
    inputs = keras.Input((None, None, 4))
    model = keras.Model(inputs, SparseConv2D(4, sparsity_groups=2, cardinality=2)(inputs))
    monkeypatch.setattr(converter, "schedule_depth_first", lambda content: content)
    as_converted = convert(model, "rowhybrid", tile=48)
    monkeypatch.undo()
    scheduled = schedule_depth_first(as_converted)
    assert not band_by_band(as_converted, 6)   # what the converter emits: breadth-first
    assert band_by_band(scheduled, 6)
    x = np.random.default_rng(0).uniform(size=(1, 48, 48, 4)).astype("float32")
    np.testing.assert_array_equal(run(scheduled, x), run(as_converted, x))
    np.testing.assert_allclose(run(scheduled, x), model(x).numpy(), atol=1e-5)
    engine = interpreter(scheduled)
    assert engine.get_signature_list() == interpreter(as_converted).get_signature_list()
