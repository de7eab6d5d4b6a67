"""Training: configuration, strategies and the custom loop."""

from nsr_tf.train.config import TrainConfig
from nsr_tf.train.loop import Trainer, TrainingError, latest_job_dir

__all__ = ["TrainConfig", "Trainer", "TrainingError", "latest_job_dir"]
