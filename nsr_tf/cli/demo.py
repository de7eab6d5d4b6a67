"""A short tour of the library: the paper's presets with their size and cost, and one
sparse layer checked across its implementations.

    python -m nsr_tf.cli.demo            (or: nsr-demo)
"""

import argparse
import sys
import time

import numpy as np


# The paper's "FLOPs (M)" rows (Tables 4 and 5) for the presets that have one.
PAPER_MACS = {("denoise", "baseline"): 0.59, ("denoise", "sparse-"): 0.30,
              ("denoise", "sparse+"): 0.60, ("sr", "sparse-"): 9.5}


def presets_table(patch_size):
    from nsr_tf import PRESETS, build_model, count_params, macs_per_pixel
    rows = [f"{'task':8} {'variant':9} {'blocks':>6} {'C':>4} {'w':>3} {'k':>2} {'d':>3} "
            f"{'params':>11} {'MACs/px (M)':>12} {'paper':>6}"]
    for task in ("denoise", "sr"):
        for variant, preset in PRESETS[task].items():
            if variant == "baseline" and task == "sr":
                continue  # an alias of edsr-s
            model = build_model(task, variant)
            paper = PAPER_MACS.get((task, variant))
            rows.append(
                f"{task:8} {variant:9} {preset.num_blocks:6d} {preset.filters:4d} "
                f"{preset.width_multiplier:3g} {preset.sparsity_groups:2d} "
                f"{preset.cardinality:3d} {count_params(model):11,d} "
                f"{macs_per_pixel(model, patch_size) / 1e6:12.3f} "
                f"{'' if paper is None else f'{paper:.2f}':>6}")
    return "\n".join(rows)


def layer_check(batch, size):
    from nsr_tf.layers import SparseConv2D
    from nsr_tf.layers.conv_forms import FORMS
    x = np.random.default_rng(0).normal(size=(batch, size, size, 32)).astype("float32")
    layer = SparseConv2D(32, sparsity_groups=4, cardinality=16)
    lines = [f"SparseConv2D(32, k=4, d=16) on {batch}x{size}x{size}x32, gates of sample 0 "
             f"(group x first 4 cardinal groups):",
             np.array2string(layer.gates(x).numpy()[0, :, :4], precision=3)]
    reference = None
    for form in FORMS:
        layer.implementation = form
        layer(x)  # warm up
        start = time.perf_counter()
        y = layer(x).numpy()
        elapsed = time.perf_counter() - start
        reference = y if reference is None else reference
        lines.append(f"  {form:10} {elapsed * 1e3:8.1f} ms   max |diff| vs per_sample "
                     f"{np.abs(y - reference).max():.1e}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patch-size", type=int, default=64,
                        help="patch over which the per-sample gate cost is amortised "
                             "(default: 64)")
    parser.add_argument("--batch", type=int, default=8, help="batch for the layer check")
    parser.add_argument("--size", type=int, default=64, help="patch size for the layer check")
    args = parser.parse_args(argv)
    if min(args.patch_size, args.batch, args.size) < 1:
        parser.error("--patch-size, --batch and --size must be positive")
    print(presets_table(args.patch_size))
    print()
    print(layer_check(args.batch, args.size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
