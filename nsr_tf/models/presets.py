"""The paper's network presets, as data (docs/design.md, The network; paper Tables 1-6).

``filters`` is the paper's "neurons per layer" C (the authors' ``num_residual_units``),
``width_multiplier`` w widens the inside of each residual block (C -> C*w -> C),
``sparsity_groups`` k and ``cardinality`` d configure every SparseConv2D of the body;
a dense model has ``sparsity_groups=1`` and ``gate="none"``.
"""

import dataclasses

from nsr_tf.errors import UsageError

TASKS = ("denoise", "jpeg", "sr")
SR_SCALES = (2, 3, 4)


@dataclasses.dataclass(frozen=True)
class Preset:
    num_blocks: int
    filters: int
    width_multiplier: float = 1.0
    sparsity_groups: int = 1
    cardinality: int = 1
    gate: str = "none"
    temperature: float = 1.0
    description: str = ""


# Denoising and JPEG (Tables 5, 6) share the networks. The paper gives no cardinality for
# them; d=2 keeps Sparse- within 1% of the baseline's parameter count ("same size"): each
# side network adds C*k*d + k*d parameters (d=16, the authors' default, would add 6%).
_RESTORATION = {
    "baseline": Preset(16, 32, 2.0, description="dense WDSR, 16 blocks, C=32, w=2 "
                       "(Table 5: 0.59 M MACs/pixel)"),
    "sparse-": Preset(16, 32, 1.0, 2, 2, "softmax",
                      description="same size as the baseline at half the FLOPs: w=1, k=2 "
                      "(Table 5: 0.30 M)"),
    "sparse+": Preset(16, 32, 2.0, 2, 2, "softmax",
                      description="twice the baseline's size at its FLOPs: w=2, k=2 "
                      "(Table 5: 0.60 M)"),
}

# Ablation network of Tables 1-3 and Fig. 4: WDSR, 16 blocks, C=32, w=4, k=4, d=16.
_ABLATION = Preset(16, 32, 4.0, 4, 16, "softmax",
                   description="ablation WDSR of Tables 1-3: 16 blocks, C=32, w=4, k=4, d=16")

# Super-resolution (Table 4). EDSR(S)/(L) are the dense references.
_EDSR_S = Preset(16, 64, 1.0, description="EDSR(S): 16 blocks, C=64, dense")
_SR = {
    "edsr-s": _EDSR_S,
    "baseline": _EDSR_S,
    "sparse+": Preset(16, 64, 1.0, 4, 16, "softmax",
                      description="EDSR(S) with k=4, d=16: 4x the size at its FLOPs"),
    "edsr-l": Preset(32, 256, 1.0, description="EDSR(L): 32 blocks, C=256, dense"),
    # For phones: EDSR(S) at half the width, with the paper's SR sparsity (k=4, d=16):
    # a quarter of EDSR(S)'s FLOPs (0.30 M MACs per LR pixel) at its parameter count, and
    # its dense same-FLOPs twin. Chosen for the shipped upscalers by measurement
    # (docs/super_resolution.md): 2.7x the training steps per CPU hour of Sparse+.
    "compact": Preset(16, 32, 1.0, 4, 16, "softmax",
                      description="phone-size: 16 blocks, C=32, k=4, d=16: EDSR(S)'s size "
                                  "at 1/4 of its FLOPs"),
    "compact-dense": Preset(16, 32, 1.0, description="the compact model's dense twin: 16 "
                                                     "blocks, C=32 (same FLOPs)"),
    "sparse-": Preset(32, 128, 1.0, 4, 16, "softmax",
                      description="32 blocks, C=128, k=4, d=16: EDSR(L)'s size at 1/4 "
                      "of its FLOPs"),
}

PRESETS = {
    "denoise": {**_RESTORATION, "ablation": _ABLATION},
    "jpeg": {**_RESTORATION, "ablation": _ABLATION},
    "sr": {**_SR, "ablation": _ABLATION},
}

# Defaults per task: image channels and the mean subtracted at the input (mean shift).
DEFAULT_CHANNELS = {"denoise": 1, "jpeg": 1, "sr": 3}
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)


def get_preset(task, variant):
    if task not in PRESETS:
        raise UsageError(f"task must be one of {TASKS}, got {task!r}")
    if variant not in PRESETS[task]:
        raise UsageError(f"variant {variant!r} does not exist for task {task!r}; "
                         f"choose from {sorted(PRESETS[task])}")
    return PRESETS[task][variant]


def resolve_preset(task, variant, **overrides):
    """The preset of ``task`` / ``variant`` with ``overrides`` (any ``Preset`` field), checked
    before anything is built: a name that is no field, or block widths that the cardinality
    does not divide (eq. 10 aggregates groups of C / d consecutive channels), is a
    ``UsageError`` naming it."""
    preset = get_preset(task, variant)
    unknown = set(overrides) - {f.name for f in dataclasses.fields(preset)}
    if unknown:
        raise UsageError(f"unknown preset override(s) {sorted(unknown)}; choose from "
                         f"{[f.name for f in dataclasses.fields(preset)]}")
    preset = dataclasses.replace(preset, **overrides)
    if preset.sparsity_groups > 1 and preset.gate == "none":
        preset = dataclasses.replace(preset, gate="softmax")
    inner = int(preset.filters * preset.width_multiplier)
    for width in (inner, preset.filters):
        if width % preset.cardinality:
            raise UsageError(f"a block's convs have {preset.filters} -> {inner} -> "
                             f"{preset.filters} channels: {width} is not divisible by the "
                             f"cardinality {preset.cardinality} (choose the width multiplier "
                             f"or filters to make it so)")
    return preset
