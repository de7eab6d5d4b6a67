"""The release tools (release/): a job whose card row would drop is refused before anything
in the package changes."""

import json
import os
import shutil

import pytest

from nsr_tf import pretrained
from nsr_tf.partial_scores import KEPT

from tests.processes import process_state, sleeper
from tests.scripts import load_script

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def release_tool(name):
    return load_script(f"release/{name}.py")


def package_files(name):
    """{suffix: bytes} of the shipped model ``name``'s .keras and .json."""
    stem = pretrained.path(name)[:-len(".keras")]
    return {suffix: open(stem + suffix, "rb").read() for suffix in (".keras", ".json")}


def job_of_the_shipped_model(name, job, **config):
    """A job folder ``job`` holding the shipped ``name`` as its best model, its config
    updated by ``config`` (and its job_dir); returns the shipped record."""
    package = package_files(name)
    job.mkdir()
    (job / "best.keras").write_bytes(package[".keras"])
    shipped = json.loads(package[".json"])
    (job / "best.json").write_text(json.dumps(dict(shipped, config=dict(
        shipped["config"], job_dir=str(job), **config))))
    return shipped


def package_copy(tmp_path, monkeypatch, *names):
    """The shipped ``names`` copied to tmp_path/package, which stands for the package from
    here on: a tool that ships where the test expects it not to leaves the repository's
    files as they are."""
    package = tmp_path / "package"
    package.mkdir()
    for name in names:
        for suffix, data in package_files(name).items():
            (package / (pretrained.MODELS[name] + suffix)).write_bytes(data)
    monkeypatch.setattr(pretrained, "HERE", str(package))


CORNER = (0, 0, 64, 64)


def jpeg_color_job(tmp_path, folders):
    """A `jpeg-color` job (tmp_path/jpeg-color-wallpapers) holding the shipped model, and
    ``folders`` ({folder under tmp_path: box}) each holding that box of
    tests/assets/cbsd68/3096.png: a colour ship over a few pixels."""
    from PIL import Image
    job = tmp_path / "jpeg-color-wallpapers"
    job_of_the_shipped_model("jpeg-color", job)
    image = Image.open(os.path.join(REPO, "tests", "assets", "cbsd68", "3096.png"))
    for folder, box in folders.items():
        (tmp_path / folder).mkdir(parents=True)
        image.crop(box).save(tmp_path / folder / "3096.png")
    return job


def after_bar(err):
    """What a tool wrote to stderr after its scoring bar (which the stubbed scores left
    unfed): the bar's last redraw ends with its line."""
    return err.rsplit("\r", 1)[-1].split("\n", 1)[1]


def test_the_level_tool_refuses_a_drop_and_leaves_the_package_alone(tmp_path, monkeypatch,
                                                                   capsys):
    tool = release_tool("ship_level_models")
    before = package_files("denoise-blind")
    job = tmp_path / "denoise-blind-varied"
    shipped = job_of_the_shipped_model("denoise-blind", job, init_from="denoise-blind")
    # the job's rows: the shipped ones, the told-too-low row 0.3 dB down, one row better
    rows = [dict(row) for row in shipped["scores"]]
    rows[3]["psnr"] -= 0.3
    rows[0]["psnr"] += 0.2
    monkeypatch.setattr(tool, "scores", lambda name, model, degradation_of, bar,
                        partial: rows)
    assert tool.main(["denoise-blind", str(job)]) == 1
    err = capsys.readouterr().err
    low = shipped["scores"][3]
    err = after_bar(err)
    assert err.count("\n") == 1 and "not shipped" in err
    assert f"sigma {low['sigma']} told {low['told']}: {low['psnr']:.2f} -> " \
           f"{low['psnr'] - 0.3:.2f} dB" in err
    assert json.load(open(job / "ship_scores.json"))["scores"] == rows
    assert package_files("denoise-blind") == before
    # no drop, but twice the shipped model's MACs per pixel: refused on that alone
    monkeypatch.setattr(tool, "scores", lambda name, model, degradation_of, bar, partial:
                        [dict(row) for row in shipped["scores"]])
    monkeypatch.setattr(tool, "shipped_record", lambda stem: dict(
        shipped, macs_per_pixel=shipped["macs_per_pixel"] / 2))
    assert tool.main(["denoise-blind", str(job)]) == 1
    err = after_bar(capsys.readouterr().err)
    assert "it costs 2.00x the shipped model's MACs per pixel" in err
    assert "--accept-macs ships it anyway" in err and package_files("denoise-blind") == before


def test_the_level_tools_rows_go_on_from_a_stopped_ship(tmp_path, monkeypatch, capsys):
    from PIL import Image
    from nsr_tf import model_io
    from nsr_tf.evaluation import scoring_bar
    from nsr_tf.partial_scores import KEPT, PartialScores
    tool = release_tool("ship_level_models")
    (tmp_path / "Set12").mkdir()
    Image.open(os.path.join(REPO, "testsets", "Set12", "01.png")).crop((0, 0, 64, 64)).save(
        tmp_path / "Set12" / "01.png")
    monkeypatch.setattr(tool, "TESTSETS", str(tmp_path))
    monkeypatch.setattr(tool, "TESTSET", {"denoise-blind": "Set12"})
    model, info = model_io.load("denoise-blind")
    job = tmp_path / "job"
    job.mkdir()
    (job / "best.keras").write_bytes(b"the job's model")

    def degradation_of(level):
        return model_io.degradation_of(info, sigma=level)

    def rows(model):
        folders = [str(tmp_path / "Set12")] * len(tool.SETTINGS["denoise-blind"])
        with scoring_bar(folders, "scoring") as bar:
            return tool.scores("denoise-blind", model, degradation_of, bar,
                               PartialScores(str(job), str(job / "best.keras")))

    first = rows(model)
    assert len(first) == len(tool.SETTINGS["denoise-blind"]) and first[0]["psnr"] > 25
    capsys.readouterr()
    # run again after a stop: every row kept, none scored (no model to score with)
    assert rows(None) == first
    assert capsys.readouterr().out.count(KEPT) == len(first)


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
    before = package_files("sr-x2")
    for name in ("Set14", "BSD100"):
        (tmp_path / "data" / name).mkdir(parents=True)
    job = tmp_path / "sr-x2-deep"
    shipped = job_of_the_shipped_model("sr-x2", job, num_blocks=32)
    # Set5 up 0.2 dB, B100 down 0.1: refused on B100; a kind row not scored: named too
    scores = {name: dict(row) for name, row in shipped["scores"].items()}
    scores["Set5"]["psnr"] += 0.2
    scores["BSD100"]["psnr"] -= 0.1
    kept = []      # each scoring keeps its rows for the job's best.keras
    monkeypatch.setattr(tool, "score", lambda path, root, baseline=False, sets=None,
                        partial=None: kept.append(partial.path) or
                        (scores if sets is None else {}))
    code = tool.main(["sr-x2", str(job), "--data-root", str(tmp_path / "data")])
    assert kept == [str(job / "ship_scores.partial.json")]
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "not shipped" in err
    b100 = shipped["scores"]["BSD100"]["psnr"]
    assert f"BSD100: {b100:.2f} -> {b100 - 0.1:.2f} dB" in err
    assert all(f"{kind}: not scored (pass its --kind)" in err for kind in shipped["kinds"])
    assert "Set5" not in err
    assert json.load(open(job / "ship_scores.json"))["scores"] == scores
    assert package_files("sr-x2") == before
    # no drop, but twice the shipped model's MACs per pixel: refused on that alone
    monkeypatch.setattr(tool, "score", lambda path, root, baseline=False, sets=None,
                        partial=None: shipped["scores"] if sets is None else shipped["kinds"])
    monkeypatch.setattr(tool, "shipped_record", lambda stem: dict(
        shipped, macs_per_pixel=shipped["macs_per_pixel"] / 2))
    kinds = [f"{kind}={tmp_path / 'data' / 'Set14'}" for kind in shipped["kinds"]]
    (tmp_path / "data" / "Set14" / "a.png").write_bytes(b"")    # scores are stubbed
    assert tool.main(["sr-x2", str(job), "--data-root", str(tmp_path / "data"),
                      *[arg for kind in kinds for arg in ("--kind", kind)]]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it costs 2.00x the shipped model's MACs per pixel" in err
    assert "--accept-macs ships it anyway" in err and package_files("sr-x2") == before
    # --score-only: the same verdict said, status 0, the package untouched
    package_copy(tmp_path, monkeypatch, "sr-x2")
    before = package_files("sr-x2")
    flags = ["sr-x2", str(job), "--data-root", str(tmp_path / "data"), "--score-only",
             *[arg for kind in kinds for arg in ("--kind", kind)]]
    assert tool.main(flags) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it would not ship: it costs 2.00x" in err
    assert tool.main(flags + ["--accept-macs"]) == 0 and package_files("sr-x2") == before
    assert "it would ship;" in capsys.readouterr().err
    # a job folder the tool does not know: one line, before any scoring
    other = tmp_path / "sr-x2-other"
    other.mkdir()
    try:
        tool.main(["sr-x2", str(other), "--data-root", str(tmp_path / "data")])
    except SystemExit as stop:
        assert "sr-x2-other" in str(stop) and "RUNS" in str(stop)
    else:
        raise AssertionError("an unknown job was scored")


def test_the_level_tool_refuses_a_kind_row_below_the_shipped_model(tmp_path, monkeypatch,
                                                                   capsys):
    tool = release_tool("ship_level_models")
    before = package_files("denoise-blind")
    job = tmp_path / "denoise-blind-jitter"
    shipped = job_of_the_shipped_model("denoise-blind", job,
                                       init_from="~/jobs/denoise-blind-varied/best.keras")
    monkeypatch.setattr(tool, "scores", lambda name, model, degradation_of, bar, partial:
                        [dict(row) for row in shipped["scores"]])
    # held to the card's kind rows, or (a card without them) to the shipped model as scored
    # beside the job ("before_psnr")
    card = shipped.get("kinds") or {"graphics": {"psnr": 30.1}, "saturated": {"psnr": 28.2}}
    (first, within), (second, refused) = [(kind, row["psnr"]) for kind, row in card.items()]
    kinds = {first: {"psnr": within - 0.03, "ssim": 0.9, "input_psnr": 20.2,
                     "before_psnr": within, "anchor_psnr": 31.5},
             second: {"psnr": refused - 0.2, "ssim": 0.8, "input_psnr": 20.3,
                      "before_psnr": refused, "anchor_psnr": 27.9}}
    monkeypatch.setattr(tool, "score_kinds", lambda name, model, degradation_of, folders,
                        bar, partial: {kind: kinds[kind] for kind in folders})
    for index in range(2):
        (tmp_path / f"kind{index}").mkdir()
        (tmp_path / f"kind{index}" / "a.png").write_bytes(b"")   # scores are stubbed
    code = tool.main(["denoise-blind", str(job), "--kind", f"{first}={tmp_path}/kind0",
                      "--kind", f"{second}={tmp_path}/kind1"])
    err = capsys.readouterr().err
    err = after_bar(err)
    # the first 0.03 under: within the rule; the second 0.2 under: refused
    assert code == 1 and err.count("\n") == 1
    assert f"{second}: {refused:.2f} -> {refused - 0.2:.2f} dB" in err and first not in err
    assert package_files("denoise-blind") == before
    # the card's table: the anchor beside the shipped model and this one
    lines = tool.kind_lines("denoise-blind", kinds)
    assert "| BM3D |" in lines[3] and f"| {second} | 20.30 | 27.90 | {refused:.2f} | " \
        f"**{refused - 0.2:.2f}** /" in lines[-1]
    assert tool.kind_lines("denoise-blind", None) == []


def test_the_colour_tool_scores_a_job_under_one_bar_holding_a_run_and_refuses_a_drop(
        tmp_path, monkeypatch, capsys):
    tool = release_tool("ship_color_models")
    before = package_files("jpeg-color")
    job = jpeg_color_job(tmp_path, {"data/CBSD68": CORNER, "kind": CORNER})
    drop = "CBSD68 quality 10 told 10: 27.19 -> 27.00 dB"
    monkeypatch.setattr(tool, "losses", lambda name, stem, meta: [drop])
    states, score = [], tool.score

    def held_score(*args, **kwargs):   # the held run's state as each row is scored
        states.append(process_state(run.pid))
        return score(*args, **kwargs)

    monkeypatch.setattr(tool, "score", held_score)
    with sleeper() as run:
        code = tool.main(["jpeg-color", str(job), "--data-root", str(tmp_path / "data"),
                          "--kind", f"photos={tmp_path / 'kind'}", "--pause", str(run.pid)])
        after = process_state(run.pid)
    out, err = capsys.readouterr()
    # --pause: the run stopped while every row scored, going on after the refusal
    assert states == ["T"] * 7 and after != "T"
    # one bar over every image scored: 6 rows of one crop, the kind by both models
    assert code == 1 and "scoring jpeg-color: 100%" in err and "8/8" in err
    assert drop in err and "not shipped" in err
    assert out.count("\n") == 7 and "CBSD68 quality 20 told 10: " in out
    saved = json.load(open(job / "ship_scores.json"))
    assert len(saved["scores"]) == 6 and saved["kinds"]["photos"]["gray_psnr"] > 20
    assert package_files("jpeg-color") == before


def test_the_colour_tool_takes_the_gray_models_kind_score_from_a_record_of_the_same_images(
        tmp_path, monkeypatch, capsys):
    from nsr_tf import model_io
    from nsr_tf.kinds import fingerprint
    tool = release_tool("ship_color_models")
    job = jpeg_color_job(tmp_path, {"data/CBSD68": CORNER, "same": CORNER,
                                    "changed": (64, 0, 128, 64)})
    gray = pretrained.path("jpeg")
    # the shipped record: a gray score of these very images ("same") and of a crop that has
    # since changed ("changed": recorded of the "same" images); 99 is no real score
    record = {"gray_psnr": 99.0, "gray_psnr_y": 98.0,
              "gray_fingerprint": fingerprint(gray, tmp_path / "same", 10)}
    monkeypatch.setattr(tool, "shipped_record",
                        lambda stem: {"kinds": {"same": record, "changed": record}})
    monkeypatch.setattr(tool, "losses", lambda name, stem, meta: ["a drop"])  # ships nothing
    loaded, load = [], model_io.load
    monkeypatch.setattr(model_io, "load", lambda path, *a, **k: (loaded.append(str(path)),
                                                                 load(path, *a, **k))[1])
    code = tool.main(["jpeg-color", str(job), "--data-root", str(tmp_path / "data"),
                      "--kind", f"same={tmp_path / 'same'}",
                      "--kind", f"changed={tmp_path / 'changed'}"])
    out, err = capsys.readouterr()
    kinds = json.load(open(job / "ship_scores.json"))["kinds"]
    assert code == 1
    assert kinds["same"]["gray_psnr"] == 99.0 and kinds["same"]["gray_psnr_y"] == 98.0
    assert "per channel 99.00 (recorded: the same file, images and level)" in out
    # the changed crop is scored: the gray model loaded once, for it
    assert 20 < kinds["changed"]["gray_psnr"] < 50 and loaded.count(gray) == 1
    assert kinds["changed"]["gray_fingerprint"] == fingerprint(gray, tmp_path / "changed", 10)
    assert "9/9" in err       # the pass taken from the record is out of the bar's total


def test_a_stopped_colour_ship_goes_on_from_the_rows_it_kept(tmp_path, monkeypatch, capsys):
    tool = release_tool("ship_color_models")
    job = jpeg_color_job(tmp_path, {"data/CBSD68": CORNER, "kind": CORNER})
    monkeypatch.setattr(tool, "losses", lambda name, stem, meta: ["a drop"])  # ships nothing
    argv = ["jpeg-color", str(job), "--data-root", str(tmp_path / "data"),
            "--kind", f"photos={tmp_path / 'kind'}"]
    scored, score = [], tool.score

    def stopping_score(*args, **kwargs):      # Ctrl-C as the fourth row starts
        if len(scored) == 3:
            raise KeyboardInterrupt
        scored.append(args[4:6])
        return score(*args, **kwargs)

    monkeypatch.setattr(tool, "score", stopping_score)
    with pytest.raises(KeyboardInterrupt):
        tool.main(argv)
    assert len(json.load(open(job / "ship_scores.partial.json"))["rows"]) == 3
    scored.clear()
    monkeypatch.setattr(tool, "score", lambda *args, **kwargs: (scored.append(args[4:6]),
                                                               score(*args, **kwargs))[1])
    capsys.readouterr()
    assert tool.main(argv) == 1
    out, err = capsys.readouterr()
    # the three kept rows are not scored again: q40, the two wrong-quality rows and the kind
    # are; the bar counts only what it scores (3 rows, the kind by both models)
    assert scored == [(40, 40), (10, 20), (20, 10), (10, 10)] and "5/5" in err
    assert out.count(KEPT.strip()) == 3
    rows = json.load(open(job / "ship_scores.json"))["scores"]
    assert [(row["quality"], row["told"]) for row in rows] == [
        (10, 10), (20, 20), (30, 30), (40, 40), (10, 20), (20, 10)]
    # refused, the rows stay kept: run again without the drop, nothing is scored, and a
    # model costing twice the shipped one's MACs per pixel is refused on that alone
    macs = json.load(open(job / "best.json"))["macs_per_pixel"]
    monkeypatch.setattr(tool, "losses", lambda name, stem, meta: [])
    monkeypatch.setattr(tool, "shipped_record", lambda stem: {"macs_per_pixel": macs / 2})
    scored.clear()
    assert tool.main(argv) == 1
    err = after_bar(capsys.readouterr().err)
    assert scored == [] and err.count("\n") == 1
    assert f"it costs 2.00x the shipped model's MACs per pixel ({macs / 1e6:.3f} M against " \
           f"{macs / 2e6:.3f} M)" in err and "--accept-macs ships it anyway" in err
    # what the queue runs as a run ends: --score-only says the verdict, ships nothing
    package_copy(tmp_path, monkeypatch, "jpeg-color", "jpeg")   # (jpeg: the kind's "before")
    before = package_files("jpeg-color")
    assert tool.main(argv + ["--score-only", "--accept-macs"]) == 0
    err = after_bar(capsys.readouterr().err)
    assert scored == [] and "it would ship;" in err and package_files("jpeg-color") == before
    assert (job / "ship_scores.partial.json").exists()


def test_the_colour_card_holds_the_denoiser_to_cbm3d_on_every_kind(tmp_path):
    tool = release_tool("ship_color_models")
    scores = [{"set": s, "sigma": level, "told": level, "psnr": 35.0}
              for s in ("CBSD68", "Kodak24") for level in (15, 25, 50)]
    kinds = {"graphics": {"psnr": 35.5, "anchor_psnr": 37.6},
             "saturated": {"psnr": 31.2, "anchor_psnr": 30.9}}
    lines = tool.verdicts("denoise-color", {"scores": scores, "kinds": kinds}, {})
    line = next(line for line in lines if "another kind" in line)
    assert "missed (graphics -2.10, saturated +0.30 dB" in line
    kinds["graphics"]["psnr"] = 37.7
    lines = tool.verdicts("denoise-color", {"scores": scores, "kinds": kinds}, {})
    assert "another kind (measured here): met" in "".join(lines)


def test_the_sigma25_tool_refines_only_without_a_drop(tmp_path, monkeypatch, capsys):
    tool = release_tool("ship_models")
    before = package_files("denoise-sigma25")
    job = tmp_path / "denoise-sigma25-varied"
    shipped = job_of_the_shipped_model("denoise-sigma25", job, init_from="denoise-sigma25")
    worse = dict(shipped, set12=dict(shipped["set12"], psnr=shipped["set12"]["psnr"] - 0.06))
    scored = []
    monkeypatch.setattr(tool, "set12_scores", lambda model, set12, progress=None:
                        scored.append(set12) or dict(worse["set12"]))
    assert tool.main(["--refine", str(job)]) == 1
    err = capsys.readouterr().err
    err = after_bar(err)
    old = shipped["set12"]["psnr"]
    assert err.count("\n") == 1 and f"Set12: {old:.2f} -> {old - 0.06:.2f} dB" in err
    assert package_files("denoise-sigma25") == before and len(scored) == 1
    # --score-only (as the training queue runs it): status 0, the verdict, nothing shipped
    # and Set12 not scored again: its row is kept for this best.keras
    package_copy(tmp_path, monkeypatch, "denoise-sigma25", "denoise-sigma25-baseline")
    assert tool.main(["--refine", str(job), "--score-only", "--accept-drops"]) == 0
    out, err = capsys.readouterr()
    assert f"Set12: {old - 0.06:.2f} dB{KEPT}" in out
    assert "scored, not shipped (--score-only" in after_bar(err) and "it would ship;" in err
    assert package_files("denoise-sigma25") == before and len(scored) == 1
    assert (job / "ship_scores.partial.json").exists()
    with pytest.raises(SystemExit):      # nothing to score without --refine
        tool.main(["--sparse", "a", "--baseline", "b", "--score-only"])
    # the card of a refined Sparse+: its steps on top of the shipped ones, the run, kinds
    refined = dict(shipped, step=7152, epoch=8, set12=dict(shipped["set12"], psnr=30.40),
                   refined={"command": "python training/train.py --job-dir x",
                            "data": "more photographs", "from_steps": 8613},
                   kinds={"graphics": {"psnr": 33.1, "ssim": 0.95, "input_psnr": 20.4,
                                       "before_psnr": 32.9, "anchor_psnr": 34.0}})
    baseline = json.loads(package_files("denoise-sigma25-baseline")[".json"])
    timing = {f"{q} {t}t": 1.0 for q in ("float32", "dynamic") for t in (1, 2)}
    monkeypatch.setattr(pretrained, "HERE", str(tmp_path))
    tool.write_card([("denoise-sigma25", refined, 1, 1e6, timing),
                     ("denoise-sigma25-baseline", baseline, 1, 1e6, timing)],
                    tool.EQUAL_STEPS)
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "| 8 (8613 + 7152) | 30.40 dB" in card and "DnCNN-S -0.06" in card
    assert "then, from the shipped weights: `python training/train.py --job-dir x`" in card
    assert "on more photographs" in card
    assert "| graphics | 20.40 | 34.00 | 32.90 | **33.10**" in card
    assert "| 6 (1782) | 29.64 dB / 0.8420 |" in card      # the equal-steps row kept


def test_the_colour_card_of_a_jittered_run_with_its_cbm3d_column(tmp_path, monkeypatch):
    tool = release_tool("ship_color_models")
    shipped = json.loads(package_files("denoise-color")[".json"])
    meta = dict(shipped, config=dict(shipped["config"], map_jitter=0.2,
                                     job_dir="~/jobs/denoise-color-jitter",
                                     init_from="~/jobs/denoise-color-varied-3/best.keras"),
                kinds={"graphics": {"psnr": 35.2, "ssim": 0.97, "input_psnr": 21.5,
                                    "gray_psnr": 33.7, "anchor_psnr": 35.03}})
    monkeypatch.setattr(pretrained, "HERE", str(tmp_path))
    tool.write_card("denoise-color", meta)
    card = (tmp_path / "MODEL_CARD_denoise_color_sparse_plus.md").read_text()
    assert "| set | input | before: `denoise-blind` per channel | CBM3D | " in card
    assert "| graphics | 21.50 | 33.70 | 35.03 | **35.20** (0.9700) | +1.50 |" in card
    assert "another kind (measured here): met (graphics +0.17 dB" in card
    assert "(`--map-jitter`)" in card and "entry 18" in card


def test_the_level_tool_adds_kind_rows_to_a_shipped_card_without_a_job(tmp_path, monkeypatch,
                                                                      capsys):
    from PIL import Image
    tool = release_tool("ship_level_models")
    for suffix in (".keras", ".json"):
        shutil.copy(pretrained.path("jpeg")[:-len(".keras")] + suffix,
                    tmp_path / (pretrained.MODELS["jpeg"] + suffix))
    monkeypatch.setattr(pretrained, "HERE", str(tmp_path))
    kind = tmp_path / "kind"
    kind.mkdir()
    for name in ("test_001.png", "test_002.png"):     # small crops keep it quick
        image = Image.open(os.path.join(REPO, "tests", "assets", "train400", name))
        image.crop((0, 0, 96, 96)).save(kind / name)
    record_file = tmp_path / (pretrained.MODELS["jpeg"] + ".json")
    shipped = json.loads(record_file.read_text())
    shipped.pop("kinds", None)      # a card from before kind rows
    shipped.pop("latency_ms", None)
    record_file.write_text(json.dumps(shipped))
    assert tool.main(["jpeg", "--kind", f"photos={kind}", "--no-latency"]) == 0
    err = capsys.readouterr().err    # a bar over the 2 crops, scored once (no "before")
    assert "scoring jpeg: 100%" in err and "2/2" in err
    record = json.loads((tmp_path / (pretrained.MODELS["jpeg"] + ".json")).read_text())
    row = record["kinds"]["photos"]
    # the model restores the q10 JPEGs; the shipped model is this one: no "before" column
    assert row["psnr"] > row["input_psnr"] + 0.5 and "before_psnr" not in row
    assert record["scores"] == shipped["scores"]
    card = (tmp_path / f"MODEL_CARD_{pretrained.MODELS['jpeg']}.md").read_text()
    assert f"| photos | {row['input_psnr']:.2f} | **{row['psnr']:.2f}** / " in card
    assert "before: the model shipped before" not in card
    # kind rows are not overwritten without a job to ship
    assert tool.main(["jpeg", "--kind", f"photos={kind}", "--no-latency"]) == 1
    assert "already has kind rows (photos)" in capsys.readouterr().err


def test_the_colour_tool_adds_kind_rows_to_a_shipped_card_without_a_job(tmp_path,
                                                                       monkeypatch, capsys):
    from PIL import Image
    tool = release_tool("ship_color_models")
    stem = pretrained.MODELS["denoise-color"]
    for name in ("denoise-color", "denoise-blind"):     # the gray model: the "before" column
        for suffix in (".keras", ".json"):
            shutil.copy(pretrained.path(name)[:-len(".keras")] + suffix,
                        tmp_path / (pretrained.MODELS[name] + suffix))
    monkeypatch.setattr(pretrained, "HERE", str(tmp_path))
    kind = tmp_path / "kind"
    kind.mkdir()
    for name in ("3096.png", "167062.png"):
        image = Image.open(os.path.join(REPO, "tests", "assets", "cbsd68", name))
        image.crop((0, 0, 96, 96)).save(kind / name)
    shipped = json.loads((tmp_path / (stem + ".json")).read_text())
    if shipped.get("kinds"):        # a re-shipped model carries them already
        shipped.pop("kinds")
        (tmp_path / (stem + ".json")).write_text(json.dumps(shipped))
    data_root = tmp_path / "data"   # the colour sets need only exist: no row is rescored
    for testset in ("CBSD68", "Kodak24"):
        (data_root / testset).mkdir(parents=True)
    assert tool.main(["denoise-color", "--kind", f"photos={kind}",
                      "--data-root", str(data_root)]) == 0
    # a bar over the images scored: the 2 crops by the model, then by the gray model
    out, err = capsys.readouterr()
    assert "scoring denoise-color: 100%" in err and "4/4" in err
    assert out.startswith("photos sigma 25: ")
    record = json.loads((tmp_path / (stem + ".json")).read_text())
    row = record["kinds"]["photos"]
    # sigma 25 on the crops: the model above its noisy input and near the gray model's
    # per-channel result (what colour photos got before it)
    assert row["psnr"] > row["input_psnr"] + 5 and abs(row["psnr"] - row["gray_psnr"]) < 3
    assert record["scores"] == shipped["scores"]
    card = (tmp_path / f"MODEL_CARD_{stem}.md").read_text()
    assert f"| photos | {row['input_psnr']:.2f} | {row['gray_psnr']:.2f} |" in card


def test_the_sr_card_names_depth_width_and_the_share_of_vdsrs_macs(tmp_path, monkeypatch):
    tool = release_tool("ship_sr_models")
    meta = json.loads(package_files("sr-x2")[".json"])
    meta["config"] = dict(meta["config"], num_blocks=32,
                          model_overrides={"width_multiplier": 2.0})
    meta["macs_per_pixel"] = 4 * meta["macs_per_pixel"]      # twice deeper, twice wider
    monkeypatch.setattr(pretrained, "HERE", str(tmp_path))
    tool.write_card("sr-x2", meta)
    card = (tmp_path / f"MODEL_CARD_{pretrained.MODELS['sr-x2']}.md").read_text()
    assert "with 32 residual blocks" in card
    assert "and 64 channels inside each block (`--width-multiplier 2`)" in card
    assert "1.00 of EDSR(S)'s per LR pixel" in card
    share = meta["macs_per_pixel"] / 4 / tool.VDSR_MACS
    assert f"({share:.2f} of VDSR's" in card


def test_an_upscaler_ships_in_float16_and_its_card_says_so(tmp_path, monkeypatch):
    """The tool scores and copies the half copy (nsr_tf.model_io.half_copy); the card says
    how the file stores its weights, read from the file."""
    from nsr_tf import model_io
    tool = release_tool("ship_sr_models")
    for name in ("Set5", "Set14", "BSD100"):
        (tmp_path / "data" / name).mkdir(parents=True)
    job = tmp_path / "sr-x2-deep"
    shipped = job_of_the_shipped_model("sr-x2", job, num_blocks=32)
    # the job's model as training writes it, in float32 (the shipped file is float16 now)
    model, _ = model_io.load(str(job / "best.keras"))
    model.save(str(job / "best.keras"))
    assert model_io.stored_precision(str(job / "best.keras")) == "float32"
    scored = []
    monkeypatch.setattr(tool, "score", lambda path, root, baseline=False, sets=None,
                        partial=None: scored.append(path) or (shipped["scores"] if sets is None
                                                else shipped["kinds"]))
    package = tmp_path / "package"
    package.mkdir()
    monkeypatch.setattr(pretrained, "HERE", str(package))
    (tmp_path / "data" / "Set5" / "a.png").write_bytes(b"")    # scores are stubbed
    kinds = [f"{kind}={tmp_path / 'data' / 'Set5'}" for kind in shipped["kinds"]]
    assert tool.main(["sr-x2", str(job), "--data-root", str(tmp_path / "data")]
                     + sum((["--kind", kind] for kind in kinds), [])) == 0
    assert scored and all(path == str(job / "best_half.keras") for path in scored)
    stem = package / pretrained.MODELS["sr-x2"]
    assert model_io.stored_precision(f"{stem}.keras") == "float16"
    assert os.path.getsize(f"{stem}.keras") < 0.55 * os.path.getsize(job / "best.keras")
    card = (package / f"MODEL_CARD_{pretrained.MODELS['sr-x2']}.md").read_text()
    assert "Its weights are stored in float16" in card
    # a float32 file (every model shipped before this): the card says nothing of it
    shutil.copy(job / "best.keras", f"{stem}.keras")
    tool.write_card("sr-x2", shipped)
    card = (package / f"MODEL_CARD_{pretrained.MODELS['sr-x2']}.md").read_text()
    assert "float16" not in card.split("Files:")[1]


def test_the_colour_cards_state_issue_34s_targets():
    tool = release_tool("ship_color_models")
    # the JPEG model: +0.5 over the gray model per channel at q10, as much off photos
    shipped = json.loads(package_files("jpeg-color")[".json"])
    base = tool._baselines()
    lines = "".join(tool.verdicts("jpeg-color", shipped, base))
    q10 = next(r["psnr"] for r in shipped["scores"] if (r["set"], r["quality"], r["told"])
               == ("CBSD68", 10, 10)) - base[tool.row_key("jpeg", "jpeg", "CBSD68", 10)]["psnr"]
    assert f"by >= 0.5 dB at quality 10 on CBSD68 (issue 34): " \
        f"{'met' if q10 >= 0.5 else 'missed'} ({q10:+.2f} dB); the gain at least as large " \
        f"on every set of another kind: " in lines
    kinds = dict(shipped["kinds"])
    first = next(iter(kinds))
    row = dict(kinds[first])
    kinds[first] = dict(row, psnr=row["gray_psnr"] + 0.1)     # a kind gaining little
    lines = "".join(tool.verdicts("jpeg-color", dict(shipped, kinds=kinds), base))
    assert f"another kind: missed ({first} +0.10" in lines
    # the denoiser: at or above FFDNet at every sigma on both sets
    scores = [{"set": s, "sigma": level, "told": level, "psnr": 40.0}
              for s in ("CBSD68", "Kodak24") for level in (15, 25, 50)]
    lines = "".join(tool.verdicts("denoise-color", {"scores": scores}, {}))
    assert "FFDNet at every sigma on CBSD68 and Kodak24 (issue 34): met (CBSD68 15: " \
        "+6.13" in lines
    scores[1]["psnr"] = 31.0                                  # CBSD68 sigma 25 under 31.21
    lines = "".join(tool.verdicts("denoise-color", {"scores": scores}, {}))
    assert "(issue 34): missed (" in lines and "CBSD68 25: -0.21" in lines
