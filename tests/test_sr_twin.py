"""benchmarks/experiments/sr_twin.py: upscalers side by side by the SR cards' protocol
(nsr_tf.evaluation.sr_scores)."""

import json
import os
import shutil

import pytest
from PIL import Image

from nsr_tf import pretrained

from tests.scripts import load_script

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _script():
    return load_script("benchmarks/experiments/sr_twin.py")


def _crops(folder, names=("baby_GT.png", "bird_GT.png"), size=96):
    folder.mkdir()
    for name in names:
        Image.open(os.path.join(REPO, "testsets", "Set5", name)).crop(
            (0, 0, size, size)).save(folder / name)
    return str(folder)


def test_sr_scores_puts_the_upscaler_above_bicubic_and_keeps_the_rows_of_a_ship(tmp_path,
                                                                              capsys):
    from nsr_tf.evaluation import sr_scores
    from nsr_tf.partial_scores import KEPT, PartialScores
    job = tmp_path / "job"          # a ship's job: its rows are kept for its best.keras
    job.mkdir()
    shutil.copy(pretrained.path("sr-x2"), job / "best.keras")
    sets = {"crops": _crops(tmp_path / "crops")}
    scores = sr_scores("sr-x2", sets, baseline=True,
                       partial=PartialScores(str(job), str(job / "best.keras")))
    row = scores["crops"]
    assert row["psnr"] > row["bicubic_psnr"] + 1.0 and 0 < row["ssim"] <= 1
    # a bar over the images on stderr, the set's line on stdout
    out, err = capsys.readouterr()
    assert "scoring sr-x2: 100%" in err and "2/2" in err
    assert out == f"sr-x2 crops: {row['psnr']:.2f} dB\n"
    # the ship run again after a stop: the row kept, no model loaded (no such model here)
    again = sr_scores("not-a-model", sets, baseline=True,
                      partial=PartialScores(str(job), str(job / "best.keras")))
    assert again == scores
    assert capsys.readouterr().out == f"not-a-model crops: {row['psnr']:.2f} dB{KEPT}\n"


def test_the_side_by_side_table(tmp_path, monkeypatch):
    sets = {"Set5": _crops(tmp_path / "set5"), "Set14": _crops(tmp_path / "set14"),
            "BSD100": _crops(tmp_path / "b100", names=("head_GT.png",))}
    monkeypatch.setattr("nsr_tf.data.sources.sr_testsets", lambda root: dict(sets))
    # the shipped sr-x2, and a copy of it as a job's best model: equal rows
    copy = tmp_path / "job"
    copy.mkdir()
    stem = pretrained.path("sr-x2")[:-len(".keras")]
    shutil.copy(stem + ".keras", copy / "best.keras")
    shutil.copy(stem + ".json", copy / "best.json")
    kind = _crops(tmp_path / "kind", names=("butterfly_GT.png",))
    report = tmp_path / "twin.md"
    assert _script().main(["--model", "sr-x2", "--model", str(copy / "best.keras"),
                           "--kind", f"butterflies={kind}", "--markdown", str(report)]) == 0
    data = json.loads((tmp_path / "twin.json").read_text())["results"]
    shipped, job = data["sr-x2"], data[str(copy / "best.keras")]
    assert shipped["scores"] == job["scores"]
    assert list(shipped["scores"]) == ["Set5", "Set14", "BSD100", "butterflies"]
    record = json.load(open(stem + ".json"))
    # the record's MACs are per LR pixel at the 64 px patch; the table's per HR pixel at 48
    assert abs(shipped["macs_per_hr_pixel"] - record["macs_per_pixel"] / 4) \
        < 0.01 * shipped["macs_per_hr_pixel"]
    text = report.read_text()
    psnr = shipped["scores"]["Set5"]["psnr"]
    assert f"| `sr-x2` | compact | {record['step']:,} | {record['params']:,} |" in text
    assert f"**{psnr:.2f}**" in text and "# Upscalers side by side (x2)" in text


def test_a_report_stopped_part_way_goes_on_from_the_rows_it_kept(tmp_path, monkeypatch):
    # as the training queue runs it ("then" after a run): a session's end stops it; the
    # shipped sr-x2 and a copy of it as the two models
    from nsr_tf import evaluation
    sets = {"Set5": _crops(tmp_path / "set5", size=48), "Set14": _crops(tmp_path / "set14",
                                                                        size=48),
            "BSD100": _crops(tmp_path / "b100", names=("head_GT.png",), size=48)}
    monkeypatch.setattr("nsr_tf.data.sources.sr_testsets", lambda root: dict(sets))
    scored, evaluate = [], evaluation.evaluate_folder

    def stopping(folder, *args, **kwargs):     # Ctrl-C as the second model's 2nd set starts
        if len(scored) == 4:
            raise KeyboardInterrupt
        scored.append(folder)
        return evaluate(folder, *args, **kwargs)
    monkeypatch.setattr(evaluation, "evaluate_folder", stopping)
    copy = tmp_path / "copy.keras"
    stem = pretrained.path("sr-x2")[:-len(".keras")]
    shutil.copy(stem + ".keras", copy)
    shutil.copy(stem + ".json", tmp_path / "copy.json")
    argv = ["--model", "sr-x2", "--model", str(copy), "--markdown", str(tmp_path / "twin.md")]
    with pytest.raises(KeyboardInterrupt):
        _script().main(argv)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["b100", "copy.json", "copy.keras", "set14", "set5", "twin.partial-0.json",
         "twin.partial-1.json"])
    scored.clear()
    assert _script().main(argv) == 0
    assert scored == [sets["Set14"], sets["BSD100"]]       # only what was not kept
    data = json.loads((tmp_path / "twin.json").read_text())["results"]
    assert data["sr-x2"]["scores"] == data[str(copy)]["scores"]
    assert not any(name.startswith("twin.partial") for name in os.listdir(tmp_path))
