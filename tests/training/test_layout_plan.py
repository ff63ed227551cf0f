"""The preflight's view of the layout: machines x processes, colocated tensor parallelism, the vLLM server."""

import pytest

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset
from step3_GRPO.memory_plan import GIB, VLLM_OVERHEAD_GB, ModelShape, PlanInputs, kv_cache_bytes, plan

# 1B parameters, 2 layers, 2 KV heads of 128 (as tests/training/test_memory_plan.py's round shape)
SMALL = ModelShape(n_params=10**9, hidden=1024, layers=2, heads=8, kv_heads=2, head_dim=128,
                   intermediate=4096, vocab=1000)


def test_server_plan_covers_every_process_batch():
    inputs = PlanInputs(shape=SMALL, gpu_gb=80, world_size=16, colocate=False, prompt_len=100, completion_len=900,
                        gen_sequences=8, vllm_server_gpus=2)
    server = plan(inputs).server
    assert "vLLM (reserved)" not in plan(inputs).terms  # the training GPUs hold no vLLM
    assert server.sequences == 16 * 8
    assert server.weights_gb == pytest.approx(2e9 / 2 / GIB)  # bf16 weights split over 2 GPUs
    assert server.kv_gb == pytest.approx(kv_cache_bytes(SMALL, 128 * 1000) / 2 / GIB)
    assert server.budget_gb == pytest.approx(0.9 * 80) and server.holds_weights
    assert server.sequences_at_once == 128  # 128 x 1000 tokens of a 2-layer, 2-KV-head model fit easily
    # a server GPU with room for the weights, vLLM's own 1 GiB and half the batch's KV cache
    gpu_gb = (server.weights_gb + VLLM_OVERHEAD_GB + server.kv_gb / 2) / 0.9
    tight = plan(PlanInputs(**{**inputs.__dict__, "gpu_gb": gpu_gb})).server
    assert tight.sequences_at_once in (63, 64)
    assert plan(PlanInputs(shape=SMALL, gpu_gb=80)).server is None  # colocate: no server


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=16, n_val=4)


def _preflight(tiny_model_dir, toy_data, *extra):
    from step3_GRPO import preflight

    return preflight.main(["--config", "config/grpo_config.yaml", "--model_name_or_path", str(tiny_model_dir),
                           "--data_dir", str(toy_data), "--gpu_memory_gb", "80", *extra])


def test_preflight_names_the_layout_and_refuses_tp_across_machines(tiny_model_dir, toy_data, monkeypatch):
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    report = _preflight(tiny_model_dir, toy_data, "--world_size", "16", "--gpus_per_node", "8")
    assert "layout: 2 machine(s) x 8 process(es), vLLM colocate, tensor parallel 1" in report.lines
    with pytest.raises(UserError, match="vllm_tensor_parallel_size 3 does not divide the 8 processes of a machine"):
        _preflight(tiny_model_dir, toy_data, "--world_size", "16", "--gpus_per_node", "8",
                   "--vllm_tensor_parallel_size", "3")
    served = _preflight(tiny_model_dir, toy_data, "--world_size", "16", "--gpus_per_node", "8", "--vllm_mode",
                        "server", "--vllm_server_gpus", "4")
    assert "layout: 2 machine(s) x 8 process(es), vLLM server" in served.lines
    assert any(line.startswith("vLLM server: 4 GPU(s)") for line in served.lines)
