"""The export: every CONV_2D of a ``direct``-form .tflite whose filter is a run-time tensor
becomes the custom op (``to_native``); the flatbuffer is rewritten after conversion, since
the converter cannot emit a custom op."""

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from nsr_tf.export.native.ops import (OP_NAME, OP_NAME_QD8, OP_NAME_QD8_RELU, OP_NAME_RELU,
                                      OP_VERSION)
from nsr_tf.export.schedule import depth_first_order


def to_native(content, dynamic=False):
    """``content`` (.tflite bytes of the direct form) with its run-time-filter convs as
    custom ops; ``dynamic``: the dynamically quantized ones (int8 filter per output
    channel and int8 input, quantized per call; float output). Returns (bytes, number of
    ops rewritten)."""
    # TensorFlow's flatbuffer tools only to write the form; running it needs LiteRT alone
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    codes = model.operatorCodes

    def builtin(op):
        code = codes[op.opcodeIndex]
        return max(code.builtinCode, code.deprecatedBuiltinCode)

    def custom_code(name):
        for index, code in enumerate(codes):
            if code.customCode in (name, name.encode()):
                return index
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
        code.customCode, code.version = name, OP_VERSION
        codes.append(code)
        return len(codes) - 1

    rewritten = 0
    for subgraph in model.subgraphs:
        tensors, operators = subgraph.tensors, subgraph.operators

        def constant(index):
            data = model.buffers[tensors[index].buffer].data
            return data is not None and len(data) > 0

        consumers = {}
        for op in operators:
            for tensor in op.inputs:
                consumers.setdefault(int(tensor), []).append(op)
        removed = set()
        for op in operators:
            if builtin(op) != schema.BuiltinOperator.CONV_2D or not _convertible(op, schema):
                continue
            x, kernel = int(op.inputs[0]), int(op.inputs[1])
            bias = int(op.inputs[2]) if len(op.inputs) > 2 else -1
            constant_bias = bias >= 0 and constant(bias)
            if constant(kernel) or (constant_bias and _nonzero(model, tensors[bias])):
                continue   # a constant filter is XNNPACK's own; a constant bias: see below
            out_channels = int(tensors[kernel].shape[0])
            relu = op.builtinOptions.fusedActivationFunction == schema.ActivationFunctionType.RELU
            inputs, outputs = [x, kernel], list(op.outputs)
            # The per-sample bias: an ADD of a run-time (Cout,) vector right after the conv.
            # (A constant bias from the file fails in LiteRT's custom-op path: "Unaligned
            # host memory pointer"; the converter's constant bias here is all zeros.)
            users = consumers.get(outputs[0], [])
            if bias >= 0 and not constant_bias:
                inputs.append(bias)
            elif not relu and len(users) == 1 and outputs[0] not in subgraph.outputs \
                    and builtin(users[0]) == schema.BuiltinOperator.ADD:
                add = users[0]
                other = [int(t) for t in add.inputs if int(t) != outputs[0]]
                activation = add.builtinOptions.fusedActivationFunction
                if (len(other) == 1 and list(tensors[other[0]].shape) == [out_channels]
                        and not constant(other[0])
                        and activation in (schema.ActivationFunctionType.NONE,
                                           schema.ActivationFunctionType.RELU)):
                    inputs.append(other[0])
                    outputs = list(add.outputs)
                    relu = activation == schema.ActivationFunctionType.RELU
                    removed.add(id(add))
            names = (OP_NAME_QD8, OP_NAME_QD8_RELU) if dynamic else (OP_NAME, OP_NAME_RELU)
            op.opcodeIndex = custom_code(names[relu])
            op.inputs, op.outputs = np.array(inputs, np.int32), np.array(outputs, np.int32)
            op.builtinOptionsType, op.builtinOptions = 0, None
            op.customOptions = None
            rewritten += 1
        operators = [op for op in operators if id(op) not in removed]
        # The folded bias may be computed after the conv in the converter's order.
        subgraph.operators = [operators[i] for i in depth_first_order(operators,
                                                                      subgraph.outputs)]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model)), rewritten


def _convertible(op, schema):
    options = op.builtinOptions
    return (options.padding == schema.Padding.SAME and options.strideH == 1
            and options.strideW == 1 and options.dilationHFactor == 1
            and options.dilationWFactor == 1
            and options.fusedActivationFunction in (schema.ActivationFunctionType.NONE,
                                                    schema.ActivationFunctionType.RELU))


def _nonzero(model, tensor):
    return bool(np.any(np.frombuffer(bytes(model.buffers[tensor.buffer].data), np.uint8)))


def custom_ops(content):
    """Names of the custom ops in a .tflite (bytes): nsr-tf's, and any other."""
    model = schema.Model.GetRootAs(content, 0)
    names = set()
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i).CustomCode()
        if code:
            names.add(code.decode())
    return sorted(names)


def io_shapes(content):
    """(input shape, output shape) of the first subgraph of a .tflite (bytes)."""
    graph = schema.Model.GetRootAs(content, 0).Subgraphs(0)
    return (tuple(graph.Tensors(graph.Inputs(0)).ShapeAsNumpy()),
            tuple(graph.Tensors(graph.Outputs(0)).ShapeAsNumpy()))
