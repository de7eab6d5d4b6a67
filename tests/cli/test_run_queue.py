"""training/run_queue.py: runs the pending entries in order, one at a time, goes on after a
failed one, and says so; stops after a run a signal stopped; --list; a missing page is a
one-line error."""

import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUEUE = [sys.executable, os.path.join(REPO, "training", "run_queue.py")]


def page(tmp_path):
    log = tmp_path / "ran.txt"

    def step(name, status=0):
        return (f"`python -c \"import sys; open('{log}', 'a').write('{name} '); "
                f"sys.exit({status})\"`")
    text = "\n".join([
        "| # | what | command | state |", "|---|---|---|---|",
        f"| 1 | a | {step('one')} | done |",
        f"| 2 | b | {step('two')} | queued after 3 |",
        f"| 3 | c | {step('three', 1)} | running since 10:00 |",
        f"| 4 | d | {step('four')} | queued |", ""])
    path = tmp_path / "queue.md"
    path.write_text(text)
    return path, log


def test_runs_the_pending_entries_in_order_and_goes_on_after_a_failure(tmp_path):
    path, log = page(tmp_path)
    listed = subprocess.run(QUEUE + ["--file", str(path), "--list"], capture_output=True,
                            text=True, timeout=120)
    assert [line.split(":")[0] for line in listed.stdout.splitlines()] == ["3", "2", "4"]
    assert not log.exists()                        # --list runs nothing
    result = subprocess.run(QUEUE + ["--file", str(path)], capture_output=True, text=True,
                            timeout=120)
    assert log.read_text() == "three two four "
    assert "entry 3 ended with status 1" in result.stdout
    assert result.returncode == 1 and "entries 3 failed" in result.stderr


def test_a_missing_page_is_one_line(tmp_path):
    result = subprocess.run(QUEUE + ["--file", str(tmp_path / "none.md")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"run_queue.py: error: --file {tmp_path / 'none.md'}: No such file or directory"]


def test_an_entry_whose_job_a_train_py_still_holds_waits_for_it(tmp_path):
    import threading
    import time
    from nsr_tf.cli.queue import main
    from nsr_tf.jobs import lock
    job = tmp_path / "job"
    job.mkdir()
    path = tmp_path / "queue.md"
    path.write_text("| # | what | command | state |\n|---|---|---|---|\n"
                    f"| 1 | a | `python train.py --job-dir {job}` | running |\n")
    held = lock(str(job))
    started = []

    class Done:
        returncode = 0
    thread = threading.Thread(target=main, args=(["--file", str(path)],),
                              kwargs={"run": lambda *a, **k: started.append(time.time())
                                      or Done(), "poll": 0.02})
    thread.start()
    time.sleep(0.5)
    assert started == []                  # the folder is still held
    released = time.time()
    held.close()
    thread.join(timeout=10)
    assert len(started) == 1 and started[0] >= released


def test_the_page_is_read_again_after_each_run(tmp_path, capsys):
    # A session adds an entry (and drops a queued one) while entry 1 runs: the runner takes
    # the edit without a restart; a page gone or broken mid-edit keeps the order read
    # before; an entry runs once per runner even where its state still says "running".
    from nsr_tf.cli.queue import main
    path = tmp_path / "queue.md"
    head = "| # | what | command | state |\n|---|---|---|---|\n"
    path.write_text(head + "| 1 | a | `python one` | running |\n"
                           "| 2 | b | `python two` | queued after 1 |\n")
    ran = []

    class Done:
        returncode = 0

    def run(command, cwd):
        ran.append(command[-1])
        if command[-1] == "python one":        # the session edits the page meanwhile
            path.write_text(head + "| 1 | a | `python one` | running |\n"
                                   "| 3 | c | `python three` | queued after 1 |\n")
        elif command[-1] == "python three":    # a page mid-edit
            path.write_text(head + "| 4 | d | no command here | queued |\n")
        return Done()

    assert main(["--file", str(path)], run=run, poll=0.01) == 0
    assert ran == ["python one", "python three"]
    assert "going on in the order read before" in capsys.readouterr().err


def test_a_run_stopped_by_a_signal_stops_the_runner_and_is_not_a_failure(tmp_path, capsys):
    # train.py saves and exits 128 + N on SIGINT / SIGTERM; a command without a handler
    # dies of it (-N). Either way the next entry does not start behind the user's back.
    import signal
    from nsr_tf.cli.queue import main
    path = tmp_path / "queue.md"
    path.write_text("| # | what | command | state |\n|---|---|---|---|\n"
                    "| 1 | a | `python one` | running |\n"
                    "| 2 | b | `python two` | queued after 1 |\n")
    for status in (128 + signal.SIGTERM, 128 + signal.SIGINT, -signal.SIGTERM):
        ran = []

        class Ended:
            returncode = status

        def run(command, cwd):
            ran.append(command[-1])
            return Ended()

        assert main(["--file", str(path)], run=run, poll=0.01) == 128 + abs(status) % 128
        assert ran == ["python one"]
        assert "entry 1 was stopped by a signal" in capsys.readouterr().err


def test_a_row_scores_its_run_after_it_where_the_run_ended_well(tmp_path, capsys):
    # "then `python ...`" in the command cell: the scoring a session would otherwise start
    # by hand when the run ends. Not after a failed run; a failed scoring is a failure; a
    # scoring stopped by a signal stops the runner, as a run does.
    import signal
    from nsr_tf.cli.queue import main
    path = tmp_path / "queue.md"
    path.write_text("| # | what | command | state |\n|---|---|---|---|\n"
                    "| 1 | a | `nice -n 19 python one` (see `python note`), then "
                    "`python score-one` | running |\n"
                    "| 2 | b | `python two` then `python score-two` | queued after 1 |\n"
                    "| 3 | c | `python three` | queued after 2 |\n")
    statuses = {}

    def run(command, cwd):
        ran.append(command[-1])

        class Ended:
            returncode = statuses.get(command[-1], 0)
        return Ended()

    ran = []
    assert main(["--file", str(path)], run=run, poll=0.01) == 0
    assert ran == ["nice -n 19 python one", "python score-one", "python two",
                   "python score-two", "python three"]      # not the prose's `python note`
    out = capsys.readouterr().out
    assert "entry 1 then: python score-one" in out and "entry 1 then ended with status 0" in out
    ran, statuses = [], {"python two": 1, "python score-one": 2}
    assert main(["--file", str(path)], run=run, poll=0.01) == 1
    assert ran == ["nice -n 19 python one", "python score-one", "python two", "python three"]
    assert "entries 1 then, 2 failed" in capsys.readouterr().err
    ran, statuses = [], {"python score-one": 128 + signal.SIGINT}
    assert main(["--file", str(path)], run=run, poll=0.01) == 128 + signal.SIGINT
    assert ran == ["nice -n 19 python one", "python score-one"]
    assert "entry 1 then was stopped by a signal" in capsys.readouterr().err


def test_status_says_where_each_pending_run_is(tmp_path):
    # a run stopped part way (its progress file, no train.py holding it), one not begun,
    # and the scoring after it with the rows it has kept so far
    job = tmp_path / "jobs" / "a"
    job.mkdir(parents=True)
    (job / "config.json").write_text('{"epochs": 4}')
    (job / "progress.json").write_text(
        '{"step": 50, "total_steps": 200, "epoch": 2, "epochs": 4, "updated": 0, '
        '"steps_per_s": 1.0}')
    (job / "ship_scores.partial.json").write_text('{"rows": {"x": {}, "y": {}}}')
    path = tmp_path / "queue.md"
    path.write_text("| # | what | command | state |\n|---|---|---|---|\n"
                    f"| 1 | a | `python t.py --job-dir {job}` then `nice -n 19 python "
                    f"release/ship_x.py {job} --score-only` | running |\n"
                    f"| 2 | b | `python t.py --job-dir {tmp_path / 'jobs' / 'b'}` then `nice -n "
                    f"19 python benchmarks/r.py --markdown {tmp_path / 'r.md'}` | queued |\n")
    (tmp_path / "r.partial-1.json").write_text('{"rows": {"Set5": {}}}')   # a stopped report
    result = subprocess.run(QUEUE + ["--file", str(path), "--status"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("runner: ")    # (this machine's, if any)
    assert result.stdout.splitlines()[1:] == [
        "1: a: stopped at epoch 2/4, step 50 of 200 (25%), 00:00 UTC; its command resumes it",
        "  then: release/ship_x.py: 2 rows scored so far",
        "2: b: not started",
        "  then: benchmarks/r.py: 1 row scored so far"]
    (tmp_path / "r.md").write_text("# report")
    result = subprocess.run(QUEUE + ["--file", str(path), "--status"], capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == \
        f"  then: benchmarks/r.py: written ({tmp_path / 'r.md'})"


def test_status_names_the_runners_going_and_says_how_to_start_one(tmp_path, monkeypatch,
                                                                   capsys):
    from nsr_tf.cli import queue
    from nsr_tf.cli.queue import _runners
    path = tmp_path / "queue.md"
    path.write_text("| # | what | command | state |\n|---|---|---|---|\n")
    for runners, first in (([], "runner: none (start it: nohup setsid python "
                                 "training/run_queue.py >> ~/jobs/queue.log 2>&1 < /dev/null &)"),
                           ([12, 345], "runner: pid 12, 345")):
        monkeypatch.setattr(queue, "_runners", lambda: runners)
        assert queue.main(["--file", str(path), "--status"]) == 0
        assert capsys.readouterr().out.splitlines() == [first]
    monkeypatch.undo()
    script = tmp_path / "run_queue.py"       # a runner's command line, sleeping
    script.write_text("import time\ntime.sleep(60)\n")
    before = set(_runners())
    runner = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.time() + 10
        while runner.pid not in _runners() and time.time() < deadline:
            time.sleep(0.05)
        assert set(_runners()) - before == {runner.pid}
    finally:
        runner.kill()
        runner.wait()
    assert runner.pid not in _runners()


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # `run_queue.py --list | head -1`: more lines than a pipe holds, the reader gone
    path = tmp_path / "queue.md"
    path.write_text("| # | what | command | state |\n|---|---|---|---|\n" + "".join(
        f"| {n} | x | `python entry_{n:05d}.py --a-long-flag-to-fill-the-pipe` | queued |\n"
        for n in range(1, 3001)))
    listing = subprocess.Popen(QUEUE + ["--file", str(path), "--list"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert listing.stdout.readline().startswith(b"1: python entry_00001.py")
    listing.stdout.close()
    assert listing.wait(timeout=120) == 0
    assert listing.stderr.read() == b""
