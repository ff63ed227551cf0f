"""The CUDA paths of step3_GRPO with the tiny model: bf16 autocast, and vLLM colocate with sleep mode.

Skipped without a CUDA GPU (and, for colocate, without vLLM). Not yet run: the session that wrote it had
no GPU. bench/NOTES.md has the full-size recipe.
"""

import pytest

from r1zero.testing.toy_data import write_toy_dataset

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=48, n_val=8)


@pytest.mark.parametrize("extra", [
    pytest.param([], id="hf-generate-bf16"),
    pytest.param(["--use_vllm", "true", "--vllm_mode", "colocate", "--vllm_gpu_memory_utilization", "0.2",
                  "--vllm_enable_sleep_mode", "true", "--vllm_max_model_length", "512"],
                 id="vllm-colocate-sleep", marks=pytest.mark.vllm),
])
def test_grpo_on_cuda(tiny_model_dir, toy_data, tmp_path, extra):
    from step3_GRPO.train_trl import main

    out = tmp_path / "grpo"
    trainer = main(["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir),
                    "--data_dir", str(toy_data), "--output_dir", str(out), "--max_steps", "2",
                    "--use_cpu", "false", "--bf16", "true", "--gradient_checkpointing", "true",
                    "--gpu_memory_gb", "10", "--per_device_train_batch_size", "8",
                    "--num_generations", "4", "--logging_steps", "1", *extra])
    assert trainer.state.global_step == 2
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert all("rewards/r1_zero_format/mean" in h and h["gpu/peak_allocated_gb"] > 0 for h in logs)
    assert (out / "final" / "config.json").is_file()
