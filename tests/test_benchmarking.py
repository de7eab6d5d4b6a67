"""The benchmark harness's timer: round-robin order and medians, on a fake clock; the
comparison of a card's rows that keeps a release from losing on any of them."""

import argparse
import json
import time

import pytest

from nsr_tf.benchmarking import (add_release_flags, costlier, drops, header, interleaved,
                                 listed, losses, missing, release_gate)

from tests.processes import process_state, sleeper


def test_the_timer_takes_every_call_in_turn_and_reports_medians():
    now, order = [0.0], []
    costs = {"a": [1.0, 9.0, 2.0], "b": [4.0, 4.0, 40.0]}   # a noisy round each
    rounds = {"a": iter(costs["a"]), "b": iter(costs["b"])}

    def call(name):
        def run():
            order.append(name)
            if len(order) > 2:              # after the warm-up calls
                now[0] += next(rounds[name])
        return run

    medians = interleaved({"a": call("a"), "b": call("b")}, rounds=3, warmup=1,
                          clock=lambda: now[0])
    assert order == ["a", "b"] + ["a", "b"] * 3       # warm-up, then round-robin
    assert medians == {"a": 2.0, "b": 4.0}             # the noise of one round is out


def test_every_report_names_the_machine_and_the_commit():
    line = header({"cpu": "AMD EPYC", "simd": "avx2, avx512f", "cores": 2,
                   "versions": {"tensorflow-cpu": "2.21.0"}, "commit": "abc123"})
    assert line == ("Machine: AMD EPYC (avx2, avx512f), 2 cores; tensorflow-cpu 2.21.0; "
                    "commit abc123.")


def test_a_release_is_compared_row_by_row_and_only_a_fall_past_the_tolerance_counts():
    shipped = [{"set": "CBSD68", "sigma": 25, "told": 25, "psnr": 31.00},
               {"set": "CBSD68", "sigma": 25, "told": "auto", "psnr": 30.90},
               {"set": "Kodak24", "sigma": 25, "told": 15, "psnr": 29.00},
               {"set": "Kodak24", "sigma": 50, "told": 50, "psnr": 28.00}]
    new = [{"set": "CBSD68", "sigma": 25, "told": 25, "psnr": 30.96},      # -0.04: within
           {"set": "CBSD68", "sigma": 25, "told": "auto", "psnr": 30.80},  # -0.10: a drop
           {"set": "Kodak24", "sigma": 25, "told": 15, "psnr": 29.50},
           {"set": "Kodak24", "sigma": 15, "told": 15, "psnr": 1.0}]       # a new row
    fields = ("set", "sigma", "told")
    assert drops(shipped, new, fields) == [(shipped[1], 30.90, 30.80)]
    assert drops(shipped, new, fields, tolerance=0.2) == []
    assert missing(shipped, new, fields) == [shipped[3]]
    # the ship tools' one line per lost row
    assert losses(shipped, new, fields) == ["CBSD68 sigma 25 told auto: 30.90 -> 30.80 dB",
                                            "Kodak24 sigma 50 told 50: not scored"]
    gray = [{"sigma": 25, "told": 15, "psnr": 24.11}]
    assert losses(gray, [{"sigma": 25, "told": 15, "psnr": 24.0}], ("sigma", "told")) == \
        ["sigma 25 told 15: 24.11 -> 24.00 dB"]


def test_result_rows(tmp_path):
    import json
    from nsr_tf.benchmarking import result_row, row_key
    path = tmp_path / "rows.json"
    assert result_row(str(path), "BM3D", "graphics", 25) is None
    path.write_text(json.dumps({"rows": {row_key("BM3D", "graphics", 25): {"psnr": 31.0}}}))
    assert result_row(str(path), "BM3D", "graphics", 25) == {"psnr": 31.0}
    assert result_row(str(path), "CBM3D", "graphics", 25) is None


def test_a_paused_process_is_stopped_inside_and_goes_on_after_an_error():
    from nsr_tf.benchmarking import paused
    with sleeper() as child:
        time.sleep(0.2)
        assert process_state(child.pid) in "SR"
        with pytest.raises(RuntimeError):
            with paused([child.pid, 2 ** 22 + 7]) as held:   # the second is not there
                assert held == [child.pid]
                assert process_state(child.pid) == "T"
                raise RuntimeError("a timing that failed")
        assert process_state(child.pid) in "SR"


@pytest.mark.parametrize("kill", ["SIGKILL", "SIGTERM"])
def test_a_process_killed_while_it_holds_another_lets_it_go_on(kill):
    # no `finally` runs in a process killed so: the guard process lets the held one go on
    import signal
    import subprocess
    import sys
    with sleeper() as run:
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sys, time\nfrom nsr_tf.benchmarking import paused\n"
             "with paused([int(sys.argv[1])]):\n    print('held', flush=True)\n"
             "    time.sleep(60)\n", str(run.pid)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline() == "held\n"
            assert process_state(run.pid) == "T"
            holder.send_signal(getattr(signal, kill))
            holder.wait(10)
            deadline = time.monotonic() + 10
            while process_state(run.pid) == "T" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert process_state(run.pid) in "SR"
        finally:
            holder.kill()
            holder.wait()


def test_a_card_lists_the_non_empty_items_with_and_before_the_last():
    assert listed(["a", "", "b", "c"]) == "a, b and c"
    assert listed(["a", "b"]) == "a and b"
    assert listed(["", "a"]) == "a"
    assert listed([]) == ""


def test_the_cards_validation_words_follow_the_record():
    from nsr_tf.benchmarking import validation_phrase
    # a run from before 2026-12-05 (no held_out key): the rule it had
    assert validation_phrase({"config": {"data_dir": "a"}}) == \
        "the last 4 images in sorted path order held out for validation"
    held = {"rule": "the last of each --data-dir folder in turn",
            "images": ["photos/x.png", "graphics/y.png"]}
    assert validation_phrase({"config": {"data_dir": ["photos", "graphics"]},
                              "held_out": held}) == (
        "2 images held out for validation (the last of each --data-dir folder in turn: "
        "`photos/x.png`, `graphics/y.png`)")
    assert validation_phrase({"config": {"val_dir": "/data/val/"}}) == "validated on `val`"


def test_a_model_costlier_than_the_shipped_one_is_named_in_one_line():
    shipped = {"macs_per_pixel": 594_000}
    assert costlier(shipped, {"macs_per_pixel": 1_185_000}) == [
        "it costs 1.99x the shipped model's MACs per pixel (1.185 M against 0.594 M)"]
    assert costlier(shipped, {"macs_per_pixel": 620_000}) == []     # within 1.05x
    assert costlier(shipped, {"macs_per_pixel": 297_000}) == []     # cheaper
    assert costlier({}, {"macs_per_pixel": 1_185_000}) == []        # nothing shipped yet


def test_the_release_gate_refuses_by_rule_or_only_says_what_a_ship_would_do(tmp_path,
                                                                          capsys):
    parser = argparse.ArgumentParser()
    add_release_flags(parser)
    lost, cost = ["Set12: 30.40 -> 30.30 dB"], ["it costs 2.00x the shipped model's MACs"]
    record = {"scores": [1.5]}

    def gate(flags, lost=lost, cost=cost):
        status = release_gate("tool.py", str(tmp_path), record, lost, cost,
                              parser.parse_args(flags))
        return status, capsys.readouterr().err

    status, err = gate([])      # a drop first, with the flag that overrides it
    assert status == 1 and "not shipped: Set12: 30.40 -> 30.30 dB" in err
    assert "--accept-drops ships it anyway" in err and "MACs" not in err
    assert json.loads((tmp_path / "ship_scores.json").read_text()) == record
    status, err = gate(["--accept-drops"])
    assert status == 1 and "2.00x" in err and "--accept-macs ships it anyway" in err
    (tmp_path / "ship_scores.json").unlink()
    assert gate(["--accept-drops", "--accept-macs"]) == (None, "")
    assert gate([], [], []) == (None, "") and not (tmp_path / "ship_scores.json").exists()
    # --score-only: status 0 either way, the rows kept, the verdict a ship would reach
    status, err = gate(["--score-only"])
    assert status == 0 and err.count("\n") == 1 and "scored, not shipped (--score-only" in err
    assert "it would not ship: Set12: 30.40 -> 30.30 dB; it costs 2.00x" in err
    assert json.loads((tmp_path / "ship_scores.json").read_text()) == record
    status, err = gate(["--score-only", "--accept-macs"])
    assert status == 0 and "it would not ship: Set12" in err and "2.00x" not in err
    status, err = gate(["--score-only", "--accept-drops", "--accept-macs"])
    assert status == 0 and "it would ship;" in err
    # a tool without the MACs rule (ship_models.py --refine): no flag, no cost lines
    parser = argparse.ArgumentParser()
    add_release_flags(parser, macs=False)
    with pytest.raises(SystemExit):
        parser.parse_args(["--accept-macs"])
    status, err = gate(["--score-only", "--accept-drops"], lost, [])
    assert status == 0 and "it would ship;" in err
