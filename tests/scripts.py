"""The repository's scripts (release/, benchmarks/) as modules, for their tests."""

import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_script(relative):
    """The script at ``relative`` (e.g. "release/ship_sr_models.py"), imported afresh."""
    path = os.path.join(REPO, relative)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
