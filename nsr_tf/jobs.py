"""Job folders: where a training run keeps its checkpoints, logs and best model."""

import os


def default_job_dir(config):
    """``jobs/TASK-DEGRADATION-VARIANT`` for a ``TrainConfig`` (``-rgb`` for a colour
    denoiser or JPEG model, ``-camera``/``-mix`` for its training noise)."""
    what = {"denoise": f"sigma{config.sigma:g}", "jpeg": f"q{config.quality}",
            "sr": f"x{config.scale}"}[config.task]
    if config.task == "denoise" and config.sigma_range:
        what = "sigma{:g}-{:g}".format(*config.sigma_range)
    if config.task == "jpeg" and config.quality_range:
        what = "q{:g}-{:g}".format(*config.quality_range)
    if config.blind:
        what += "-blind"
    if config.task != "sr" and config.channels == 3:
        what += "-rgb"
    if getattr(config, "noise", "awgn") != "awgn":
        what += f"-{config.noise}"
    return os.path.join("jobs", f"{config.task}-{what}-{config.variant}")


def latest_job_dir(root="jobs"):
    """The job folder whose best model was written last, or None."""
    if not os.path.isdir(root):
        return None
    jobs = [os.path.join(root, d) for d in os.listdir(root)
            if os.path.exists(os.path.join(root, d, "best.keras"))]
    return max(jobs, key=lambda d: os.path.getmtime(os.path.join(d, "best.keras")),
               default=None)
