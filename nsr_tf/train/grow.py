"""A larger model from a smaller one's weights that starts as the smaller model (Net2Net,
Chen et al. 2016): ``train.py --init-from`` a model with fewer blocks (deepen) or narrower
blocks (widen, a larger ``width_multiplier``: Sparse- -> Sparse+). Training then goes on
from the small model's quality instead of from scratch.

Hand-written: Keras has no Net2Net, and the weights to map are this project's
(``SparseConv2D``'s weight-normalised banks, its cardinal groups and its side network).
"""

import numpy as np


def identity_blocks(model, theirs):
    """Deepening: each residual block the source (``theirs``: {layer name: layer}) lacks
    gets its second conv's weight-norm gain (and bias) zero, so that the block adds nothing
    and the model starts computing what the source computed; the gain's gradient is not
    zero, so the block learns from the first step (as SkipInit / ReZero). Returns the
    indices of those blocks."""
    added = []
    for layer in model.layers:
        block, _, part = layer.name.partition("_")
        if not (block.startswith("block") and block[5:].isdigit() and part == "conv2"
                and layer.name not in theirs and hasattr(layer, "gain")):
            continue
        layer.gain.assign(np.zeros(layer.gain.shape, layer.gain.dtype))
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(np.zeros(layer.bias.shape, layer.bias.dtype))
        added.append(int(block[5:]))
    return sorted(added)


def copy_sources(wide, narrow, cardinality):
    """For each of ``wide`` channels, the one of ``narrow`` it copies, keeping every copy in
    its source's cardinal group (eq. 10 gates the ``cardinality`` groups of consecutive
    channels apart): channel j of a wide group copies channel j mod (its narrow group's
    size) of the same group."""
    wide_group, narrow_group = wide // cardinality, narrow // cardinality
    channel = np.arange(wide)
    return (channel // wide_group) * narrow_group + (channel % wide_group) % narrow_group


def split_weights(sources, narrow, rng):
    """A weight per copy, the copies of one source channel summing to 1, drawn unequal:
    equal halves would give both copies the same gradient for ever (Net2Net's symmetry);
    unequal ones give the same function and copies that learn apart."""
    draw = rng.uniform(0.5, 1.5, size=len(sources))
    return draw / np.bincount(sources, weights=draw, minlength=narrow)[sources]


def _widenable(conv1, conv2, src1, src2):
    """Whether block convs (conv1: C -> C*w, conv2: C*w -> C) are the source's with a
    wider inside: same kernels, groups, cardinality and gate, C*w a multiple of the
    source's per cardinal group."""
    if not all(hasattr(layer, "sparsity_groups") for layer in (conv1, conv2, src1, src2)):
        return False
    same = [(a.kernel_size, a.sparsity_groups, a.cardinality, a.gate, a.weight_norm,
             a.use_bias) for a in (conv1, conv2)] == \
        [(b.kernel_size, b.sparsity_groups, b.cardinality, b.gate, b.weight_norm, b.use_bias)
         for b in (src1, src2)]
    wide, narrow, d = conv1.filters, src1.filters, conv1.cardinality
    return (same and conv2.filters == src2.filters
            and tuple(conv1.kernel.shape[:3]) == tuple(src1.kernel.shape[:3])
            and tuple(conv2.kernel.shape[2:3]) == (wide,)
            and wide > narrow and wide % d == 0 and narrow % d == 0
            and (wide // d) % (narrow // d) == 0)


def _norm(kernel):
    """Weight norm's ||v|| per (group, filter): over the taps and input channels."""
    return np.sqrt(np.sum(np.square(kernel), axis=(0, 1, 2)) + 1e-12)


def widen_block(conv1, conv2, src1, src2, rng):
    """Net2WiderNet for one residual block: ``conv1``'s output channels copy the source's
    (kernels, gains, biases; its gates see the same input and stay), and ``conv2`` splits
    each source input channel's weights over its copies (``split_weights``); with weight
    norm, conv2's gains are rescaled so that ``g v / ||v||`` sums back to the source's.
    The side network of conv2 pools the copies, identical, so its rows split alike. The
    block then computes what the source block computed."""
    sources = copy_sources(conv1.filters, src1.filters, conv1.cardinality)
    conv1.kernel.assign(src1.kernel.numpy()[..., sources])
    if conv1.weight_norm:
        conv1.gain.assign(src1.gain.numpy()[:, sources])
    if conv1.use_bias:
        conv1.bias.assign(src1.bias.numpy()[:, sources])
    if hasattr(conv1, "gate_kernel"):
        conv1.gate_kernel.assign(src1.gate_kernel.numpy())
        conv1.gate_bias.assign(src1.gate_bias.numpy())
    share = split_weights(sources, src1.filters, rng)
    narrow = src2.kernel.numpy()
    kernel = narrow[:, :, sources] * share[None, None, :, None, None]
    conv2.kernel.assign(kernel)
    if conv2.weight_norm:
        conv2.gain.assign(src2.gain.numpy() * _norm(kernel) / _norm(narrow))
    if conv2.use_bias:
        conv2.bias.assign(src2.bias.numpy())
    if hasattr(conv2, "gate_kernel"):
        conv2.gate_kernel.assign(src2.gate_kernel.numpy()[sources] * share[:, None])
        conv2.gate_bias.assign(src2.gate_bias.numpy())


def widen_blocks(model, theirs, rng):
    """Widens every residual block of ``model`` whose two convs are wider inside than the
    source's (``theirs``: {layer name: layer}); returns [(block, source width, width)]."""
    widened = []
    for layer in model.layers:
        block, _, part = layer.name.partition("_")
        if not (block.startswith("block") and block[5:].isdigit() and part == "conv1"):
            continue
        names = (layer.name, f"{block}_conv2")
        if not all(name in theirs for name in names):
            continue
        conv1, conv2 = (model.get_layer(name) for name in names)
        src1, src2 = (theirs[name] for name in names)
        if _widenable(conv1, conv2, src1, src2):
            widen_block(conv1, conv2, src1, src2, rng)
            widened.append((int(block[5:]), src1.filters, conv1.filters))
    return widened
