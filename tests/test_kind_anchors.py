"""benchmarks/experiments/kind_anchors.py: the classical anchor on the kind sets is scored
on the cards' noisy images (the protocol of nsr_tf.evaluation) and resumes per image."""

import os
import shutil
import sys
import types

import pytest

from tests.scripts import load_script

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSETS = os.path.join(REPO, "tests", "assets", "cbsd68")


def script():
    return load_script("benchmarks/experiments/kind_anchors.py")


def test_the_anchor_sees_the_cards_noisy_images_and_resumes(tmp_path, monkeypatch):
    from nsr_tf.benchmarking import result_row
    from nsr_tf.data import Degradation
    from nsr_tf.evaluation import evaluate_folder, summarise
    folder = tmp_path / "kind"
    folder.mkdir()
    for name in sorted(os.listdir(ASSETS))[:2]:
        shutil.copy(os.path.join(ASSETS, name), folder / name)
    calls = []
    # a "denoiser" that returns its input: its PSNR is the noisy input's, as the cards'
    # input rows compute it
    fake = types.SimpleNamespace(
        bm3d_rgb=lambda noisy, sigma: calls.append(sigma) or noisy,
        bm3d=lambda noisy, sigma: calls.append(sigma) or noisy)
    monkeypatch.setitem(sys.modules, "bm3d", fake)
    tool = script()
    monkeypatch.setattr(tool, "OUT", str(tmp_path / "anchors.json"))
    assert tool.main(["--kind", f"photos={folder}", "--markdown",
                      str(tmp_path / "anchors.md")]) == 0
    assert calls == [25 / 255] * 4
    for channels in (3, 1):
        expected = summarise(evaluate_folder(str(folder), Degradation("denoise", 25), None,
                                             ["input"], channels=channels))[0]["psnr"]
        row = result_row(str(tmp_path / "anchors.json"), tool.METHODS[channels], "photos", 25)
        assert row["psnr"] == pytest.approx(expected, abs=1e-6)
    assert "| CBM3D | photos | 2 |" in (tmp_path / "anchors.md").read_text()
    # a rerun finds every image done and calls nothing
    assert tool.main(["--kind", f"photos={folder}", "--markdown",
                      str(tmp_path / "anchors.md")]) == 0
    assert len(calls) == 4
