"""Running .tflite files with LiteRT (ai_edge_litert) and checking XNNPACK delegation."""

import time

import numpy as np


def interpreter(model_content, threads=1, xnnpack=True):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kwargs = {} if xnnpack else {
        "experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    engine = Interpreter(model_content=model_content, num_threads=threads, **kwargs)
    engine.allocate_tensors()
    return engine


class LiteRTPredictor:
    """A tile predictor (see nsr_tf.inference) running a fixed-batch .tflite model."""

    def __init__(self, model_content, threads=1):
        self.engine = interpreter(model_content, threads)
        self.input = self.engine.get_input_details()[0]
        self.output = self.engine.get_output_details()[0]
        self.batch = int(self.input["shape"][0])

    def run(self, tiles):
        self.engine.set_tensor(self.input["index"], np.ascontiguousarray(tiles, np.float32))
        self.engine.invoke()
        return self.engine.get_tensor(self.output["index"]).copy()

    def __call__(self, tiles, batch_size=None):
        outputs = []
        for first in range(0, len(tiles), self.batch):
            chunk = tiles[first:first + self.batch]
            count = len(chunk)
            if count < self.batch:
                chunk = np.concatenate([chunk, np.repeat(chunk[-1:], self.batch - count, 0)])
            outputs.append(self.run(chunk)[:count])
        return np.concatenate(outputs)


def undelegated_ops(engine):
    """Ops of the graph that the XNNPACK delegate did not take (run by the reference
    kernels, single-threaded, and splitting the delegated partitions).

    LiteRT lists the original nodes followed by one DELEGATE node per partition; a
    partition is recovered by walking back from its outputs to its inputs."""
    ops = engine._get_ops_details()
    delegates = [op for op in ops if op["op_name"] == "DELEGATE"]
    originals = [op for op in ops if op["op_name"] != "DELEGATE"]
    producer = {t: op["index"] for op in originals for t in op["outputs"]}
    covered = set()
    for delegate in delegates:
        boundary = set(delegate["inputs"])
        stack = list(delegate["outputs"])
        while stack:
            tensor = stack.pop()
            if tensor in boundary or tensor not in producer or producer[tensor] in covered:
                continue
            covered.add(producer[tensor])
            stack.extend(ops[producer[tensor]]["inputs"])
    return [op["op_name"] for op in originals if op["index"] not in covered], len(delegates)


def latency(model_content, threads=1, runs=20, warmup=3, seed=0):
    """Median seconds per invoke, every input filled with uniform random values."""
    engine = interpreter(model_content, threads)
    rng = np.random.default_rng(seed)
    for detail in engine.get_input_details():
        engine.set_tensor(detail["index"],
                          rng.uniform(size=detail["shape"]).astype(np.float32))
    for _ in range(warmup):
        engine.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        engine.invoke()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def function_to_tflite(fn, shapes):
    """A .tflite of a weightless function of float32 inputs of ``shapes`` (benchmarks of
    single ops; models go through ``nsr_tf.export.convert``)."""
    import tensorflow as tf
    function = tf.function(fn, input_signature=[tf.TensorSpec(s, tf.float32) for s in shapes])
    return tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()]).convert()
