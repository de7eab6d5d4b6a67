"""Numeric precision: which Keras dtype policy a machine should use, and a model copy that
computes in it.

Mixed policies keep every variable in float32 and run the convs in bfloat16 (CPUs with
AMX or AVX512-BF16) or float16 (GPUs of compute capability 7.0 or more). What stays
float32 was decided by measurement (docs/benchmarks.md, "Mixed precision"): inside the
layers, the gate's side network, the weight normalisation and the gate-weighted kernel
sums (``SparseConv2D`` / ``WeightNormConv2D`` cast only the finished kernel); in the
network, everything but the residual blocks' convs and ReLUs (``MIXED_LAYERS``, where the
FLOPs are): the head, the residual stream and its adds, the tail, the skip and the output.
On the shipped Sparse+ (four 64x64 tiles) a bfloat16 residual stream cost 0.0098 dB and
a max error of 0.0030; the stream kept float32, 0.0040 dB and 0.00096. With the layers'
side network and kernel sums really float32 (their weights opt out of autocasting, which
Keras applied in these float32-model copies): 0.00095 and -0.0001 dB, against 0.00221
and -0.0031 dB with them in bfloat16 (benchmarks/experiments/precision_error.py).
"""

import platform

from nsr_tf.errors import UsageError


PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
# Layer classes that compute in the mixed policy; every other layer stays float32.
MIXED_LAYERS = ("SparseConv2D", "ReLU")


def _cpuinfo(key):
    """The first value of ``key`` in /proc/cpuinfo, or None (no such file or key)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_flags():
    """The CPU feature flags of /proc/cpuinfo (empty where there is none)."""
    return set((_cpuinfo("flags") or "").split())


def cpu_name():
    """The CPU model, to name next to every timing."""
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_has_bfloat16(flags=None):
    flags = cpu_flags() if flags is None else flags
    return bool({"amx_bf16", "avx512_bf16"} & flags)


def _gpu_compute_capabilities():
    import tensorflow as tf     # only to look for GPUs: naming the CPU needs no TensorFlow
    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capabilities.append(tuple(details.get("compute_capability") or (0, 0)))
    return capabilities


def choose(precision="auto", flags=None, gpus=None):
    """(policy, reason): the Keras dtype policy for ``precision`` on this machine.

    ``auto``: mixed_float16 on GPUs of compute capability >= 7.0 (tensor cores),
    mixed_bfloat16 on CPUs with AMX or AVX512-BF16, float32 elsewhere. An explicit choice
    is kept; the reason then warns where it will be slow. ``flags`` and ``gpus`` (compute
    capabilities) default to this machine's.
    """
    if precision not in PRECISIONS:
        raise UsageError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    flags = cpu_flags() if flags is None else set(flags)
    gpus = _gpu_compute_capabilities() if gpus is None else list(gpus)
    bf16 = cpu_has_bfloat16(flags)
    cpu = "CPU with " + ("AMX" if "amx_bf16" in flags else "AVX512-BF16") if bf16 else \
        "CPU without AMX/AVX512-BF16"
    tensor_cores = bool(gpus) and min(gpus) >= (7, 0)
    if precision == "auto":
        if tensor_cores:
            return "mixed_float16", f"GPU of compute capability {min(gpus)[0]}." \
                f"{min(gpus)[1]}: float16 tensor cores"
        if gpus:
            return "float32", f"GPU of compute capability {min(gpus)[0]}.{min(gpus)[1]} " \
                "(< 7.0: no tensor cores)"
        if bf16:
            return "mixed_bfloat16", f"{cpu}: bfloat16 convs run about 2x float32"
        return "float32", f"{cpu}: bfloat16 would be emulated (slow)"
    if precision == "mixed_bfloat16" and not bf16 and not gpus:
        return precision, f"{cpu}: bfloat16 is emulated here and will be slow"
    if precision == "mixed_float16" and not tensor_cores:
        return precision, ("no GPU" if not gpus else "GPU without tensor cores") + \
            ": float16 will be slow"
    return precision, "as asked"


def with_policy(model, policy):
    """A copy of the functional ``model`` computing in ``policy`` (same weights, float32
    variables); only the layers of ``MIXED_LAYERS`` take the policy. ``model`` itself is
    not changed; with its own policy already it is returned as is."""
    if policy not in PRECISIONS[1:]:
        raise UsageError(f"policy must be one of {PRECISIONS[1:]}, got {policy!r}")
    if policy_of(model) == policy:
        return model
    config = model.get_config()
    for layer in config["layers"]:
        if layer["class_name"] == "InputLayer":
            continue
        mixed = layer["class_name"].split(">")[-1] in MIXED_LAYERS
        layer["config"]["dtype"] = policy if mixed else "float32"
    copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def policy_of(model):
    """The policy a model computes in: the first mixed one among its layers, else
    float32."""
    for layer in model.layers:
        name = getattr(layer.dtype_policy, "name", "float32")
        if name.startswith("mixed_"):
            return name
    return "float32"


def describe(policy, reason):
    return f"precision {policy} ({reason})"

