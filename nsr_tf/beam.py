"""Batch restoration on Apache Beam: the photos of an archive through ``RunInference``,
on the local runner or a cluster (Dataflow, Flink, Spark), nothing lost and nothing twice.

    pip install "nsr-tf[beam]"
    nsr-batch 'scans/*.jpg' --out restored/ --model denoise

Each photo is restored by the library function ``nsr-restore`` uses
(``nsr_tf.photo.restore_file``: tiling, precision, level policy, EXIF/ICC, 16-bit,
alpha) and named as ``nsr-restore`` names it (``nsr_tf.photo.output_names`` over the whole
match). The model loads once per worker process (``PhotoModelHandler.load_model``; Beam
keeps it for the worker's threads).

- An output is written to a temporary name and renamed, so a killed worker leaves no half
  file under an output's name; the temporary file is written again by the rerun.
- A rerun skips every photo whose output exists (resume); ``--overwrite`` replaces them.
- A photo that cannot be read or restored is a dead letter: one JSON line (path,
  reason) in ``OUT/nsr-batch-RUN.failed.jsonl``; the others go on. The exit status is the
  number of failed photos (at most 100), 0 when all went well.
- Every photo restored is one JSON line in ``OUT/nsr-batch-RUN.jsonl`` (model, level
  chosen, seconds, megapixels); Beam's counters ``restored``, ``skipped``, ``failed`` and
  ``pixels`` (namespace ``nsr_tf``) say the totals on any runner.

Paths go through Beam's ``FileSystems``: local paths here; ``gs://`` and ``s3://`` with
Beam's own extras (``apache-beam[gcp]``, ``apache-beam[aws]``), where a photo is copied to
the worker's disk, restored, and its output copied back (docs/batch.md).
"""

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import KeyedModelHandler, ModelHandler, RunInference

from nsr_tf import photo
from nsr_tf.errors import NsrError

NAMESPACE = "nsr_tf"
REPORT_PREFIX = "nsr-batch-"


@dataclasses.dataclass
class Outcome:
    """What became of one photo: ``status`` is "restored", "skipped" (its output was there)
    or "failed" (``reason`` says why, in one line)."""
    path: str
    output: str
    status: str
    reason: str | None = None
    model: str | None = None
    level: str | None = None
    seconds: float | None = None
    megapixels: float | None = None

    def to_json(self):
        return json.dumps({key: value for key, value in dataclasses.asdict(self).items()
                           if value is not None})


def _local_copy(path, folder):
    """``path`` itself if it is on this machine's disk, else a copy of it in ``folder``
    (through Beam's FileSystems: gs://, s3://), named as the original (its extension
    tells the JPEG-quality reader what it is)."""
    if os.path.exists(path):
        return path
    local = os.path.join(folder, os.path.basename(path))
    with FileSystems.open(path) as source, open(local, "wb") as target:
        shutil.copyfileobj(source, target)
    return local


def _fetch_model(ref):
    """A ``.keras`` model at ``ref`` (gs://, s3://) copied to this worker's disk with the
    training record beside it (``STEM.json``, when there is one); returns the local path."""
    folder = tempfile.mkdtemp(prefix="nsr-batch-model-")
    local = _local_copy(ref, folder)
    record = os.path.splitext(ref)[0] + ".json"
    if FileSystems.exists(record):
        _local_copy(record, folder)
    return local


def _upload(local, target):
    """Copies the finished ``local`` file to ``target`` in an object store (gs://, s3://)
    through FileSystems: to ``target``'s temporary name, then a rename, so the store
    shows a complete object or none."""
    partial = target + ".part"
    with open(local, "rb") as source, FileSystems.create(partial) as out:
        shutil.copyfileobj(source, out)
    FileSystems.rename([partial], [target])


class _Models(photo.Models):
    """The models of one worker (a class of its own: Beam keeps a weak reference)."""


class PhotoModelHandler(ModelHandler):
    """RunInference's handler for photos: an example is a photo's path, a prediction its
    ``Outcome``. ``model_ref``: a shipped model's name or a ``.keras`` path (the
    ``--model`` of nsr-restore, family names such as "denoise" included); ``names``:
    {path: output path}; ``options``: ``nsr_tf.photo.Options``.

    The model is loaded per worker process, not shared across processes
    (``share_model_across_processes`` stays False): a Keras model cannot cross a process
    boundary, and Beam's multi-process sharing would serve it through a proxy, every tile
    a round trip; a worker of one process and several threads holds it once."""

    def __init__(self, model_ref, names, options, overwrite=False, threads=None):
        super().__init__(max_batch_size=1)     # a photo is a batch of tiles already
        self.model_ref = model_ref
        # TensorFlow's threads per worker process (None: its default, all cores, as
        # nsr-restore). Another count changes the order of oneDNN's sums, and a few
        # pixels by one level: measured, 0.02% of one 320x320 photo's pixels at 1 thread.
        self.threads = threads
        self.names = names
        self.options = options
        self.overwrite = overwrite
        self.restored = Metrics.counter(NAMESPACE, "restored")
        self.skipped = Metrics.counter(NAMESPACE, "skipped")
        self.failed = Metrics.counter(NAMESPACE, "failed")
        self.pixels = Metrics.counter(NAMESPACE, "pixels")

    def load_model(self):
        """The worker's ``photo.Models``, filled on first use: a family ("denoise") picks
        its member per photo, as nsr-restore does, each loaded once; a model in a bucket
        is copied to this worker first."""
        from nsr_tf import quiet
        tf = quiet.import_tensorflow()
        if self.threads:
            tf.config.threading.set_intra_op_parallelism_threads(self.threads)
        return _Models(self.model_ref, self.options,
                       locate=lambda ref: _fetch_model(ref) if "://" in ref else ref)

    def restore_one(self, models, path):
        """The ``Outcome`` of one photo; never raises for a bad photo."""
        target = self.names[path]
        if not self.overwrite and FileSystems.exists(target):
            self.skipped.inc()
            return Outcome(path, target, "skipped")
        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="nsr-batch-") as scratch:
                local = _local_copy(path, scratch)
                photo.check_file(local, shown=path)
                model, _ = models.for_photo(local)
                # a local output is written in place (photo.save: a temporary name in
                # its folder, then a rename); a remote one in the scratch folder first
                remote = "://" in target
                written = os.path.join(scratch, "out" + photo.OUTPUT_SUFFIX) if remote \
                    else target
                result = photo.restore_file(local, model, self.options, written,
                                            protected={os.path.abspath(local)})
                if remote:
                    _upload(written, target)
                    if self.options.degrade:
                        _upload(photo.degraded_name(written), photo.degraded_name(target))
        except (NsrError, OSError, ValueError) as error:
            self.failed.inc()
            return Outcome(path, target, "failed", reason=str(error).splitlines()[0]
                           if str(error) else type(error).__name__)
        width, height = result.size
        self.restored.inc()
        self.pixels.inc(width * height)
        seconds = time.perf_counter() - start
        print(f"nsr-batch: {path} -> {target} ({seconds:.1f} s)", file=sys.stderr,
              flush=True)
        return Outcome(path, target, "restored", model=model.name,
                       level=result.note or "the model's own (it takes no level)",
                       seconds=round(seconds, 3),
                       megapixels=round(width * height / 1e6, 4))

    def run_inference(self, batch, model, inference_args=None):
        return [self.restore_one(model, path) for path in batch]

    def get_metrics_namespace(self):
        return NAMESPACE


def match(patterns):
    """The files the globs (or folders, or paths) ``patterns`` name, sorted and without
    repeats: a local folder's image files (``list_images``), a glob through Beam's
    FileSystems (local, gs://, s3://), a plain path as it is (reported per photo if it is
    not there)."""
    from nsr_tf.data.images import list_images
    found = []
    for pattern in patterns:
        if os.path.isdir(pattern):
            found += list_images(pattern)
        elif any(ch in pattern for ch in "*?[") or "://" in pattern:
            found += [meta.path for result in FileSystems.match([pattern])
                      for meta in result.metadata_list]
        else:
            found.append(pattern)
    return sorted(dict.fromkeys(found))


def build(pipeline, files, handler, report_prefix):
    """The pipeline: the photos through RunInference, a JSON line per photo restored and
    per dead letter. Returns the outcomes' PCollection."""
    outcomes = (pipeline
                | "Photos" >> beam.Create([(path, path) for path in files])
                | "Restore" >> RunInference(KeyedModelHandler(handler))
                | "Outcome" >> beam.Map(lambda keyed: keyed[1]))     # (path, Outcome)
    for status, suffix in (("restored", ".jsonl"), ("failed", ".failed.jsonl")):
        (outcomes
         | f"Only {status}" >> beam.Filter(lambda o, s=status: o.status == s)
         | f"JSON {status}" >> beam.Map(Outcome.to_json)
         | f"Write {status}" >> beam.io.WriteToText(report_prefix, file_name_suffix=suffix,
                                                    shard_name_template=""))
    return outcomes


def counters(result):
    """{name: total} of the run's nsr_tf counters."""
    from apache_beam.metrics.metric import MetricsFilter
    totals = {"restored": 0, "skipped": 0, "failed": 0, "pixels": 0}
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    for counter in query["counters"]:
        name = counter.key.metric.name
        if name in totals:
            totals[name] += counter.committed or counter.attempted or 0
    return totals
