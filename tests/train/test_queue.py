"""The training queue page as data (nsr_tf.train.queue): which entries are pending and in
which order; the repository's own page parses and its pending commands are train.py's."""

import os
import shlex

import pytest

from nsr_tf.errors import UsageError
from nsr_tf.train.queue import entries, pending

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PAGE = """# Training queue

| # | what | command | state |
|---|---|---|---|
| 1 | done one | `nice -n 19 python training/train.py --epochs 1` | done, shipped |
| 2 | last | `nice -n 19 python a.py` | queued after 4 (`~/q.sh`) |
| 3 | running now | entry 1's with more: `python b.py --x 1` | started 10:00 after 1 |
| 4 | next | `nice -n 19 python c.py` and a note `python d.py` | queued after 3 |
| 5 | after a done one | `python e.py` | queued after 1 |
"""


def test_pending_entries_run_the_running_one_first_then_each_chain():
    assert [e.number for e in entries(PAGE)] == [1, 2, 3, 4, 5]
    order = pending(PAGE)
    assert [e.number for e in order] == [3, 4, 2, 5]
    assert order[0].command == "python b.py --x 1"     # the backticked command, not prose
    assert order[1].command == "nice -n 19 python c.py"
    assert [e.then for e in order] == [(), (), (), ()]      # `python d.py` is a note


def test_a_row_names_what_runs_after_its_run_by_the_word_then():
    row = ("| 6 | x | `nice -n 19 python t.py --job-dir ~/jobs/x`, scored by `python s.py` "
           "then `python release/a.py x --score-only` then: `nice -n 19 python b.py` | "
           "queued |")
    entry = entries(PAGE + row)[-1]
    assert entry.command == "nice -n 19 python t.py --job-dir ~/jobs/x"
    assert entry.then == ("python release/a.py x --score-only", "nice -n 19 python b.py")
    assert entry.job_dir.endswith("/jobs/x")


def test_a_pending_entry_without_a_command_and_a_cycle_are_one_line_errors():
    no_command = PAGE.replace("`python e.py`", "entry 1's command")
    with pytest.raises(UsageError, match="entry 5"):
        pending(no_command)
    cycle = PAGE.replace("started 10:00 after 1", "queued after 2")
    with pytest.raises(UsageError, match="cycle"):
        pending(cycle)


def test_the_repositorys_queue_parses_and_its_pending_commands_are_train_pys():
    from nsr_tf.cli.train import parser
    with open(os.path.join(REPO, "docs", "training_queue.md")) as handle:
        text = handle.read()
    assert len(entries(text)) >= 28
    train = parser()
    for entry in pending(text):
        words = shlex.split(entry.command)
        assert words[:4] == ["nice", "-n", "19", "python"], entry.command
        assert words[4] == "training/train.py", entry.command
        args = train.parse_args(words[5:])            # exits on a flag train.py lacks
        assert args.job_dir.startswith("~/jobs/"), entry.command   # outside the work tree
        for then in entry.then:     # unattended: a ship tool only scores and says
            words = shlex.split(then)
            assert words[:4] == ["nice", "-n", "19", "python"], then
            assert os.path.exists(os.path.join(REPO, words[4])), then
            assert not words[4].startswith("release/") or "--score-only" in words, then


def test_every_command_a_release_tool_writes_into_a_card_is_on_the_queue_page():
    # The ship tools name each continued run's command in its card; the queue page is
    # where runs are started from: the two must not drift apart.
    from tests.scripts import load_script
    with open(os.path.join(REPO, "docs", "training_queue.md")) as handle:
        on_page = {entry.command for entry in entries(handle.read()) if entry.command}

    def commands(value):
        if isinstance(value, dict):
            return [c for v in value.values() for c in commands(v)]
        if isinstance(value, tuple):
            return [c for v in value for c in commands(v)]
        return [value] if isinstance(value, str) and value.startswith("nice ") else []
    checked = 0
    for tool in ("ship_sr_models", "ship_level_models", "ship_models", "ship_color_models"):
        module = load_script(f"release/{tool}.py")
        for table in ("RUNS", "REFINEMENTS"):
            for command in commands(getattr(module, table, {})):
                assert command in on_page, f"{tool}.{table}: {command}"
                checked += 1
    assert checked >= 17


def test_the_command_of_a_job_is_found_by_its_folder_alone():
    from nsr_tf.train.queue import command_of
    page = PAGE + "| 6 | x | `python f.py --job-dir ~/jobs/run-2` | done |\n" \
                  "| 7 | y | `python g.py --job-dir ~/jobs/run --epochs 1` | done |\n"
    assert command_of("run", page) == "python g.py --job-dir ~/jobs/run --epochs 1"
    assert command_of("run-2", page) == "python f.py --job-dir ~/jobs/run-2"
    with pytest.raises(UsageError, match="no training queue entries"):
        command_of("run-3", page)
