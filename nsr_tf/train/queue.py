"""The training queue (docs/training_queue.md) as data: its table's entries, which are
still to run, and in which order. ``training/run_queue.py`` runs them one after the other;
every command is resumable (train.py continues a job, or says there is nothing to do), so
a new session reruns the queue and each entry goes on where it stopped.

A row is ``| # | what | command | state |``; its command is the first backticked
``nice``/``python`` command line of the command cell, and each later one that the word
"then" comes right before (``then `nice -n 19 python release/ship_color_models.py ...
--score-only` ``) runs after it where it ended well: the scoring of what the run trained,
so that a session finds it scored. It is pending while its state starts with "running",
"started" or "queued", and "queued after N" runs it after entry N where N is pending too
(otherwise in the table's order)."""

import dataclasses
import os
import re
import shlex

from nsr_tf.errors import UsageError

PENDING = ("running", "started", "queued")
_ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|(.*)\|(.*)\|\s*$")
_COMMAND = re.compile(r"`((?:nice|python)\s[^`]*)`")
_THEN = re.compile(r"\bthen:?\s+`((?:nice|python)\s[^`]*)`")
_AFTER = re.compile(r"^queued after (\d+)")


@dataclasses.dataclass(frozen=True)
class Entry:
    number: int
    what: str
    command: str | None
    state: str
    then: tuple[str, ...] = ()

    @property
    def pending(self):
        return self.state.lower().startswith(PENDING)

    @property
    def job_dir(self):
        """The command's ``--job-dir``, ``~`` expanded, or None."""
        words = shlex.split(self.command or "")
        for flag, value in zip(words, words[1:]):
            if flag == "--job-dir":
                return os.path.expanduser(value)
        return None

    @property
    def after(self):
        """The entry this one is queued after, or None."""
        match = _AFTER.match(self.state.lower())
        return int(match.group(1)) if match else None


def entries(text):
    """The table's rows, in the page's order."""
    out = []
    for line in text.splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        command = _COMMAND.search(match.group(3))
        then = _THEN.findall(match.group(3)[command.end():]) if command else []
        out.append(Entry(int(match.group(1)), match.group(2).strip(),
                         command.group(1) if command else None, match.group(4).strip(),
                         tuple(then)))
    return out


def pending(text):
    """The entries still to run, in the order to run them: those not queued after another
    pending entry first (the page's order), each followed by what is queued after it.
    Raises ``UsageError`` naming an entry without a command line, or a cycle."""
    todo = [entry for entry in entries(text) if entry.pending]
    for entry in todo:
        if entry.command is None:
            raise UsageError(f"training queue entry {entry.number} is pending but its "
                             f"command cell has no `nice ...` or `python ...` command")
    waiting = {entry.number for entry in todo}
    order, placed = [], set()

    def place(entry, seen):
        if entry.number in placed:
            return
        if entry.number in seen:
            raise UsageError(f"training queue entries {sorted(seen)} are queued after each "
                             f"other in a cycle")
        if entry.after in waiting:
            place(next(e for e in todo if e.number == entry.after), seen | {entry.number})
        order.append(entry)
        placed.add(entry.number)

    for entry in todo:
        place(entry, set())
    return order


def command_of(job, text):
    """The command of the entry whose ``--job-dir`` ends in the folder ``job`` (e.g.
    "jpeg-color-wide"): what the release tools write into a card. Raises ``UsageError``
    where no entry or several have it."""
    found = {entry.command for entry in entries(text) if entry.command
             and re.search(r"--job-dir\s+\S*/" + re.escape(job) + r"(\s|$)", entry.command)}
    if len(found) != 1:
        raise UsageError(f"{len(found) or 'no'} training queue entries run the job {job!r}")
    return found.pop()


def repository_command(job):
    """``command_of`` on this repository's docs/training_queue.md."""
    page = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "docs", "training_queue.md")
    with open(page) as handle:
        return command_of(job, handle.read())
