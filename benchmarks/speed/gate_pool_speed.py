"""The native form's gate pool, MEAN against the SUM it replaced: one sparse layer (k=2,
d=2, C channels in and out) exported in the native form, dynamic int8, with its pool as
TFLite's MEAN (the export's choice) and as the SUM the converter makes of the layer's
matmul with ones, against a dynamic-int8 constant 3x3 conv of the same shape; LiteRT, 1
thread, timed round-robin.

    python benchmarks/speed/gate_pool_speed.py [--tiles 128 256] [--channels 32]
        [--rounds 5] [--markdown docs/gate_pool_speed.md]

Do not run it beside a training job (stop it: kill -STOP PID, then kill -CONT PID).
"""

import argparse
import sys

import keras

from nsr_tf.benchmarking import emit, header  # (quiet TF first)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiles", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf.export import converter
    from nsr_tf.export.litert import latencies
    from nsr_tf.layers import SparseConv2D
    lines = [header(), "", f"command: python benchmarks/speed/gate_pool_speed.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}", "",
             "Median ms per invoke, 1 thread; ratio to the constant conv.", "",
             "| tile | constant conv | sparse layer, pool as SUM | sparse layer, pool as "
             "MEAN |", "|---|---|---|---|"]
    data = []
    c = args.channels
    for tile in args.tiles:
        inputs = keras.Input((tile, tile, c))
        sparse = keras.Model(inputs, SparseConv2D(c, 3, sparsity_groups=2,
                                                  cardinality=2)(inputs))
        conv = keras.Model(inputs, keras.layers.Conv2D(c, 3, padding="same")(inputs))
        files = {"conv": converter.convert(conv, "cpu", "dynamic", tile=tile)}
        for name, as_mean in (("sum", False), ("mean", True)):
            converter.NATIVE_POOL_AS_MEAN = as_mean
            files[name] = converter.convert(sparse, "native", "dynamic", tile=tile)
        converter.NATIVE_POOL_AS_MEAN = True
        runs = max(5, 20 * 128 * 128 // tile ** 2)
        ms = {name: seconds * 1e3 for name, seconds in
              latencies(files, 1, args.rounds, runs).items()}
        lines.append(f"| {tile}x{tile}x{c} | {ms['conv']:.3f} | {ms['sum']:.3f} "
                     f"({ms['sum'] / ms['conv']:.2f}x) | {ms['mean']:.3f} "
                     f"({ms['mean'] / ms['conv']:.2f}x) |")
        print(lines[-1], file=sys.stderr, flush=True)
        data.append({"tile": tile, "channels": c, "ms": ms})
    emit(lines, args.markdown, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
