"""Tiled full-image inference.

The sparse convs pool their gate over the whole input, so a model trained on patches
sees each inference tile as one sample: tiling is part of the model's semantics
(method.md section 2), not only a memory trick. Tiles of ``tile_size`` overlap by
``overlap`` pixels, run as batches, and are blended back with weights that ramp linearly
across each overlap, so there are no seams.
"""

import numpy as np


def _starts(length, tile, stride):
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def _blend_window(tile_h, tile_w, overlap):
    def ramp(n):
        if overlap <= 0:
            return np.ones(n)
        i = np.arange(n) + 0.5
        return np.clip(np.minimum(i, n - i) / overlap, 1e-3, 1.0)
    return np.outer(ramp(tile_h), ramp(tile_w))[..., None]


def restore(model, image, tile_size=64, overlap=16, batch_size=16, scale=1):
    """Runs ``model`` over ``image`` tile by tile.

    ``image``: float32 (H, W) or (H, W, C), not clipped (noisy inputs may leave [0, 1]).
    Returns the float32 output, (H*scale, W*scale[, C]); shaped like the input.
    """
    image = np.asarray(image, dtype=np.float32)
    squeeze = image.ndim == 2
    if squeeze:
        image = image[..., None]
    if overlap >= tile_size:
        raise ValueError(f"overlap {overlap} must be smaller than tile_size {tile_size}")
    height, width, _ = image.shape
    tile_h, tile_w = min(tile_size, height), min(tile_size, width)
    stride = tile_size - overlap
    corners = [(y, x) for y in _starts(height, tile_h, stride)
               for x in _starts(width, tile_w, stride)]
    out_channels = None
    window = _blend_window(tile_h * scale, tile_w * scale, overlap * scale)
    output = weights = None
    for first in range(0, len(corners), batch_size):
        batch = corners[first:first + batch_size]
        tiles = np.stack([image[y:y + tile_h, x:x + tile_w] for y, x in batch])
        results = np.asarray(model(tiles, training=False))
        if output is None:
            out_channels = results.shape[-1]
            output = np.zeros((height * scale, width * scale, out_channels), np.float64)
            weights = np.zeros((height * scale, width * scale, 1), np.float64)
        for (y, x), result in zip(batch, results):
            ys, xs = y * scale, x * scale
            output[ys:ys + tile_h * scale, xs:xs + tile_w * scale] += result * window
            weights[ys:ys + tile_h * scale, xs:xs + tile_w * scale] += window
    output = (output / weights).astype(np.float32)
    return output[..., 0] if squeeze and out_channels == 1 else output
