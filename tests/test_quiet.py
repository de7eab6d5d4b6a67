"""Command lines start without TensorFlow's chatter; real stderr output still shows."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def clean_env():
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)      # conftest sets it; a user's shell does not
    return env


@pytest.mark.parametrize("command", [
    [os.path.join(BIN, "nsr-restore"), "--help"],
    [os.path.join(BIN, "nsr-evaluate"), "--help"],
    [os.path.join(BIN, "nsr-batch"), "--help"],
    [os.path.join(BIN, "nsr-export"), "--help"],
    [sys.executable, os.path.join(REPO, "training", "train.py"), "--help"],
    [sys.executable, os.path.join(REPO, "export", "to_tflite.py"), "--help"],
    [sys.executable, os.path.join(REPO, "training", "run_queue.py"), "--help"],
])
def test_help_prints_only_the_help(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env=clean_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage:")
    assert result.stderr == ""


def test_other_stderr_lines_survive_the_filter():
    # A line written to fd 2 during the import that is not known chatter is kept.
    code = ("import os, sys, builtins\n"
            "real = builtins.__import__\n"
            "said = []\n"
            "def noisy(name, *a, **k):\n"
            "    if name == 'tensorflow' and not said:\n"
            "        said.append(os.write(2, b'a warning that matters\\n'))\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = noisy\n"
            "from nsr_tf.quiet import import_tensorflow\n"
            "import_tensorflow()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, env=clean_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.strip() == "a warning that matters"
