"""nsr-batch: a folder of photos through Apache Beam (local runner), as nsr-restore
restores them, nothing lost and nothing twice."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("apache_beam")


def batch(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "nsr_tf.cli.batch", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def photos(folder, testsets, count=None, size=None):
    """Set5 and Set12 photos (RGB and gray), a corrupt and an empty file among them."""
    folder.mkdir()
    sources = sorted(glob.glob(os.path.join(str(testsets), "Set5", "*.png")))[:3] + \
        sorted(glob.glob(os.path.join(str(testsets), "Set12", "*.png")))[:3]
    for path in sources[:count]:
        image = Image.open(path)
        if size:
            image = image.resize((size, size))
        image.save(folder / os.path.basename(path))
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (folder / "empty.jpg").write_bytes(b"")
    return sorted(str(folder / name) for name in os.listdir(folder))


def reports(out, suffix):
    lines = []
    for path in glob.glob(os.path.join(str(out), f"nsr-batch-*{suffix}")):
        if suffix == ".jsonl" and path.endswith(".failed.jsonl"):
            continue
        lines += [json.loads(line) for line in open(path).read().splitlines() if line]
    return lines


def test_the_same_bytes_as_nsr_restore_and_bad_files_in_the_report(model_file, tmp_path,
                                                                   testsets):
    files = photos(tmp_path / "in", testsets, size=48)
    restore = subprocess.run([sys.executable, "-m", "nsr_tf.cli.restore", tmp_path / "in",
                              "--model", model_file, "--out", tmp_path / "ref"],
                             capture_output=True, text=True, timeout=600)
    assert restore.returncode == 1              # the two bad files
    result = batch(tmp_path / "in", "--model", model_file, "--out", tmp_path / "out",
                   "--workers", "2")
    assert result.returncode == 2, result.stderr[-3000:]      # two photos failed
    assert "restored 6, skipped 0 (output there already), failed 2 of 8" in result.stderr
    assert "Traceback" not in result.stderr
    reference = sorted(name for name in os.listdir(tmp_path / "ref"))
    written = sorted(name for name in os.listdir(tmp_path / "out") if name.endswith(".png"))
    assert written == reference and len(written) == 6
    for name in written:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()
    failed = reports(tmp_path / "out", ".failed.jsonl")
    assert sorted(os.path.basename(row["path"]) for row in failed) == ["corrupt.png",
                                                                        "empty.jpg"]
    assert all(row["reason"] and row["status"] == "failed" for row in failed)
    restored = reports(tmp_path / "out", ".jsonl")
    assert sorted(row["path"] for row in restored) == [f for f in files
                                                        if "corrupt" not in f and "empty" not in f]
    assert all(row["model"] == "m.keras" and row["seconds"] > 0 and row["megapixels"] > 0
               for row in restored)


def test_a_second_run_writes_nothing(model_file, tmp_path, testsets):
    photos(tmp_path / "in", testsets, count=3, size=40)
    first = batch(tmp_path / "in", "--model", model_file, "--out", tmp_path / "out",
                  "--workers", "1")
    assert "restored 3," in first.stderr, first.stderr[-2000:]
    outputs = {p: (os.path.getmtime(p), open(p, "rb").read())
               for p in glob.glob(str(tmp_path / "out" / "*.png"))}
    time.sleep(1.1)       # a new run's reports get their own names
    second = batch(tmp_path / "in", "--model", model_file, "--out", tmp_path / "out",
                   "--workers", "1")
    assert "restored 0, skipped 3 (output there already), failed 2 of 5" in second.stderr
    assert {p: (os.path.getmtime(p), open(p, "rb").read())
            for p in glob.glob(str(tmp_path / "out" / "*.png"))} == outputs


def test_a_run_killed_part_way_then_rerun_loses_nothing_and_repeats_nothing(
        model_file, tmp_path, testsets):
    files = photos(tmp_path / "in", testsets, size=160)
    good = [f for f in files if "corrupt" not in f and "empty" not in f]
    command = [sys.executable, "-m", "nsr_tf.cli.batch", str(tmp_path / "in"), "--model",
               str(model_file), "--out", str(tmp_path / "out"), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None and \
            not glob.glob(str(tmp_path / "out" / "*_restored.png")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)      # the runner and its workers, mid-run
    process.wait()
    before = set(glob.glob(str(tmp_path / "out" / "*_restored.png")))
    assert 1 <= len(before) < len(good), "the kill came too late to test a resume"
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    restored_now = {row["output"] for row in reports(tmp_path / "out", ".jsonl")}
    assert not restored_now & before                     # nothing done twice
    assert f"skipped {len(before)} (output there already)" in rerun.stderr
    outputs = sorted(glob.glob(str(tmp_path / "out" / "*_restored.png")))
    assert len(outputs) == len(good)                     # nothing lost
    assert not glob.glob(str(tmp_path / "out" / "*.part"))
    reference = subprocess.run([sys.executable, "-m", "nsr_tf.cli.restore", *good, "--model",
                                model_file, "--out", tmp_path / "ref"],
                               capture_output=True, text=True, timeout=600)
    assert reference.returncode == 0
    for path in outputs:                                 # every one complete
        assert open(path, "rb").read() == (tmp_path / "ref" / os.path.basename(path)).read_bytes()


def test_bad_flags_are_one_line(tmp_path):
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "x.png")
    result = batch(tmp_path / "x.png", "--out", tmp_path / "o", "--model", "no-such-model")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nsr-batch: error: --model no-such-model: no such model file or shipped model" \
        in result.stderr
    result = batch(tmp_path / "nothing-*.png", "--out", tmp_path / "o")
    assert result.returncode == 1 and "no input photos match" in result.stderr
    result = batch(tmp_path / "x.png", "--out", tmp_path / "x.png")
    assert result.returncode == 1 and "is a file; give a folder" in result.stderr
