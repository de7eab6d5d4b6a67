"""Restore a photo archive on Apache Beam (pip install 'nsr-tf[beam]'), locally or on a
cluster, with nsr-restore's flags and its output names.

    nsr-batch 'scans/*.jpg' --out restored/ --model denoise
    nsr-batch 'gs://bucket/scans/*.jpg' --out gs://bucket/restored/ --model denoise \\
        --runner DataflowRunner --project P --region R --temp_location gs://bucket/tmp

Every flag nsr-batch does not know is a Beam pipeline option (--runner, --project, ...).
Without a --runner it runs Beam's local runner with --workers processes. A rerun skips
the photos whose outputs exist; a photo that cannot be read or restored goes to
OUT/nsr-batch-RUN.failed.jsonl and the others go on; every restored photo is a line of
OUT/nsr-batch-RUN.jsonl. The exit status is the number of photos that failed (at most
100), 0 when none did.
"""

import argparse
import logging
import os
import sys
import time

from nsr_tf.cli.common import report
from nsr_tf.cli.restore import add_restore_arguments
from nsr_tf.errors import NsrError, UsageError, debugging

MAX_STATUS = 100


def parser():
    p = argparse.ArgumentParser(prog="nsr-batch", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="image files, folders or globs ('scans/*.jpg', gs://...)")
    add_restore_arguments(p)
    p.add_argument("--workers", type=int, default=2,
                   help="local runner: worker processes (default 2: one per core here)")
    p.add_argument("--worker-threads", type=int,
                   help="TensorFlow's threads in each worker (default: its own choice, all "
                        "cores, as nsr-restore; the outputs are then nsr-restore's bytes. "
                        "Fewer threads change the order of the sums: a few pixels may "
                        "differ by one level)")
    return p


def _beam_options(extra, workers):
    """Beam's PipelineOptions from the flags nsr-batch does not know; the local runner with
    ``workers`` processes unless a runner is named."""
    from apache_beam.options.pipeline_options import PipelineOptions
    named = any(arg.split("=")[0] in ("--runner", "--direct_num_workers",
                                     "--direct_running_mode") for arg in extra)
    local = [] if named else ["--runner=DirectRunner",
                              f"--direct_num_workers={workers}",
                              "--direct_running_mode=" +
                              ("multi_processing" if workers > 1 else "in_memory")]
    # the worker processes' own log (channels, state caches) at errors only, unless asked
    quiet = [] if debugging() or any(arg.startswith("--default_sdk_harness_log_level")
                                      for arg in extra) \
        else ["--default_sdk_harness_log_level=ERROR"]
    return PipelineOptions([*local, *quiet, *extra])


def _check_model(ref):
    """A --model that names nothing fails here, before any worker starts."""
    from nsr_tf import pretrained
    if ref in pretrained.FAMILIES or ref in pretrained.MODELS or os.path.exists(ref):
        return
    if "://" in ref:
        from apache_beam.io.filesystems import FileSystems
        if FileSystems.exists(ref):
            return
    raise UsageError(f"--model {ref}: no such model file or shipped model (shipped: "
                     f"{', '.join(pretrained.available())})")


def main(argv=None):
    args, extra = parser().parse_known_args(argv)
    if not debugging():     # Beam's import-time notes (optional clients it did not find)
        logging.getLogger().setLevel(logging.ERROR)
    unknown = [arg for arg in extra if not arg.startswith("--")]
    if unknown:
        print(f"nsr-batch: error: unexpected argument {unknown[0]!r} (Beam options are "
              f"written --name=value)", file=sys.stderr)
        return 2
    try:
        import apache_beam as beam
    except ImportError:
        print("nsr-batch: error: Apache Beam is not installed: pip install 'nsr-tf[beam]'",
              file=sys.stderr)
        return 1
    from nsr_tf import pretrained
    from nsr_tf import beam as batch
    from nsr_tf.cli.restore import _options
    from nsr_tf.photo import output_names

    if "://" not in args.out and os.path.exists(args.out) and not os.path.isdir(args.out):
        print(f"nsr-batch: error: --out {args.out} is a file; give a folder", file=sys.stderr)
        return 1
    try:
        options = _options(args)
        model = args.model or pretrained.DEFAULT
        _check_model(model)
        if args.workers < 1:
            raise UsageError("--workers must be >= 1")
        files = batch.match(args.inputs)
        if not files:
            raise UsageError(f"no input photos match {' '.join(args.inputs)}")
    except NsrError as error:
        return report("nsr-batch", error)
    if "://" not in args.out:
        os.makedirs(args.out, exist_ok=True)
    names = output_names(files, args.out)
    inputs = {os.path.abspath(path) for path in files if "://" not in path}
    protected = {name for name in names.values() if os.path.abspath(name) in inputs}
    if protected:
        return report("nsr-batch", UsageError(
            f"{sorted(protected)[0]}: an output would be one of the inputs; refusing to "
            f"overwrite it (choose another --out)"))
    run = time.strftime("%Y%m%d-%H%M%S")
    prefix = os.path.join(args.out, f"{batch.REPORT_PREFIX}{run}")
    handler = batch.PhotoModelHandler(model, names, options, overwrite=args.overwrite,
                                      threads=args.worker_threads)
    print(f"nsr-batch: {len(files)} photo(s) -> {args.out} with {model}; report "
          f"{prefix}.jsonl", file=sys.stderr)
    if not debugging():     # the runner's own log: a failure is said in one line below
        logging.getLogger("apache_beam").setLevel(logging.CRITICAL)
    start = time.perf_counter()
    pipeline = beam.Pipeline(options=_beam_options(extra, args.workers))
    batch.build(pipeline, files, handler, prefix)
    try:
        result = pipeline.run()
        result.wait_until_finish()
    except Exception as error:  # noqa: BLE001  (a runner's failure: one line, not pages)
        if debugging():
            raise
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        print(f"nsr-batch: error: the pipeline failed ({type(error).__name__}: "
              f"{first[:300]}); rerun to resume, NSR_TF_DEBUG=1 shows the traceback",
              file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    totals = batch.counters(result)
    megapixels = totals["pixels"] / 1e6
    print(f"nsr-batch: restored {totals['restored']}, skipped {totals['skipped']} (output "
          f"there already), failed {totals['failed']} of {len(files)}; {megapixels:.2f} MP "
          f"in {seconds:.1f} s ({megapixels / seconds:.3f} MP/s)", file=sys.stderr)
    if totals["failed"]:
        print(f"nsr-batch: {totals['failed']} photo(s) failed: {prefix}.failed.jsonl says "
              f"why", file=sys.stderr)
    return min(totals["failed"], MAX_STATUS)


if __name__ == "__main__":
    sys.exit(main())
