"""Tiled full-image inference.

The sparse convs pool their gate over the whole input, so a model trained on patches
sees each inference tile as one sample: tiling is part of the model's semantics
(docs/design.md, The network), not only a memory trick. Tiles of ``tile_size`` overlap by
``overlap`` pixels and run as batches of ``batch_size``. Each tile's output is weighted
by a window that is zero on the outer quarter of every overlap shared with a neighbour
(so pixels whose receptive field reaches past the tile's inner edge never count) and
ramps linearly to one across the middle half (no seams). Sides on the image border keep
full weight. A model without gates and a receptive radius <= overlap / 4 therefore gives
exactly the whole-image output. Memory is bounded by one batch of tiles plus the output.
"""

import functools
import warnings

from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)
import keras
import numpy as np

from nsr_tf import precision as precisions
from nsr_tf.errors import UsageError
from nsr_tf.layers.sparse_conv import SparseConv2D

# Restoring: tiles of twice the training patch. Measured on the shipped Sparse+ against
# the training tiling (64/16; benchmarks/experiments/tiling.py, docs/benchmarks.md): float32 128/16
# keeps Set12 within 0.01 dB (-0.008) and computes 1.31x fewer pixels per kept pixel;
# bfloat16 needs the larger overlap 128/24 for the same (-0.008; 128/16: -0.010).
# Larger tiles lose more and run no faster per pixel.
def default_tiling(patch_size, policy="float32"):
    """(tile, overlap) to restore with a model trained on ``patch_size`` patches, for a
    model computing in ``policy``."""
    quarter = patch_size // 4
    return 2 * patch_size, quarter if policy == "float32" else quarter + quarter // 2


# restore()'s defaults: a float32 model trained on the presets' 64 px patches (128, 16).
DEFAULT_TILE, DEFAULT_OVERLAP = default_tiling(64)

# The phone files' tile (input pixels; LR for the upscalers), dense and sparse alike, and
# nsr-restore's --backend litert / native: the fastest per photo of 48-512 for every file
# measured (benchmarks/speed/photo_latency.py, docs/photo_latency.md: a 4032x3024 photo,
# 1 thread, the dense int8 file 23.8 s at 128 against 32.0 at 64 and 31.1 at 512 (the
# activations of a 512 tile leave the cache), Sparse- native dynamic 15.4 against 22.8).
# The overlap stays the trained one in pixels (16; 12 LR), so a 128 tile computes 1.31x
# the photo's pixels where 64/16 computed 1.78x. Every shipped model's Set12 / Set5 mean
# at 128 is within 0.01 dB of the whole image or above it (tests/test_inference.py).
# Measured again with each sparse layer one native op (docs/native.md, "Which tile, per
# file"): the int8 files fastest at 128 (the native dynamic ones by 4-48%; the dense int8
# file within the noise of its 256), and so are the upscalers' float files; but the
# restoration models' float32 files (dense, and the sparse ones' native float) 8-9% faster
# at 256: those take PHONE_TILE_FLOAT.
PHONE_TILE = 128
PHONE_TILE_FLOAT = 256


def phone_tile(task, quantize, form="cpu"):
    """The tile of a phone file of a ``task`` model in ``quantize`` ("none", "dynamic",
    "int8", "float16") and ``form``, and of nsr-restore's --backend litert / native (float32
    files). The GPU form keeps PHONE_TILE: its timings are not measurable here."""
    return PHONE_TILE_FLOAT if quantize == "none" and task in ("denoise", "jpeg") \
        and form != "gpu" else PHONE_TILE


# Tiles per batch: about this many pixels (16 tiles of 64x64), so that memory stays that of
# one batch whatever the tile size.
BATCH_PIXELS = 16 * 64 * 64


def auto_batch_size(tile_size):
    """Tiles per batch for ``tile_size``: about ``BATCH_PIXELS`` input pixels."""
    return max(1, BATCH_PIXELS // tile_size ** 2)


def tile_starts(length, tile, stride):
    """Start offsets covering ``length`` with ``tile``-long tiles, ``stride`` apart; the
    last tile ends on the border."""
    if length <= tile:
        return [0]
    return list(range(0, length - tile, stride)) + [length - tile]


_PREDICTOR_ATTRIBUTE = "_nsr_tf_tiled_predictor"

# Per-tile graphs: at most this many tiles in flight at once.
MAX_PER_TILE_BATCH = 16


def splits_per_sample(model):
    """Whether ``model`` has sparse convs that run one conv per sample here (the CPU's
    form): a batch of tiles then runs faster as one graph of per-tile model calls than as
    one batched call, which splits and re-concatenates the batch at every sparse layer and
    leaves the ReLU, the residual add and the next gate's pool unfused between them
    (measured: Sparse+ in bfloat16, tiles 128/24, 1.15x the dense baseline's time against
    1.37x batched; ``python benchmarks/speed/restore_speed.py --per-tile``, docs/benchmarks.md).
    The sums are the same per tile; only the order of the arithmetic inside a conv can
    differ (float32: within 1e-5)."""
    return any(isinstance(layer, SparseConv2D) and layer.gate != "none"
               and layer.resolved_implementation() == "per_sample"
               for layer in model._flatten_layers())


@functools.lru_cache(maxsize=256)
def _tile_window(height, width, top, bottom, left, right, overlap):
    """The blending weight of a (height, width) tile; ``top`` etc.: that side borders
    another tile."""
    window = np.outer(_axis_window(height, top, bottom, overlap),
                      _axis_window(width, left, right, overlap))
    window = window[..., None].astype(np.float32)
    window.flags.writeable = False
    return window


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
    """Runs a model on batches of tiles through one traced ``tf.function`` (traced once
    per batch shape): the batch in one call, or, for a model whose sparse convs run one
    conv per sample, one call per tile inside the graph (the same sums, faster on CPU)."""

    def __init__(self, model, per_tile=None):
        """``per_tile``: run a batch as per-tile model calls inside the graph (``None``:
        where the model's sparse convs would split the batch into one conv per sample
        anyway, ``splits_per_sample``)."""
        self.model = model
        self.per_tile = splits_per_sample(model) if per_tile is None else per_tile
        self._predict = tf.function(self._per_tile if self.per_tile else self._batched,
                                    reduce_retracing=True)

    def _batched(self, tiles):
        return self.model(tiles, training=False)

    def _per_tile(self, tiles):
        # A while loop over the tiles, all of them in flight at once: traced once (an
        # unrolled graph of per-tile calls runs as fast and traces 2x longer, 12 s
        # against 7 s for Sparse+).
        return tf.map_fn(lambda tile: tf.cast(self._batched(tile[None])[0], tf.float32),
                         tiles, parallel_iterations=MAX_PER_TILE_BATCH,
                         fn_output_signature=tf.TensorSpec(None, tf.float32))

    @classmethod
    def of(cls, model, precision="float32"):
        """The predictor of ``model`` in ``precision`` (a policy of ``nsr_tf.precision``:
        "float32", "mixed_bfloat16", "mixed_float16", or "auto" for this machine's),
        made on first use and kept on the model, so that repeated ``restore(model, ...)``
        calls trace once (Sparse+: about 5 s a trace). Anything that is not a Keras model
        is taken to be a predictor already and returned as is."""
        if not isinstance(model, keras.Model):
            return model
        policy = precisions.choose(precision)[0] if precision == "auto" else precision
        cache = model.__dict__.get(_PREDICTOR_ATTRIBUTE)
        if cache is None:
            cache = {}
            # object.__setattr__: Keras' attribute tracking must not see the cache (it
            # would try to track the tf.functions and save them with the model).
            object.__setattr__(model, _PREDICTOR_ATTRIBUTE, cache)
        if policy not in cache:
            cache[policy] = cls(precisions.with_policy(model, policy))
        predictor = cache[policy]
        if predictor.model is not model:
            # A copy in another policy: bring it the model's current weights (a model
            # in training changes them; about 5 ms for a million parameters).
            predictor.model.set_weights(model.get_weights())
        return predictor

    def __call__(self, tiles, batch_size):
        count = len(tiles)
        if count < batch_size:  # pad with copies: one batch shape, one trace
            tiles = np.concatenate([tiles, np.repeat(tiles[-1:], batch_size - count, 0)])
        with warnings.catch_warnings():
            # A reloaded .keras model records its input as a list and warns on every
            # call with a plain tensor; the call is correct.
            warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't")
            outputs = self._predict(tf.constant(tiles, tf.float32))
        return np.asarray(outputs, np.float32)[:count]


def restore(model, image, tile_size=DEFAULT_TILE, overlap=DEFAULT_OVERLAP, batch_size=None,
            scale=1, precision="float32", progress=None):
    """Runs ``model`` over ``image`` tile by tile.

    ``model``: a Keras model or a tile predictor (``TiledPredictor``, a LiteRT one).
    ``image``: float32 (H, W) or (H, W, C), not clipped (noisy inputs may leave [0, 1]).
    ``batch_size``: tiles per run (default: ``auto_batch_size``, about 64k pixels).
    ``scale``: the model's upscaling factor (SR): tiles and overlap are in input (LR)
    pixels, the overlap is scaled with the output. ``precision``: for a Keras model, the
    policy it computes in (``TiledPredictor.of``). ``progress``: called with the number
    of tiles done after each batch (e.g. a tqdm bar's ``update``). Returns float32
    (H*scale, W*scale[, C]), shaped like the input.

    Memory: the output plus one batch of tiles. The tiles form a grid and each tile's
    window is the outer product of two axis windows whose flags depend on its row or
    column only, so the summed weight is the outer product of two 1-D sums: no
    full-size weight map is kept.

    The first call with a Keras model traces it (seconds: a Sparse+ denoiser about 5 s on
    2 cores, a dense one about 2 s); the traced function is kept on the model
    (``TiledPredictor.of``), so later calls with the same model and tile shape cost only
    the computation.
    """
    # A Keras model, or any tile predictor: predictor(tiles, batch_size) -> outputs
    # (TiledPredictor, nsr_tf.export.litert.LiteRTPredictor).
    predictor = TiledPredictor.of(model, precision)
    image = np.asarray(image, dtype=np.float32)
    squeeze = image.ndim == 2
    if squeeze:
        image = image[..., None]
    if tile_size < 1 or not 0 <= overlap < tile_size:
        raise UsageError(f"need 0 <= overlap < tile_size, got overlap={overlap}, "
                         f"tile_size={tile_size}")
    batch_size = batch_size or auto_batch_size(tile_size)
    height, width, _ = image.shape
    tile_h, tile_w = min(tile_size, height), min(tile_size, width)
    stride = tile_size - overlap
    ys, xs = tile_starts(height, tile_h, stride), tile_starts(width, tile_w, stride)
    row_weight = _axis_weight_sum(ys, tile_h, height, overlap, scale)
    column_weight = _axis_weight_sum(xs, tile_w, width, overlap, scale)
    corners = [(y, x) for y in ys for x in xs]
    output = None
    for first in range(0, len(corners), batch_size):
        batch = corners[first:first + batch_size]
        tiles = np.stack([image[y:y + tile_h, x:x + tile_w] for y, x in batch])
        results = predictor(tiles, batch_size)
        if output is None:
            output = np.zeros((height * scale, width * scale, results.shape[-1]), np.float32)
        for (y, x), result in zip(batch, results):
            window = _tile_window(tile_h * scale, tile_w * scale, y > 0,
                                  y + tile_h < height, x > 0, x + tile_w < width,
                                  overlap * scale)
            region = np.s_[y * scale:(y + tile_h) * scale, x * scale:(x + tile_w) * scale]
            output[region] += result * window
        if progress is not None:
            progress(len(batch))
    output /= row_weight[:, None, None]
    output /= column_weight[None, :, None]
    return output[..., 0] if squeeze and output.shape[-1] == 1 else output


def tile_count(shape, tile_size=DEFAULT_TILE, overlap=DEFAULT_OVERLAP):
    """How many tiles ``restore`` runs on an image of ``shape`` (H, W[, C])."""
    height, width = shape[:2]
    stride = tile_size - overlap
    return len(tile_starts(height, min(tile_size, height), stride)) * \
        len(tile_starts(width, min(tile_size, width), stride))


def _axis_weight_sum(starts, tile, length, overlap, scale):
    """The summed blending weight along one axis of the output (``length * scale``)."""
    total = np.zeros(length * scale, np.float32)
    for start in starts:
        total[start * scale:(start + tile) * scale] += _axis_window(
            tile * scale, start > 0, start + tile < length, overlap * scale)
    return total


def by_channels(run, image, model_channels):
    """``run`` ((H, W, model_channels) -> (H', W', model_channels)) on an image of any
    channel count: a gray model restores each colour channel on its own, and an RGB model
    restores a gray image as RGB, written back as gray (the mean of the three)."""
    channels = image.shape[-1]
    if channels == model_channels:
        return run(image)
    if model_channels == 1:
        return np.concatenate([run(image[..., c:c + 1]) for c in range(channels)], axis=-1)
    return run(np.repeat(image, model_channels, -1)).mean(axis=-1, keepdims=True)
