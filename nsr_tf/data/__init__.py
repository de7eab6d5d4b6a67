"""Data: reading images, degradations, sources (folders, samples, downloads), pipelines."""

from nsr_tf.data.images import BadImageError, list_images, load_images, read_image
from nsr_tf.data.degradation import Degradation
from nsr_tf.data.pipeline import training_dataset, validation_pairs
from nsr_tf.data.sources import DATASETS, DatasetUnavailableError, resolve_files

__all__ = ["BadImageError", "DATASETS", "DatasetUnavailableError", "Degradation",
           "list_images", "load_images", "read_image", "resolve_files", "training_dataset",
           "validation_pairs"]
