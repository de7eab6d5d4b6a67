"""Training: configuration, strategies and the custom loop (imported on first use)."""

from nsr_tf.lazy import exports

_EXPORTS = {"TrainConfig": "nsr_tf.train.config", "Trainer": "nsr_tf.train.loop",
            "TrainingError": "nsr_tf.train.loop", "latest_job_dir": "nsr_tf.jobs"}
__getattr__ = exports(__name__, _EXPORTS)

__all__ = sorted(_EXPORTS)
