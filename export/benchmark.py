"""LiteRT latency of the exported models, side by side with dense models.

LiteRT on CPU with XNNPACK, batch-1 tiles, 1 and 2 threads. For each sparse model: its
time relative to the dense model of the same size and of the same FLOPs (exported with
the same quantization), per form and quantization, and whether every op of the form stays inside the XNNPACK partition. Also
one sparse layer against a constant-filter dense layer of the same FLOPs, in each
quantization (the native form's dynamic op against XNNPACK's own dynamic-int8 conv). All
configs of a tile size and thread count are timed round-robin (median of rounds) in one
run; the machine (CPU, SIMD flags, versions, commit) heads the output.

    python export/benchmark.py [--tiles 64 256] [--threads 1 2] [--forms ...]
        [--quantize ...] [--rounds 5] [--markdown docs/litert_latency.md]
"""

import argparse
import sys


from nsr_tf import build_model, count_params, macs_per_pixel  # (quiet TF first)

import keras  # noqa: I100
from nsr_tf.export.converter import ExportError, convert
from nsr_tf.export.litert import latencies, outside_xnnpack
from nsr_tf.layers import SparseConv2D, WeightNormConv2D

# name: (builder, same-size dense, same-FLOPs dense)
MODELS = {
    "Sparse- (k=2, w=1)": (lambda: build_model("denoise", "sparse-"), "dense w=2 (baseline)",
                           "dense w=1"),
    "Sparse+ (k=2, w=2)": (lambda: build_model("denoise", "sparse+"), "dense w=4",
                           "dense w=2 (baseline)"),
    "k=4 (w=1, d=2)": (lambda: build_model("denoise", "sparse-", sparsity_groups=4),
                       "dense w=4", "dense w=1"),
}
DENSE = {
    "dense w=1": lambda: build_model("denoise", "baseline", width_multiplier=1.0),
    "dense w=2 (baseline)": lambda: build_model("denoise", "baseline"),
    "dense w=4": lambda: build_model("denoise", "baseline", width_multiplier=4.0),
}


def layer_models(channels=32):
    def wrap(layer):
        inputs = keras.Input((None, None, channels))
        return keras.Model(inputs, layer(inputs))
    return {"layer: dense const conv": wrap(WeightNormConv2D(channels)),
            "layer: sparse k=2 d=2": wrap(SparseConv2D(channels, sparsity_groups=2,
                                                       cardinality=2)),
            "layer: sparse k=4 d=16": wrap(SparseConv2D(channels, sparsity_groups=4,
                                                        cardinality=16))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiles", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--forms", nargs="+", default=["rowhybrid", "im2col", "mixture",
                                                       "direct"])
    parser.add_argument("--quantize", nargs="+", default=["none", "float16", "dynamic"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--markdown", help="also write the tables as Markdown here")
    args = parser.parse_args(argv)

    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.append(text)

    models = {name: builder() for name, (builder, _, _) in MODELS.items()}
    dense = {name: builder() for name, builder in DENSE.items()}
    from nsr_tf.benchmarking import header
    say(header())
    say("models (MACs/pixel at 64 px, params): " + "; ".join(
        f"{n} {macs_per_pixel(m) / 1e6:.3f} M, {count_params(m):,}"
        for n, m in {**models, **dense}.items()))
    for tile in args.tiles:
        runs = max(1, int(round(2 * (64 / tile) ** 2)))
        contents, delegation = {}, {}
        for name, model in dense.items():
            for quantize in args.quantize:   # each sparse export vs dense in its quantization
                contents[(name, "-", quantize)] = convert(model, quantize=quantize, tile=tile)
        for name, model in models.items():
            for form in args.forms:
                for quantize in args.quantize:
                    try:
                        content = convert(model, form, quantize, tile=tile)
                    except ExportError as error:
                        say(f"  {name} {form} {quantize}: {error}")
                        continue
                    contents[(name, form, quantize)] = content
                    delegation[(name, form, quantize)] = outside_xnnpack(content)
        layer_forms = [f for f in args.forms if f in ("rowhybrid", "native")] or ["rowhybrid"]
        for name, model in layer_models().items():
            for form in layer_forms if "sparse" in name else ["rowhybrid"]:
                for quantize in args.quantize:
                    contents[(name, form, quantize)] = convert(model, form, quantize,
                                                               tile=tile)
        for threads in args.threads:
            t = latencies(contents, threads, args.rounds, runs)
            say()
            say(f"### tile {tile}x{tile}, batch 1, {threads} thread(s): latency in ms; "
                f"ratios to the dense models")
            say()
            say("| model | form | quantize | ms | vs same size | vs same FLOPs | "
                "XNNPACK |")
            say("|---|---|---|---|---|---|---|")
            for name in dense:
                for quantize in args.quantize:
                    say(f"| {name} | - | {quantize} | {t[(name, '-', quantize)] * 1e3:.2f} "
                        f"| | | all |")
            for name, (_, same_size, same_flops) in MODELS.items():
                for form in args.forms:
                    for quantize in args.quantize:
                        key = (name, form, quantize)
                        if key not in t:
                            continue
                        outside, parts = delegation[key]
                        where = "all" if not outside else \
                            f"all but the custom ops ({', '.join(outside)})" if parts is None \
                            else f"{parts} partitions; outside: {', '.join(outside)}"
                        size = t[key] / t[(same_size, '-', quantize)]
                        flops = t[key] / t[(same_flops, '-', quantize)]
                        say(f"| {name} | {form} | {quantize} | {t[key] * 1e3:.2f} | "
                            f"{size:.2f} | {flops:.2f} | {where} |")
            for quantize in args.quantize:   # against the constant conv of its quantization
                base = t[("layer: dense const conv", "rowhybrid", quantize)]
                for name in layer_models():
                    for form in layer_forms if "sparse" in name else ["rowhybrid"]:
                        key = (name, form, quantize)
                        say(f"| {name} (32 ch) | {form if 'sparse' in name else '-'} | "
                            f"{quantize} | {t[key] * 1e3:.3f} | | {t[key] / base:.2f} | |")
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write("# LiteRT latency (export/benchmark.py)\n\n")
            handle.write(f"Command: `python export/benchmark.py {' '.join(argv or sys.argv[1:])}`"
                         f"\n\n")
            handle.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
