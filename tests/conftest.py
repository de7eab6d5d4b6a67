import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(REPO, "..", "shared", "data")


@pytest.fixture(scope="session")
def shared_data():
    if not os.path.isdir(SHARED_DATA):
        pytest.skip("../shared/data is not beside the repository")
    return SHARED_DATA


@pytest.fixture
def model_file(tmp_path):
    """A small untrained sigma-25 Sparse+ denoiser saved as training saves one
    (M.keras + M.json: task, sigma, variant, tile 32, overlap 8)."""
    import json

    from nsr_tf import build_model
    path = tmp_path / "m.keras"
    build_model("denoise", "sparse+", num_blocks=1).save(path)
    (tmp_path / "m.json").write_text(json.dumps(
        {"config": {"task": "denoise", "sigma": 25, "variant": "sparse+"},
         "tile_size": 32, "overlap": 8}))
    return path
