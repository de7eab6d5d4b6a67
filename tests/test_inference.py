"""Tiled inference: exact for gateless models, any size, bounded memory."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nsr_tf import build_model
from nsr_tf.inference import restore, tile_starts


@pytest.fixture(scope="module")
def dense_denoiser():
    # 1 block: receptive radius 4 (head 1 + block 2 + tail 1) <= overlap / 4
    return build_model("denoise", "baseline", num_blocks=1)


@pytest.mark.parametrize("shape", [(70, 93), (64, 64), (30, 20), (131, 65)])
def test_gateless_tiled_equals_whole_image(dense_denoiser, shape):
    image = np.random.default_rng(0).uniform(-0.1, 1.1, size=shape).astype(np.float32)
    whole = dense_denoiser(image[None, ..., None]).numpy()[0, ..., 0]
    tiled = restore(dense_denoiser, image, tile_size=32, overlap=16, batch_size=5)
    assert tiled.shape == shape
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


def test_gateless_rgb_and_sr_tiled_equal_whole_image():
    rgb = build_model("jpeg", "baseline", channels=3, num_blocks=1)
    image = np.random.default_rng(1).uniform(size=(45, 77, 3)).astype(np.float32)
    np.testing.assert_allclose(restore(rgb, image, 24, 16), rgb(image[None]).numpy()[0],
                               atol=1e-5)
    sr = build_model("sr", "edsr-s", scale=3, num_blocks=1)
    image = np.random.default_rng(2).uniform(size=(37, 50, 3)).astype(np.float32)
    tiled = restore(sr, image, tile_size=24, overlap=16, scale=3)
    assert tiled.shape == (111, 150, 3)
    np.testing.assert_allclose(tiled, sr(image[None]).numpy()[0], atol=1e-5)


def test_sparse_model_runs_each_tile_as_one_sample():
    model = build_model("denoise", "sparse+", num_blocks=1)
    image = np.random.default_rng(3).uniform(size=(48, 48)).astype(np.float32)
    np.testing.assert_allclose(restore(model, image, tile_size=48, overlap=8),
                               model(image[None, ..., None]).numpy()[0, ..., 0], atol=1e-6)
    # Blending: every output pixel is a convex combination of the tiles covering it.
    big = np.random.default_rng(4).uniform(size=(70, 90)).astype(np.float32)
    out = restore(model, big, tile_size=32, overlap=16)
    low, high = np.full(big.shape, np.inf), np.full(big.shape, -np.inf)
    for y in tile_starts(70, 32, 16):
        for x in tile_starts(90, 32, 16):
            tile = model(big[None, y:y + 32, x:x + 32, None]).numpy()[0, ..., 0]
            low[y:y + 32, x:x + 32] = np.minimum(low[y:y + 32, x:x + 32], tile)
            high[y:y + 32, x:x + 32] = np.maximum(high[y:y + 32, x:x + 32], tile)
    assert np.all(out >= low - 1e-5) and np.all(out <= high + 1e-5)


def test_bad_tiling_arguments():
    with pytest.raises(ValueError, match="overlap"):
        restore(None, np.zeros((8, 8)), tile_size=16, overlap=16)


MEMORY = textwrap.dedent("""
    import resource, numpy as np
    from nsr_tf import build_model
    from nsr_tf.inference import restore, tile_starts
    model = build_model("denoise", "sparse+", num_blocks=1)
    restore(model, np.zeros((64, 64), np.float32))       # warm up TF
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    image = np.random.default_rng(0).uniform(size=(3000, 4000)).astype(np.float32)
    out = restore(model, image)            # the defaults: 128 px tiles, ~64k-pixel batches
    assert out.shape == (3000, 4000)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
""")


def test_a_4000x3000_image_stays_under_350_mb_of_extra_peak_memory():
    # The input, the output and the weight map are 48 MB each (float32); the rest is
    # one batch of tiles. A whole-image run would need GBs of activations.
    result = subprocess.run([sys.executable, "-c", MEMORY], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout.strip().splitlines()[-1]) < 350


def test_repeated_restore_calls_trace_once_and_the_model_still_saves(tmp_path):
    import keras

    from nsr_tf.inference import TiledPredictor
    model = build_model("denoise", "sparse+", num_blocks=1)
    image = np.random.default_rng(5).uniform(size=(50, 70)).astype(np.float32)
    first = restore(model, image, tile_size=32, overlap=8)
    second = restore(model, image, tile_size=32, overlap=8)
    np.testing.assert_array_equal(first, second)
    predictor = TiledPredictor.of(model)
    assert predictor is TiledPredictor.of(model)
    assert predictor._predict.experimental_get_tracing_count() == 1
    model.save(tmp_path / "m.keras")                     # the cache is not tracked
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restore(again, image, 32, 8), first, atol=1e-6)


def test_a_precision_copy_follows_the_models_weights():
    model = build_model("denoise", "baseline", num_blocks=1)
    image = np.random.default_rng(6).uniform(size=(40, 40)).astype(np.float32)
    before = restore(model, image, 32, 8, precision="mixed_bfloat16")
    model.get_layer("tail").bias.assign(model.get_layer("tail").bias + 0.25)
    after = restore(model, image, 32, 8, precision="mixed_bfloat16")
    np.testing.assert_allclose(after - before, 0.25, atol=0.02)
    np.testing.assert_allclose(after, restore(model, image, 32, 8), atol=0.02)


def test_x4_upscaling_needs_the_output_plus_one_batch():
    """A 2000x1500 photo to x4 (an 8000x6000 RGB float32 output, 576 MB) in a scaled-down
    form: 500x375 to x4. A nearest-neighbour predictor stands in for the model, so that
    only the tiling's own memory is measured (numpy reports to tracemalloc)."""
    import tracemalloc

    def upscale(tiles, batch_size):
        return np.repeat(np.repeat(tiles, 4, axis=1), 4, axis=2)

    image = np.random.default_rng(6).uniform(size=(375, 500, 3)).astype(np.float32)
    tracemalloc.start()
    out = restore(upscale, image, tile_size=96, overlap=12, scale=4)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    batch = 7 * 96 * 96 * 3 * 4 * (1 + 16)      # auto batch of 96 px tiles, in and out
    assert out.shape == (1500, 2000, 3)
    assert peak < out.nbytes + 3 * batch, (peak, out.nbytes, batch)
    # and the blending is right: nearest neighbour tiled = nearest neighbour whole
    np.testing.assert_allclose(out, upscale(image[None], 1)[0], atol=1e-6)


def test_per_tile_graph_equals_the_batched_call():
    from nsr_tf.inference import TiledPredictor, splits_per_sample
    sparse = build_model("denoise", "sparse+", num_blocks=2)
    dense = build_model("denoise", "baseline", num_blocks=2)
    assert splits_per_sample(sparse) and not splits_per_sample(dense)   # CPU here
    # Tiles of different content, so that every tile gets gates of its own.
    tiles = np.random.default_rng(7).uniform(size=(5, 24, 24, 1)).astype(np.float32)
    tiles *= np.linspace(0.2, 1.0, 5, dtype=np.float32)[:, None, None, None]
    per_tile, batched = TiledPredictor(sparse), TiledPredictor(sparse, per_tile=False)
    assert per_tile.per_tile and not batched.per_tile
    expected = sparse(tiles).numpy()
    np.testing.assert_allclose(per_tile(tiles, 5), expected, atol=1e-5)
    np.testing.assert_allclose(batched(tiles, 5), expected, atol=1e-5)
    # a short last batch is padded to the batch shape: one trace
    np.testing.assert_allclose(per_tile(tiles[:3], 5), expected[:3], atol=1e-5)
    assert per_tile._predict.experimental_get_tracing_count() == 1


# every shipped model but sr-x4, whose Set5 inputs (LR, at most 128 px) are one tile each
# at the phone tile: nothing to compare; each at its int8 files' tile (128) and, for the
# restoration models, at their float32 files' (256); the two quick ones also run in the
# default suite
PHONE_TILE_MODELS = [pytest.param(name, tile, marks=() if (name, tile) in (
                                      ("sr-x2", 128), ("jpeg-color", 128)) else
                                  pytest.mark.slow)
                     for name in ("denoise-sigma25", "denoise-blind", "denoise-color", "jpeg",
                                  "jpeg-color", "sr-x2")
                     for tile in ((128,) if name.startswith("sr") else (128, 256))]


@pytest.mark.parametrize("name, tile", PHONE_TILE_MODELS)
def test_the_phone_tile_keeps_a_shipped_models_psnr_within_0_01_db_of_the_whole_image(name,
                                                                                       tile):
    # The phone files and --backend litert/native tile photos at their phone tile
    # (nsr_tf.inference.phone_tile) with the trained overlap. The gates pool per tile, so
    # tiling changes the output; over the gray models' Set12 and the colour and SR models'
    # Set5 (the repository's copies) the tiled mean PSNR must not fall more than 0.01 dB
    # below the whole image's (measured 2026-12-04 at 128: -0.001 to +0.017 dB).
    from nsr_tf import metrics, model_io, pretrained
    from nsr_tf.data.images import list_images, load_images
    from nsr_tf.data.sources import bundled_testset
    from nsr_tf.inference import phone_tile
    model, info = model_io.load(pretrained.path(name))
    assert tile in (phone_tile(info.task, "none"), phone_tile(info.task, "dynamic"))
    degradation = model_io.degradation_of(info)
    channels, scale = info.channels or 1, info.scale or 1
    folder = bundled_testset("set5" if info.task == "sr" or channels == 3 else "set12")
    images, _ = load_images(list_images(folder), channels)
    tiled_psnr, whole_psnr = [], []
    for path, clean in images.items():
        clean = clean[:clean.shape[0] - clean.shape[0] % scale,
                      :clean.shape[1] - clean.shape[1] % scale]
        degraded = degradation.model_input(degradation.degrade_file(clean, path))
        batch = degraded[None] if degraded.ndim == 3 else degraded[None, ..., None]
        whole = np.asarray(model(batch, training=False))[0].reshape(clean.shape)
        tiled = restore(model, degraded, tile_size=tile, overlap=info.overlap,
                        scale=scale)
        tiled_psnr.append(metrics.psnr(clean, np.clip(tiled, 0, 1)))
        whole_psnr.append(metrics.psnr(clean, np.clip(whole, 0, 1)))
    assert np.mean(tiled_psnr) >= np.mean(whole_psnr) - 0.01, \
        (np.mean(tiled_psnr), np.mean(whole_psnr))
    assert np.mean(tiled_psnr) != np.mean(whole_psnr)      # the tiling did change something
