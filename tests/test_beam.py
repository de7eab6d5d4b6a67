"""nsr_tf.beam's pieces without a pipeline: what a glob matches, an outcome's line."""

import json
import os

import pytest

pytest.importorskip("apache_beam")

from nsr_tf import beam as batch  # noqa: E402  (after the skip: Beam is an extra)


def test_match_takes_folders_globs_and_paths_once(tmp_path):
    for name in ("a.png", "b.JPG", "notes.txt", "c.png"):
        (tmp_path / name).write_bytes(b"x")
    folder = batch.match([str(tmp_path)])
    assert [os.path.basename(p) for p in folder] == ["a.png", "b.JPG", "c.png"]
    assert batch.match([str(tmp_path / "*.png"), str(tmp_path / "a.png")]) == \
        [str(tmp_path / "a.png"), str(tmp_path / "c.png")]
    # a plain path that is not there is kept: the run reports it as a dead letter
    assert batch.match([str(tmp_path / "gone.png")]) == [str(tmp_path / "gone.png")]
    assert batch.match([str(tmp_path / "none-*.png")]) == []


def test_an_outcome_is_one_json_line_without_empty_fields():
    line = batch.Outcome("in/x.png", "out/x_restored.png", "failed", reason="bad").to_json()
    assert json.loads(line) == {"path": "in/x.png", "output": "out/x_restored.png",
                                "status": "failed", "reason": "bad"}
    assert "\n" not in line
