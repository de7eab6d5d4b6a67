"""Tiled full-image inference.

The sparse convs pool their gate over the whole input, so a model trained on patches
sees each inference tile as one sample: tiling is part of the model's semantics
(method.md section 2), not only a memory trick. Tiles of ``tile_size`` overlap by
``overlap`` pixels and run as batches of ``batch_size``. Each tile's output is weighted
by a window that is zero on the outer quarter of every overlap shared with a neighbour
(so pixels whose receptive field reaches past the tile's inner edge never count) and
ramps linearly to one across the middle half (no seams). Sides on the image border keep
full weight. A model without gates and a receptive radius <= overlap / 4 therefore gives
exactly the whole-image output. Memory is bounded by one batch of tiles plus the output.
"""

import keras
import numpy as np
import tensorflow as tf

DEFAULT_TILE = 64
DEFAULT_OVERLAP = 16


def tile_starts(length, tile, stride):
    """Start offsets covering ``length`` with ``tile``-long tiles, ``stride`` apart; the
    last tile ends on the border."""
    if length <= tile:
        return [0]
    return list(range(0, length - tile, stride)) + [length - tile]


def _axis_window(n, inner_low, inner_high, overlap):
    weight = np.ones(n)
    if overlap <= 0:
        return weight
    margin = overlap // 4
    ramp = max(overlap - 2 * margin, 1)
    position = np.arange(n) + 0.5
    if inner_low:
        weight = np.minimum(weight, np.clip((position - margin) / ramp, 0.0, 1.0))
    if inner_high:
        weight = np.minimum(weight, np.clip((n - position - margin) / ramp, 0.0, 1.0))
    return weight


class TiledPredictor:
    """Runs a model on batches of tiles through one traced ``tf.function``."""

    def __init__(self, model):
        self.model = model
        self._predict = tf.function(lambda tiles: model(tiles, training=False),
                                    reduce_retracing=True)

    def __call__(self, tiles, batch_size):
        count = len(tiles)
        if count < batch_size:  # pad with copies: one batch shape, one trace
            tiles = np.concatenate([tiles, np.repeat(tiles[-1:], batch_size - count, 0)])
        return np.asarray(self._predict(tf.constant(tiles)))[:count]


def restore(model, image, tile_size=DEFAULT_TILE, overlap=DEFAULT_OVERLAP, batch_size=16,
            scale=1):
    """Runs ``model`` over ``image`` tile by tile.

    ``model``: a Keras model or a tile predictor (``TiledPredictor``, a LiteRT one). ``image``: float32 (H, W) or
    (H, W, C), not clipped (noisy inputs may leave [0, 1]). ``scale``: the model's
    upscaling factor (SR). Returns float32 (H*scale, W*scale[, C]), shaped like the input.
    """
    # A Keras model, or any tile predictor: predictor(tiles, batch_size) -> outputs
    # (TiledPredictor, nsr_tf.export.litert.LiteRTPredictor).
    predictor = TiledPredictor(model) if isinstance(model, keras.Model) else model
    image = np.asarray(image, dtype=np.float32)
    squeeze = image.ndim == 2
    if squeeze:
        image = image[..., None]
    if tile_size < 1 or not 0 <= overlap < tile_size:
        raise ValueError(f"need 0 <= overlap < tile_size, got overlap={overlap}, "
                         f"tile_size={tile_size}")
    height, width, _ = image.shape
    tile_h, tile_w = min(tile_size, height), min(tile_size, width)
    stride = tile_size - overlap
    ys, xs = tile_starts(height, tile_h, stride), tile_starts(width, tile_w, stride)
    corners = [(y, x) for y in ys for x in xs]
    output = weights = None
    for first in range(0, len(corners), batch_size):
        batch = corners[first:first + batch_size]
        tiles = np.stack([image[y:y + tile_h, x:x + tile_w] for y, x in batch])
        results = predictor(tiles, batch_size)
        if output is None:
            output = np.zeros((height * scale, width * scale, results.shape[-1]), np.float32)
            weights = np.zeros((height * scale, width * scale, 1), np.float32)
        for (y, x), result in zip(batch, results):
            window = np.outer(
                _axis_window(tile_h * scale, y > 0, y + tile_h < height, overlap * scale),
                _axis_window(tile_w * scale, x > 0, x + tile_w < width, overlap * scale))
            window = window[..., None].astype(np.float32)
            region = np.s_[y * scale:(y + tile_h) * scale, x * scale:(x + tile_w) * scale]
            output[region] += result * window
            weights[region] += window
    output /= weights
    return output[..., 0] if squeeze and output.shape[-1] == 1 else output
