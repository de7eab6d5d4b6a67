"""nsr_tf.partial_scores: a stopped ship's rows, kept for the same model file and images."""

import json
import os

from nsr_tf.partial_scores import NAME, PartialScores


class Bar:
    def __init__(self):
        self.skipped = []

    def skip(self, folder):
        self.skipped.append(folder)


def test_rows_are_kept_for_the_same_model_and_images_and_scored_again_otherwise(tmp_path):
    job, folder = tmp_path / "job", tmp_path / "set"
    job.mkdir()
    folder.mkdir()
    (job / "best.keras").write_bytes(b"weights")
    (folder / "a.png").write_bytes(b"an image")
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return {"psnr": value, "images": {"a": value}}
        return run

    first = PartialScores(str(job), str(job / "best.keras"))
    assert first.score("row 1", str(folder), compute(30.0)) == (
        {"psnr": 30.0, "images": {"a": 30.0}}, False)
    assert os.path.exists(job / NAME)            # kept at once, before the ship ends
    # a ship run again: the row comes from the file, the bar is told, nothing is scored
    bar = Bar()
    again = PartialScores(str(job), str(job / "best.keras"))
    row, kept = again.score("row 1", str(folder), compute(99.0), bar)
    assert (row, kept, calls, bar.skipped) == ({"psnr": 30.0, "images": {"a": 30.0}}, True,
                                               [30.0], [str(folder)])
    row.pop("images")                            # the caller's copy: the kept row stays whole
    assert again.score("row 1", str(folder), compute(99.0))[0]["images"] == {"a": 30.0}
    assert again.score("row 2", str(folder), compute(31.0)) == (
        {"psnr": 31.0, "images": {"a": 31.0}}, False)
    (folder / "a.png").write_bytes(b"another image")      # the images changed: scored again
    assert again.score("row 1", str(folder), compute(32.0))[1] is False
    (job / "best.keras").write_bytes(b"trained on")       # another model: nothing kept
    assert PartialScores(str(job), str(job / "best.keras")).rows == {}
    assert json.load(open(job / NAME))["rows"].keys() == {"row 1", "row 2"}
    again.remove()
    assert not os.path.exists(job / NAME)
    # no job: computed every time, nothing written
    assert PartialScores(None, None).score("row 1", str(folder), compute(33.0)) == (
        {"psnr": 33.0, "images": {"a": 33.0}}, False)
    assert calls == [30.0, 31.0, 32.0, 33.0]
