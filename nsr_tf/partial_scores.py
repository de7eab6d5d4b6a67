"""The rows a ship has scored so far, kept in its job folder as each one ends, so that a
ship stopped before its end (a session's end, Ctrl-C, a crash) goes on from where it was
when it is run again: a 32-block colour model's ship scored for 36 minutes here.

A kept row counts only for the same model file (the job's ``best.keras``, by SHA-256) and
the same images (the folder's manifest lines, by SHA-256): a run that went on training, or
a test folder that changed, is scored again. The file goes when the model ships; a refused
ship keeps it (and its rows in ``JOB/ship_scores.json``), so that the command run again
with the flag that overrides the refusal scores nothing, and so does a ``--score-only``
scoring (``nsr_tf.benchmarking.release_gate``: the training queue scores a run as it
ends, and the ship run then only decides).
"""

import json
import os

from nsr_tf.data.sources import images_digest
from nsr_tf.files import sha256_file

NAME = "ship_scores.partial.json"
KEPT = " (kept from an earlier scoring of this best.keras)"    # a kept row's line ends so


class PartialScores:
    """``score(key, folder, compute, bar)``: the row kept under ``key`` for the same model
    and images, else ``compute()``'s, kept at once. ``job`` None: nothing is kept.
    ``path``: the file, where it is not ``JOB/ship_scores.partial.json`` (a report that
    scores several models keeps one file per model; ``job`` is then not read)."""

    def __init__(self, job, model_file, path=None):
        self.path = path or (os.path.join(job, NAME) if job else None)
        self.model = sha256_file(model_file) if self.path else None
        self.rows = {}
        if self.path and os.path.exists(self.path):
            with open(self.path) as handle:
                kept = json.load(handle)
            if kept.get("model_sha256") == self.model:
                self.rows = kept["rows"]

    def score(self, key, folder, compute, bar=None):
        """(row, kept): ``kept`` true where the row comes from the file (``bar.skip`` is
        told: the pass is not scored)."""
        digest = images_digest(folder) if self.path else None
        kept = self.rows.get(key)
        if kept is not None and kept["images_sha256"] == digest:
            if bar is not None:
                bar.skip(folder)
            return json.loads(json.dumps(kept["row"])), True
        row = compute()
        if self.path:
            self.rows[key] = {"images_sha256": digest, "row": row}
            partial = self.path + ".tmp"
            with open(partial, "w") as handle:
                json.dump({"model_sha256": self.model, "rows": self.rows}, handle)
            os.replace(partial, self.path)
        return json.loads(json.dumps(row)), False

    def remove(self):
        """The model shipped: the kept rows go."""
        if self.path and os.path.exists(self.path):
            os.remove(self.path)
