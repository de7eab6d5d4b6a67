import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The shipped models' .tflite files are made on demand (nsr_tf.export.catalogue) into a
# cache: one per test session, so each export is made once a run and never read from, or
# left in, the user's ~/.cache.
# What is built once per machine and named by its own sources (XNNPACK, the native
# kernel library) stays in the user's cache: a test session that rebuilt XNNPACK would
# spend minutes on what `python -m nsr_tf.export.xnnpack` (.ci/run) has just built.
if "NSR_TF_CACHE" not in os.environ:
    import tempfile

    from nsr_tf.files import cache_root
    os.environ.setdefault("NSR_TF_XNNPACK_DIR", os.path.join(cache_root(), "xnnpack"))
    os.environ.setdefault("NSR_TF_NATIVE_DIR", os.path.join(cache_root(), "native"))
    os.environ["NSR_TF_CACHE"] = tempfile.mkdtemp(prefix="nsr_tf_test_cache_")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The standard test sets ship with the repository (testsets/README.md); six Train400
# images ship with the tests for the training tests: a clone needs nothing beside it.
TESTSETS = os.path.join(REPO, "testsets")
TRAIN_IMAGES = os.path.join(REPO, "tests", "assets", "train400")


@pytest.fixture(scope="session")
def testsets():
    """The repository's standard test sets: Set12, classic5, Set5."""
    return TESTSETS


@pytest.fixture(scope="session")
def train_images():
    """Six Train400 images (180x180 gray) for the training tests."""
    return TRAIN_IMAGES


@pytest.fixture
def model_file(tmp_path):
    """A small untrained sigma-25 Sparse+ denoiser saved as training saves one
    (M.keras + M.json: task, sigma, variant, tile 32, overlap 8)."""
    import json

    import keras

    from nsr_tf import build_model
    path = tmp_path / "m.keras"
    keras.utils.set_random_seed(0)          # the same weights on every machine and run
    build_model("denoise", "sparse+", num_blocks=1).save(path)
    (tmp_path / "m.json").write_text(json.dumps(
        {"config": {"task": "denoise", "sigma": 25, "variant": "sparse+"},
         "tile_size": 32, "overlap": 8}))
    return path
