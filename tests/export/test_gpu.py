"""LiteRT's GPU accelerator takes the GPU form of the sparse models in full, with parity.

Runs where a Vulkan driver is installed; without a GPU that is Mesa's software driver
lavapipe (`mesa-vulkan-drivers` 25.x from bookworm-backports), which .ci/run installs.
The GPU runs in a process that imports LiteRT alone (nsr_tf.export.gpu_check): creating a GPU
model in a process that has imported TensorFlow segfaulted."""

import os

import numpy as np
import pytest

from nsr_tf import build_model, model_io
from nsr_tf.data import Degradation
from nsr_tf.data.images import read_image
from nsr_tf.export import catalogue
from nsr_tf.export.converter import convert
from nsr_tf.export.gpu import run_on_gpu, vulkan_available
from nsr_tf.inference import PHONE_TILE
from nsr_tf.metrics import psnr

pytestmark = pytest.mark.skipif(
    not vulkan_available(), reason="no Vulkan driver (without a GPU: lavapipe); .ci/run "
                                   "installs mesa-vulkan-drivers from bookworm-backports")


@pytest.mark.slow
def test_the_gpu_form_runs_fully_accelerated_within_0_05_db(testsets, tmp_path):
    """Sparse- (2 blocks, float32 and float16 weights) and the shipped Sparse+ exported in
    the GPU form here, and the shipped GPU files; the CPU form (rowhybrid) is refused."""
    import keras
    keras.utils.set_random_seed(5)
    models = {"sparse-": build_model("denoise", "sparse-", num_blocks=2)}
    tile = PHONE_TILE   # the GPU files' tile (the shipped ones are made at it)
    pairs = []   # two real tiles of different content, noisy at sigma 25
    for name, (y, x) in (("01.png", (96, 96)), ("05.png", (0, 128))):
        path = os.path.join(testsets, "Set12", name)
        clean = read_image(path, 1)[y:y + tile, x:x + tile]
        pairs.append((clean, Degradation("denoise", 25).degrade_file(clean, path)))
    files = {}
    model = models["sparse-"]
    for quantize in ("none", "float16"):
        path = tmp_path / f"sparse-_gpu_{quantize}.tflite"
        path.write_bytes(convert(model, "gpu", quantize, tile=tile, batch=1))
        files[str(path)] = ("sparse-", quantize)
    path = tmp_path / "sparse-_rowhybrid.tflite"                   # the CPU form: refused
    path.write_bytes(convert(model, "rowhybrid", "none", tile=tile, batch=1))
    files[str(path)] = ("sparse-", "rowhybrid")
    for name in ("denoise-sigma25", "denoise-blind"):   # their GPU files, made on demand
        models[name], info = model_io.load(name)
        files[catalogue.exported(name, "_gpu.tflite")] = (name, "float16")
    path = tmp_path / "sparse+_gpu_none.tflite"            # and Sparse+ exported here
    path.write_bytes(convert(models["denoise-sigma25"], "gpu", "none", tile=tile, batch=1))
    files[str(path)] = ("denoise-sigma25", "none")
    batches = {n: [np.concatenate([noisy, np.full_like(noisy, 25 / 255)], -1)[None]
                   if models[n].input_shape[-1] == 2 else noisy[None]   # the noise level map
                   for _, noisy in pairs] for n in models}
    expected = {n: [models[n](batch).numpy()[0] for batch in batches[n]] for n in models}
    results = {}
    for name in models:     # one run per input shape
        group = {path: v for path, v in files.items() if v[0] == name}
        results.update(run_on_gpu(group, batches[name]))
    for path, (name, quantize) in files.items():
        status, outputs = results[path]
        if quantize == "rowhybrid":
            assert status == "refused", path    # its 5-D transpose (docs/benchmarks.md)
            continue
        assert status == "accelerated", path
        for (clean, _), want, got in zip(pairs, expected[name], outputs):
            got = got.reshape(want.shape)
            # The GPU computes in reduced precision: the judge is the PSNR change.
            assert abs(psnr(clean, got) - psnr(clean, want)) <= 0.05, (path, name)
            assert np.abs(got - want).max() < 0.05, path


def test_an_upscaler_runs_fully_accelerated_pixel_shuffle_included(testsets, tmp_path):
    """The compact SR preset (2 blocks) x2 and x4 in the GPU form: its pixel shuffle is a
    DEPTH_TO_SPACE, which the GPU accelerator takes; within 0.05 dB (Y, shaved) of Keras
    on two real LR tiles of Set5."""
    import keras

    from nsr_tf.data import degradations
    keras.utils.set_random_seed(6)
    for scale in (2, 4):
        model = build_model("sr", "compact", scale=scale, num_blocks=2)
        path = tmp_path / f"sr_x{scale}_gpu.tflite"
        path.write_bytes(convert(model, "gpu", "float16", tile=48, batch=1))
        pairs = []
        for name in ("baby_GT.png", "butterfly_GT.png"):
            hr = degradations.modcrop(read_image(os.path.join(testsets, "Set5", name), 3),
                                      scale)[:48 * scale, :48 * scale]
            pairs.append((hr, degradations.bicubic_downscale(hr, scale)[None]))
        status, outputs = run_on_gpu([path], [lr for _, lr in pairs])[str(path)]
        assert status == "accelerated", path
        for (hr, lr), got in zip(pairs, outputs):
            want = model(lr).numpy()[0]
            got = got.reshape(want.shape)
            change = psnr(hr, got, scale, True) - psnr(hr, want, scale, True)
            assert abs(change) <= 0.05, (scale, change)


def test_the_gpu_check_is_a_module_that_never_imports_tensorflow(tmp_path):
    # Run with -m from anywhere (a wheel install has no export/ folder); a GPU model
    # beside TensorFlow segfaulted, so the child must stay without it.
    import subprocess
    import sys
    code = ("import runpy, sys; sys.argv = ['gpu_check', '--help']\n"
            "try:\n    runpy.run_module('nsr_tf.export.gpu_check', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "--out-dir" in result.stdout and result.stdout.strip().endswith("False")
