"""Running .tflite files with LiteRT (ai_edge_litert) and checking XNNPACK delegation."""

import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from nsr_tf.export import native


def interpreter(model_content, threads=1, xnnpack=True):
    kwargs = {} if xnnpack else {
        "experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    engine = Interpreter(model_content=model_content, num_threads=threads, **kwargs)
    engine.allocate_tensors()
    return engine


def is_native(model_content):
    """Does the file hold nsr-tf's custom ops (the ``native`` form)?"""
    return bool(set(native.OP_NAMES) & set(native.custom_ops(model_content)))


class Engine:
    """One .tflite on LiteRT's CPU path: ``run(x)`` and ``invoke()`` (on the last input).
    A file of the ``native`` form runs through the kernel library
    (``nsr_tf.export.native.NativeModel``: LiteRT's C API with the custom ops registered),
    any other through LiteRT's Interpreter with XNNPACK."""

    def __init__(self, model_content, threads=1):
        if is_native(model_content):
            self.native = native.NativeModel(model_content, threads)
            self.input_shape = self.native.input_shape
            self.invoke = self.native.invoke
            return
        self.native = None
        self.interpreter = interpreter(model_content, threads)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.input_shape = tuple(self.input["shape"])
        self.invoke = self.interpreter.invoke

    def run(self, x):
        if self.native is not None:
            return self.native.run(x)
        self.interpreter.set_tensor(self.input["index"], np.ascontiguousarray(x, np.float32))
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output["index"]).copy()


class LiteRTPredictor:
    """A tile predictor (see nsr_tf.inference) running a fixed-batch .tflite model."""

    def __init__(self, model_content, threads=1):
        self.engine = Engine(model_content, threads)
        self.batch = int(self.engine.input_shape[0])

    def run(self, tiles):
        return self.engine.run(tiles)

    def __call__(self, tiles, batch_size=None):
        # The file's batch and tile are fixed: the tile of an image smaller than the
        # file's tile is mirrored past its bottom and right edges (reflect: the edge row
        # not repeated) and the output cropped, as the app's LiteRtTileModel does; batches
        # are filled by repeating the last tile. Measured on a 70x90 crop of Set12 with
        # denoise-sigma25 in a 128 tile: reflect 32.82 dB against 32.80 for the model on
        # the crop itself, repeating the edge 31.05, zeros 32.51.
        height, width = tiles.shape[1:3]
        tile_h, tile_w = (int(n) for n in self.engine.input_shape[1:3])
        if (height, width) != (tile_h, tile_w):
            tiles = np.pad(tiles, ((0, 0), (0, tile_h - height), (0, tile_w - width),
                                   (0, 0)), mode="reflect" if min(height, width) > 1
                           else "edge")
        outputs = []
        for first in range(0, len(tiles), self.batch):
            chunk = tiles[first:first + self.batch]
            count = len(chunk)
            if count < self.batch:
                chunk = np.concatenate([chunk, np.repeat(chunk[-1:], self.batch - count, 0)])
            outputs.append(self.run(chunk)[:count])
        out = np.concatenate(outputs)
        scale = out.shape[1] // tile_h
        return out[:, :height * scale, :width * scale]


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


def outside_xnnpack(model_content):
    """(ops not run by LiteRT's XNNPACK, XNNPACK partitions): for a native-form file its
    custom ops and None (the Interpreter cannot load it; the kernel library runs them)."""
    custom = native.custom_ops(model_content)
    if custom:
        return custom, None
    outside, partitions = undelegated_ops(interpreter(model_content))
    return sorted(set(outside)), partitions


def latency(model_content, threads=1, runs=20, warmup=3, seed=0):
    """Median seconds per invoke, the input filled with uniform random values."""
    engine = Engine(model_content, threads)
    engine.run(np.random.default_rng(seed).uniform(size=engine.input_shape))
    for _ in range(warmup):
        engine.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        engine.invoke()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def latencies(contents, threads=1, rounds=5, runs=1):
    """{key: median seconds per invoke} of each .tflite of ``contents`` ({key: bytes}),
    timed side by side (``nsr_tf.benchmarking.interleaved``), each engine made once."""
    from nsr_tf.benchmarking import interleaved
    engines = {}
    for key, content in contents.items():
        engine = Engine(content, threads)   # the native form: through the kernel library
        engine.run(np.random.default_rng(0).uniform(size=engine.input_shape))
        engines[key] = engine
    return interleaved({key: engine.invoke for key, engine in engines.items()}, rounds, runs)


def function_to_tflite(fn, shapes):
    """A .tflite of a weightless function of float32 inputs of ``shapes`` (benchmarks of
    single ops; models go through ``nsr_tf.export.convert``)."""
    import tensorflow as tf     # only here: running a .tflite needs no TensorFlow
    function = tf.function(fn, input_signature=[tf.TensorSpec(s, tf.float32) for s in shapes])
    return tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()]).convert()
