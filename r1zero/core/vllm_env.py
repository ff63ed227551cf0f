"""Environment vLLM needs on a node without a CUDA compiler (an install from the wheelhouse carries no nvcc).

flashinfer JIT-compiles vLLM's top-k/top-p sampling kernel with nvcc on first use; with no nvcc (and no
network to fetch a prebuilt one) that fails mid-run. vLLM's own PyTorch sampler is used instead there.
An explicit ``VLLM_USE_FLASHINFER_SAMPLER`` always wins.
"""

from __future__ import annotations

import os
import shutil


def has_nvcc() -> bool:
    from importlib.metadata import PackageNotFoundError, distribution

    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
    if shutil.which("nvcc") or (home and os.path.isfile(os.path.join(home, "bin", "nvcc"))):
        return True
    try:
        distribution("nvidia-cuda-nvcc")
        return True
    except PackageNotFoundError:
        return False


def prepare_vllm_env() -> None:
    """Call before vLLM starts an engine."""
    if "VLLM_USE_FLASHINFER_SAMPLER" not in os.environ and not has_nvcc():
        os.environ["VLLM_USE_FLASHINFER_SAMPLER"] = "0"
