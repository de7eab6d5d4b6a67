"""The native form's whole-layer op against the conv-only op it replaced: one sparse
layer (k sparsity groups, d = 2 cardinal groups, C channels in and out) exported in the
native form with the gate and eq. 10's aggregation inside the op (``NsrSparseConv2D*``,
the export's choice) and as builtin ops in front of the conv op (``NsrDynConv2D*``),
against a constant 3x3 conv of the same shape in the same quantization; LiteRT, 1
thread, timed round-robin.

    python benchmarks/speed/whole_layer_speed.py [--tiles 64 128 256] [--channels 32]
        [--groups 2 4] [--quantize dynamic none] [--rounds 5]
        [--markdown docs/whole_layer_speed.md]

Do not run it beside a training job (stop it: kill -STOP PID, then kill -CONT PID).
"""

import argparse
import sys

import keras

from nsr_tf.benchmarking import emit, header  # (quiet TF first)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiles", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--groups", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--quantize", nargs="+", default=["dynamic", "none"],
                        choices=("dynamic", "none"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    from nsr_tf.export import converter
    from nsr_tf.export.litert import latencies
    from nsr_tf.layers import SparseConv2D
    lines = [header(), "", f"command: python benchmarks/speed/whole_layer_speed.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}", "",
             "Median ms per invoke, 1 thread; ratio to the constant conv of the same "
             "quantization.", "",
             "| quantize | tile | k | constant conv | conv-only op + builtin gate | "
             "whole-layer op |", "|---|---|---|---|---|---|"]
    data = []
    c = args.channels
    for quantize in args.quantize:
        for tile in args.tiles:
            inputs = keras.Input((tile, tile, c))
            conv = keras.Model(inputs, keras.layers.Conv2D(c, 3, padding="same")(inputs))
            for k in args.groups:
                sparse = keras.Model(inputs, SparseConv2D(c, 3, sparsity_groups=k,
                                                          cardinality=2)(inputs))
                files = {"conv": converter.convert(conv, "cpu", quantize, tile=tile)}
                for name, whole in (("conv_op", False), ("whole", True)):
                    converter.NATIVE_WHOLE_LAYER = whole
                    files[name] = converter.convert(sparse, "native", quantize, tile=tile)
                converter.NATIVE_WHOLE_LAYER = True
                runs = max(5, 20 * 128 * 128 // tile ** 2)
                ms = {name: seconds * 1e3 for name, seconds in
                      latencies(files, 1, args.rounds, runs).items()}
                lines.append(f"| {quantize} | {tile}x{tile}x{c} | {k} | {ms['conv']:.3f} | "
                             f"{ms['conv_op']:.3f} ({ms['conv_op'] / ms['conv']:.2f}x) | "
                             f"{ms['whole']:.3f} ({ms['whole'] / ms['conv']:.2f}x) |")
                print(lines[-1], file=sys.stderr, flush=True)
                data.append({"quantize": quantize, "tile": tile, "channels": c,
                             "groups": k, "ms": ms})
    emit(lines, args.markdown, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
