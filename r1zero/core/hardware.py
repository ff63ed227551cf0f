"""Facts about the machine this process runs on."""

from __future__ import annotations

import os
from pathlib import Path


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_flags() -> set[str]:
    """The CPU's feature flags as Linux lists them in /proc/cpuinfo (empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def cpu_supports_bf16() -> bool:
    """True when this CPU runs bf16 natively (AVX512-BF16 or AMX): bf16 autocast then roughly halves
    CPU step time; elsewhere it is emulated and slower than fp32."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def visible_gpus() -> tuple[int, str]:
    """How many GPUs torch may use here (``CUDA_VISIBLE_DEVICES`` counts), and, when none, why in a few words.

    ``torch.cuda.device_count`` asks the driver (NVML) without starting CUDA, so launchers can call it before
    any rank starts; torch's warning about a broken driver becomes the reason instead of a line on stderr.
    """
    import warnings

    import torch

    if torch.version.cuda is None and getattr(torch.version, "hip", None) is None:
        return 0, f"this torch {torch.__version__} is a CPU-only build"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        count = torch.cuda.device_count()
    if count:
        return count, ""
    if os.environ.get("CUDA_VISIBLE_DEVICES") is not None:
        return 0, f"CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']!r}"
    if caught:
        return 0, str(caught[0].message).strip().splitlines()[0][:160]
    return 0, "no NVIDIA or AMD GPU driver answered"
