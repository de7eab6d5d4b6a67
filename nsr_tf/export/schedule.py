"""Depth-first operator order for a .tflite graph, so that row bands run one after another.

The converter emits operators breadth-first: for a banded row-hybrid layer
(``nsr_tf.layers.conv_forms.BAND_PIXELS``) it builds every band's shifted columns, then
runs every band's matmul, then every band's adds, so each band's data has left the cache
by the time it is read again. LiteRT and its XNNPACK delegate run operators in the order of
the file, so a reordering is enough: a depth-first post-order from the graph's outputs
finishes one band (columns, matmul, row adds) before the next one starts. Any topological
order computes the same values; only the order of memory traffic changes.

Measured (LiteRT 2.3, XNNPACK, 1 thread, one SparseConv2D k=2 d=2 on a 256x256x32 tile,
``python export/benchmark.py --tiles 256 --threads 1 --forms rowhybrid --quantize none``):
12.6 ms banded in the converter's order, 9.3 ms banded and depth-first, 4.9-5.0 ms for a
constant conv; the Sparse- model 424 -> 301 ms (docs/benchmarks.md).

Hand-written because the converter has no option for it; it uses the schema's object API
shipped with TensorFlow (``tensorflow.lite.tools.flatbuffer_utils``).
"""


def depth_first_order(operators, graph_outputs):
    """Indices of ``operators`` (each with ``.inputs`` and ``.outputs`` tensor indices) in
    depth-first post-order from ``graph_outputs``; operators no output depends on follow
    in their original order."""
    producer = {int(t): i for i, op in enumerate(operators) for t in op.outputs}
    order, done = [], set()
    for output in graph_outputs:
        if int(output) not in producer:
            continue
        stack = [(producer[int(output)], False)]
        while stack:
            index, expanded = stack.pop()
            if index in done:
                continue
            if expanded:
                done.add(index)
                order.append(index)
                continue
            stack.append((index, True))
            # Reversed, so that the first input is visited (and emitted) first.
            for tensor in reversed(list(operators[index].inputs)):
                source = producer.get(int(tensor))
                if source is not None and source not in done:
                    stack.append((source, False))
    order += [i for i in range(len(operators)) if i not in done]
    return order


def schedule_depth_first(content):
    """The .tflite ``content`` (bytes) with every subgraph's operators in depth-first
    order; tensors, buffers and metadata unchanged."""
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    for subgraph in model.subgraphs:
        operators = subgraph.operators
        subgraph.operators = [operators[i]
                              for i in depth_first_order(operators, subgraph.outputs)]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))
