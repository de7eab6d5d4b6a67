"""The export: every CONV_2D of a ``direct``-form .tflite whose filter is a run-time tensor
becomes the custom op (``to_native``); given the model's sparse layers, each softmax-gated
one becomes one op for the whole layer (gate, eq. 10's aggregation and conv), its
constants as the op's inputs and the builtin ops that computed its filter removed. The
flatbuffer is rewritten after conversion, since the converter cannot emit a custom op.
A file with the whole-layer op has its constant data after the flatbuffer, each at a
64-byte offset (``aligned``): LiteRT refuses an unaligned constant as a custom op's input."""

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from nsr_tf.export.native.ops import (OP_NAME, OP_NAME_QD8, OP_NAME_QD8_RELU, OP_NAME_RELU,
                                      OP_VERSION, SPARSE_NAME, SPARSE_NAME_QD8,
                                      SPARSE_NAME_QD8_RELU, SPARSE_NAME_RELU)
from nsr_tf.export.schedule import depth_first_order


def to_native(content, dynamic=False, layers=None):
    """``content`` (.tflite bytes of the direct form) with its run-time-filter convs as
    custom ops; ``dynamic``: the dynamically quantized ones (int8 filter per output
    channel and int8 input, quantized per call; float output). ``layers``: the model's
    gated SparseConv2D layers in the order of their convs in the file; each one with the
    softmax gate becomes the whole-layer op (``NsrSparseConv2D...``). Returns (bytes,
    number of ops rewritten)."""
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
    if layers is None:
        return bytes(flatbuffer_utils.convert_object_to_bytearray(model)), rewritten
    _fuse_layers(model, layers, dynamic, custom_code, schema)
    return aligned(model), rewritten


def _fuse_layers(model, layers, dynamic, custom_code, schema):
    """Each softmax-gated layer's conv op -> the whole-layer op on (x, its constants); the
    ops that computed its filter and bias, now unused, are removed. ``dynamic``: the banks
    in int8 per bank and output channel, their scales a sixth input."""
    graph = model.subgraphs[0]
    names = {OP_NAME: SPARSE_NAME, OP_NAME_RELU: SPARSE_NAME_RELU,
             OP_NAME_QD8: SPARSE_NAME_QD8, OP_NAME_QD8_RELU: SPARSE_NAME_QD8_RELU}
    convs = [op for op in graph.operators
             if _custom_name(model, op) in names]
    if len(convs) != len(layers):
        raise ValueError(f"{len(convs)} sparse conv ops in the file, {len(layers)} gated "
                         f"layers in the model")
    for op, layer in zip(convs, layers):
        if layer.gate != "softmax":
            continue
        x = int(op.inputs[0])
        banks = np.asarray(layer.group_kernels, np.float32)      # (kh, kw, in, k, out)
        shape = graph.tensors[x].shape
        if int(shape[-1]) != banks.shape[2] or \
                int(graph.tensors[op.outputs[0]].shape[-1]) != banks.shape[4]:
            raise ValueError(f"layer {layer.name}: its conv op in the file has other "
                             f"channel counts")
        tau = layer.temperature
        banks = np.ascontiguousarray(banks.transpose(3, 4, 0, 1, 2))   # (k, out, kh, kw, in)
        constants = [np.asarray(layer.gate_kernel, np.float32) / tau,
                     np.asarray(layer.gate_bias, np.float32) / tau, banks,
                     np.asarray(layer.group_biases, np.float32)]
        if dynamic:
            constants[2], scales = quantize_banks(banks)
            constants.append(scales)
        inputs = [x]
        for index, value in enumerate(constants):
            inputs.append(_constant(model, graph, value, f"{layer.name}/native_{index}",
                                    schema))
        op.opcodeIndex = custom_code(names[_custom_name(model, op)])
        op.inputs = np.array(inputs, np.int32)
    _remove_unused(model, graph)


def quantize_banks(banks):
    """(int8 banks, float32 scales (k, out)): symmetric per bank and output channel,
    scale = max |w| / 127 (1 for an all-zero channel), rounded to nearest even, as the op
    quantizes its aggregated filter."""
    peak = np.abs(banks).reshape(*banks.shape[:2], -1).max(axis=-1)
    scales = np.where(peak > 0, peak / 127, 1).astype(np.float32)
    q = np.rint(banks / scales[:, :, None, None, None])
    return np.clip(q, -127, 127).astype(np.int8), scales


def _custom_name(model, op):
    code = model.operatorCodes[op.opcodeIndex].customCode
    return code.decode() if isinstance(code, bytes) else code


def _constant(model, graph, value, name, schema):
    """A new constant tensor holding ``value`` (float32, or int8 as given)."""
    int8 = value.dtype == np.int8
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(np.ascontiguousarray(
        value, np.int8 if int8 else np.float32).tobytes(), np.uint8)
    model.buffers.append(buffer)
    tensor = schema.TensorT()
    tensor.shape = np.array(value.shape, np.int32)
    tensor.type = schema.TensorType.INT8 if int8 else schema.TensorType.FLOAT32
    tensor.buffer = len(model.buffers) - 1
    tensor.name = name
    graph.tensors.append(tensor)
    return len(graph.tensors) - 1


def _remove_unused(model, graph):
    """Drops the ops whose outputs nothing reads (repeatedly), and the data of constants
    no op reads any more."""
    while True:
        read = {int(t) for op in graph.operators for t in op.inputs} | \
            {int(t) for t in graph.outputs}
        kept = [op for op in graph.operators if any(int(t) in read for t in op.outputs)]
        if len(kept) == len(graph.operators):
            break
        graph.operators = kept
    used = {int(t) for op in graph.operators for t in (*op.inputs, *op.outputs)} | \
        {int(t) for t in (*graph.inputs, *graph.outputs)}
    for index, tensor in enumerate(graph.tensors):
        if index not in used and tensor.buffer:
            model.buffers[tensor.buffer].data = None
    # the operator codes no op uses any more (the conv-only op's, the gate's builtins)
    codes = sorted({op.opcodeIndex for subgraph in model.subgraphs
                    for op in subgraph.operators})
    renumber = {old: new for new, old in enumerate(codes)}
    model.operatorCodes = [model.operatorCodes[old] for old in codes]
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            op.opcodeIndex = renumber[op.opcodeIndex]


# LiteRT's host tensor buffers: LITERT_HOST_MEMORY_BUFFER_ALIGNMENT in
# include/litert/c/litert_tensor_buffer_types.h beside the kernel's sources
ALIGNMENT = 64


def aligned(model):
    """The flatbuffer bytes of ``model`` (the schema's object API) with every constant's
    data after it, each at an offset that is a multiple of ``ALIGNMENT`` (the schema's
    ``Buffer.offset`` / ``size``, which LiteRT reads as it reads inline data). Loaded at
    an aligned address (the runner copies the file so), every constant is aligned."""
    from tensorflow.lite.tools import flatbuffer_utils
    blobs = {}
    for index, buffer in enumerate(model.buffers):
        if buffer.data is not None and len(buffer.data):
            blobs[index] = np.asarray(buffer.data, np.uint8).tobytes()
            buffer.data, buffer.offset, buffer.size = None, 1 << 40, len(blobs[index])
    # the offsets are fixed-size fields: the flatbuffer's length does not depend on them
    length = len(flatbuffer_utils.convert_object_to_bytearray(model))
    position = -(-length // ALIGNMENT) * ALIGNMENT
    for index, blob in blobs.items():
        model.buffers[index].offset = position
        position = -(-(position + len(blob)) // ALIGNMENT) * ALIGNMENT
    out = bytearray(flatbuffer_utils.convert_object_to_bytearray(model))
    if len(out) != length:
        raise ValueError("the flatbuffer changed length when its offsets were written")
    for index, blob in blobs.items():
        out += bytes(model.buffers[index].offset - len(out)) + blob
    return bytes(out)


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
