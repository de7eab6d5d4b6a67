"""What the repository itself holds."""

import os
import subprocess

import pytest


def test_no_registry_host_is_written_into_the_repository():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    hosts = ("deb." + "debian.org", "pypi." + "org", "files." + "pythonhosted.org",
             "registry." + "npmjs.org")
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    found = []
    for name in tracked.stdout.splitlines():
        path = os.path.join(root, name)
        if not os.path.isfile(path) or name.endswith((".png", ".keras", ".tflite", ".jar")):
            continue
        text = open(path, "rb").read().decode("utf-8", "replace")
        found += [f"{name}: {host}" for host in hosts if host in text]
    assert not found


def test_no_script_hides_a_standard_module_from_the_scripts_beside_it():
    # python training/train.py puts training/ first on sys.path: a training/queue.py there
    # made every `import queue` (TensorFlow's, multiprocessing's) load it and train.py die.
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    clashes = []
    for folder in ("training", "export", "release", "benchmarks", "android_demo"):
        for parent, _, files in os.walk(os.path.join(root, folder)):
            clashes += [os.path.relpath(os.path.join(parent, name), root) for name in files
                        if name.endswith(".py") and name[:-3] in sys.stdlib_module_names]
    assert not clashes


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_new_machine_rebuilds_and_checks_every_training_data_manifest():
    """training/new_machine.sh names each manifest of docs/training_data/ (a folder added
    there and not to the script would be missing on the next machine)."""
    script = open(os.path.join(REPO, "training", "new_machine.sh")).read()
    manifests = [name for name in os.listdir(os.path.join(REPO, "docs", "training_data"))
                 if name.endswith(".sha256")]
    assert len(manifests) >= 6
    assert [m for m in manifests if f"docs/training_data/{m}" not in script] == []
