"""The tf.distribute strategy for a run (docs/design.md, Runtimes)."""

import json
import os

from nsr_tf.quiet import tf  # (first: TensorFlow without its chatter)

from nsr_tf.errors import UsageError

STRATEGIES = ("auto", "default", "mirrored", "multiworker")


def configure_cpu_replicas(count):
    """Splits the CPU into ``count`` logical devices (before TF initialises its runtime)."""
    if count and count > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * count)


def make_strategy(name="auto", cpu_replicas=0):
    """``auto``: mirrored over the local GPUs if there are several, else the default
    (one device). ``mirrored``: all local GPUs, or ``cpu_replicas`` logical CPUs.
    ``multiworker``: MultiWorkerMirroredStrategy configured by ``TF_CONFIG``."""
    if name not in STRATEGIES:
        raise UsageError(f"--strategy must be one of {STRATEGIES}, got {name!r}")
    if name == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise UsageError("--strategy multiworker needs TF_CONFIG (cluster and task) in "
                             "the environment")
        try:
            json.loads(os.environ["TF_CONFIG"])
        except json.JSONDecodeError as error:
            raise UsageError(f"TF_CONFIG is not valid JSON: {error}") from None
        return tf.distribute.MultiWorkerMirroredStrategy()
    configure_cpu_replicas(cpu_replicas)
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        name = "mirrored" if len(gpus) > 1 or (cpu_replicas or 0) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if gpus:
        return tf.distribute.MirroredStrategy()
    cpus = [device.name for device in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(cpus)


def is_chief(strategy):
    """Whether this process writes checkpoints, models and logs."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker"
                                             and resolver.task_id == 0)
