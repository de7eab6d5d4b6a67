"""What the benchmark scripts share: the CPU's SIMD flags for the header, and printing a
report while writing it to its docs/ file."""


def simd_flags():
    """The SIMD flags that decide kernel choice (AVX2, AVX-512, AMX), from /proc/cpuinfo."""
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")
    try:
        flags = set(open("/proc/cpuinfo").read().split())
    except OSError:
        return "unknown"
    return ", ".join(flag for flag in wanted if flag in flags) or "none of AVX2/AVX-512/AMX"


def emit(lines, markdown=None):
    """Prints the report ``lines`` and writes them to ``markdown`` when given."""
    text = "\n".join(lines)
    print(text)
    if markdown:
        with open(markdown, "w") as handle:
            handle.write(text + "\n")
