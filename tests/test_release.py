"""The release tools (release/): a job whose card row would drop is refused before anything
in the package changes."""

import importlib.util
import json
import os
import shutil

from nsr_tf import pretrained

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def release_tool(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, "release",
                                                                     f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_level_tool_refuses_a_drop_and_leaves_the_package_alone(tmp_path, monkeypatch,
                                                                   capsys):
    tool = release_tool("ship_level_models")
    stem = pretrained.path("denoise-blind")[:-len(".keras")]
    before = {suffix: open(stem + suffix, "rb").read() for suffix in (".keras", ".json")}
    shipped = json.loads(before[".json"])
    job = tmp_path / "denoise-blind-varied"
    job.mkdir()
    shutil.copy(stem + ".keras", job / "best.keras")
    meta = dict(shipped, config=dict(shipped["config"], init_from="denoise-blind",
                                     job_dir=str(job)))
    (job / "best.json").write_text(json.dumps(meta))
    # the job's rows: the shipped ones, the told-too-low row 0.3 dB down, one row better
    rows = [dict(row) for row in shipped["scores"]]
    rows[3]["psnr"] -= 0.3
    rows[0]["psnr"] += 0.2
    monkeypatch.setattr(tool, "scores", lambda name, model, degradation_of: rows)
    assert tool.main(["denoise-blind", str(job)]) == 1
    err = capsys.readouterr().err
    low = shipped["scores"][3]
    assert err.count("\n") == 1 and "not shipped" in err
    assert f"sigma {low['sigma']} told {low['told']}: {low['psnr']:.2f} -> " \
           f"{low['psnr'] - 0.3:.2f} dB" in err
    assert json.load(open(job / "ship_scores.json"))["scores"] == rows
    assert {suffix: open(stem + suffix, "rb").read() for suffix in before} == before


def test_a_continued_run_the_tool_does_not_know_is_stopped_in_one_line(tmp_path):
    tool = release_tool("ship_level_models")
    config = {"init_from": "denoise-blind", "job_dir": str(tmp_path / "some-run")}
    try:
        tool.refinement("denoise-blind", config)
    except SystemExit as stop:
        assert "some-run" in str(stop) and "REFINEMENTS" in str(stop)
    else:
        raise AssertionError("an unlisted continuation was accepted")
    assert tool.refinement("denoise-blind", {"init_from": None}) is None
    command, history = tool.refinement("denoise-blind", dict(
        config, job_dir=str(tmp_path / "denoise-blind-varied")))
    assert "--init-from denoise-blind" in command and "8,316 steps" in history


def test_the_sr_tool_refuses_a_drop_and_leaves_the_package_alone(tmp_path, monkeypatch,
                                                                 capsys):
    tool = release_tool("ship_sr_models")
    stem = pretrained.path("sr-x2")[:-len(".keras")]
    before = {suffix: open(stem + suffix, "rb").read() for suffix in (".keras", ".json")}
    shipped = json.loads(before[".json"])
    for name in ("Set14", "BSD100"):
        (tmp_path / "data" / name).mkdir(parents=True)
    job = tmp_path / "sr-x2-deep"
    job.mkdir()
    shutil.copy(stem + ".keras", job / "best.keras")
    (job / "best.json").write_text(json.dumps(dict(shipped, config=dict(
        shipped["config"], num_blocks=32, job_dir=str(job)))))
    # Set5 up 0.2 dB, B100 down 0.1: refused on B100; a kind row not scored: named too
    scores = {name: dict(row) for name, row in shipped["scores"].items()}
    scores["Set5"]["psnr"] += 0.2
    scores["BSD100"]["psnr"] -= 0.1
    monkeypatch.setattr(tool, "score", lambda path, root, baseline=False, sets=None:
                        scores if sets is None else {})
    code = tool.main(["sr-x2", str(job), "--data-root", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "not shipped" in err
    b100 = shipped["scores"]["BSD100"]["psnr"]
    assert f"BSD100: {b100:.2f} -> {b100 - 0.1:.2f} dB" in err
    assert all(f"{kind}: not scored (pass its --kind)" in err for kind in shipped["kinds"])
    assert "Set5" not in err
    assert json.load(open(job / "ship_scores.json"))["scores"] == scores
    assert {suffix: open(stem + suffix, "rb").read() for suffix in before} == before
    # a job folder the tool does not know: one line, before any scoring
    other = tmp_path / "sr-x2-other"
    other.mkdir()
    try:
        tool.main(["sr-x2", str(other), "--data-root", str(tmp_path / "data")])
    except SystemExit as stop:
        assert "sr-x2-other" in str(stop) and "RUNS" in str(stop)
    else:
        raise AssertionError("an unknown job was scored")
