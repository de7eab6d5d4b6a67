"""Maps of what the sparse gates select over an image (paper Fig. 6).

    python -m nsr_tf.cli.visualize --model best.keras --image photo.png --out gates.png

For each chosen SparseConv2D (default: the second conv of every block, as in the paper's
figure) the gates are computed on a window of the training tile size slid over the image
at ``--stride`` (a smooth map; ``--stride`` = tile gives one value per tile, the model's
own inference semantics), averaged over the cardinal groups and drawn as colour: for k=2
blue (group 1) to yellow (group 2) as in the paper, for k>2 one colour per group mixed by
the gates. Each map is stretched around its mean so small differences show (the panel
title gives the real range of the first group's gate; ``--raw`` turns it off). The input
comes first, then one panel per layer, in a grid.
"""

import argparse
import math
import sys

import numpy as np
from PIL import Image, ImageDraw

from nsr_tf.cli.common import report
from nsr_tf.errors import NsrError, UsageError
from nsr_tf import quiet

# k=2: the paper's blue / yellow; k>2: a qualitative palette (Tableau 10)
PALETTE = np.array([[31, 119, 180], [255, 200, 30], [44, 160, 44], [214, 39, 40],
                    [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127],
                    [188, 189, 34], [23, 190, 207]], np.float64) / 255.0


def sparse_layers(model, names=None):
    from nsr_tf.layers import SparseConv2D
    layers = [layer for layer in model.layers
              if isinstance(layer, SparseConv2D) and layer.gate != "none"]
    if names:
        missing = set(names) - {layer.name for layer in layers}
        if missing:
            raise UsageError(f"no sparse layer(s) named {sorted(missing)}; the model has "
                             f"{[layer.name for layer in layers]}")
        return [layer for layer in layers if layer.name in names]
    second = [layer for layer in layers if layer.name.endswith("conv2")]
    return second or layers


def gate_maps(model, image, layers, tile_size=64, stride=16, batch_size=16):
    """{layer name: (rows, cols, k)} gates averaged over cardinal groups, one per window
    position; ``image`` float (H, W[, C])."""
    import keras
    import tensorflow as tf
    from nsr_tf.inference import tile_starts

    image = np.asarray(image, np.float32)
    if image.ndim == 2:
        image = image[..., None]
    height, width = image.shape[:2]
    tile_h, tile_w = min(tile_size, height), min(tile_size, width)
    ys, xs = tile_starts(height, tile_h, stride), tile_starts(width, tile_w, stride)
    probe = keras.Model(model.inputs, [layer.input for layer in layers])
    run = tf.function(lambda t: [layer.gates(x) for layer, x in
                                 zip(layers, tf.nest.flatten(probe(t, training=False)))])
    corners = [(y, x) for y in ys for x in xs]
    gates = {layer.name: [] for layer in layers}
    for first in range(0, len(corners), batch_size):
        batch = corners[first:first + batch_size]
        tiles = np.stack([image[y:y + tile_h, x:x + tile_w] for y, x in batch])
        for layer, value in zip(layers, run(tf.constant(tiles))):
            gates[layer.name].append(np.asarray(value).mean(axis=2))   # over cardinals
    return {name: np.concatenate(values).reshape(len(ys), len(xs), -1)
            for name, values in gates.items()}


def stretch(gates):
    """Spreads each group's gate around its image mean so that the largest deviation
    reaches the full colour range (an undertrained or smooth layer varies by a few
    percent around 1/k, invisible otherwise); rows sum to one again."""
    k = gates.shape[-1]
    deviation = gates - gates.mean(axis=(0, 1))
    peak = np.abs(deviation).max()
    if peak < 1e-9:
        return gates
    stretched = np.clip(1.0 / k + deviation * ((1.0 - 1.0 / k) / peak), 0.0, 1.0)
    return stretched / np.maximum(stretched.sum(axis=-1, keepdims=True), 1e-9)


def colorize(gates):
    """(rows, cols, k) gates -> RGB in [0, 1]."""
    k = gates.shape[-1]
    palette = PALETTE[:k] if k <= len(PALETTE) else \
        np.array([np.array(__import__("colorsys").hsv_to_rgb(i / k, 0.8, 0.9))
                  for i in range(k)])
    if k == 1:
        return np.repeat(gates, 3, axis=-1)
    return np.clip(gates @ palette, 0.0, 1.0)


def render(image, maps, out_path, columns=None, panel=256, raw=False):
    """Input and one coloured map per layer in a grid, labelled with the range of the
    first group's gate; saved as PNG. Maps are stretched (``stretch``) unless ``raw``."""
    image = np.clip(np.asarray(image, np.float64), 0, 1)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    height, width = image.shape[:2]
    size = (panel, max(1, round(panel * height / width)))
    panels = [("input", Image.fromarray(np.round(image * 255).astype(np.uint8))
               .convert("RGB").resize(size, Image.BICUBIC))]
    for name, gates in maps.items():
        shown = gates if raw else stretch(gates)
        rgb = Image.fromarray(np.round(colorize(shown) * 255).astype(np.uint8))
        title = f"{name}  g1 {gates[..., 0].min():.2f}-{gates[..., 0].max():.2f}"
        panels.append((title, rgb.resize(size, Image.BILINEAR)))
    columns = columns or min(len(panels), 5)
    rows = math.ceil(len(panels) / columns)
    label = 16
    sheet = Image.new("RGB", (columns * (size[0] + 4), rows * (size[1] + label + 4)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (name, picture) in enumerate(panels):
        x = (index % columns) * (size[0] + 4)
        y = (index // columns) * (size[1] + label + 4)
        draw.text((x + 2, y + 2), name, fill="black")
        sheet.paste(picture, (x, y + label))
    sheet.save(out_path)
    return out_path


def parser():
    p = argparse.ArgumentParser(prog="python -m nsr_tf.cli.visualize", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help=".keras model with sparse layers")
    p.add_argument("--image", required=True, help="image to look at")
    p.add_argument("--out", default="gates.png", help="output PNG (default gates.png)")
    p.add_argument("--layers", nargs="+", help="layer names (default: every block's conv2)")
    p.add_argument("--tile-size", type=int, help="window (default: the model's training "
                   "patch)")
    p.add_argument("--stride", type=int, default=8, help="window stride in pixels "
                   "(default 8; = tile size for one value per inference tile)")
    p.add_argument("--columns", type=int, help="panels per row")
    p.add_argument("--raw", action="store_true", help="colour the gates as they are, "
                   "without stretching each layer's range")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    quiet.import_tensorflow()   # after parsing: --help needs no TensorFlow
    from nsr_tf import model_io
    from nsr_tf.data.images import read_image
    try:
        model, info = model_io.load(args.model)
        image = read_image(args.image, info.channels)
        layers = sparse_layers(model, args.layers)
        if not layers:
            raise UsageError(f"{args.model} has no gated sparse layers to show")
        if args.stride < 1:
            raise UsageError(f"--stride must be >= 1, got {args.stride}")
        tile = args.tile_size or info.tile_size or 64
        maps = gate_maps(model, image, layers, tile, args.stride)
        render(image, maps, args.out, args.columns, raw=args.raw)
    except (NsrError, OSError) as error:
        return report("visualize", error)
    print(f"wrote {args.out}: {len(maps)} layer map(s) of {args.image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
