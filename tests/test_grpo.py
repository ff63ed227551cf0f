"""step3_GRPO on CPU: a GRPO step changes the policy, logs r1_zero reward metrics, eval buckets and completions."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from common.errors import UserError
from common.training import write_toy_dataset

REPO = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=48, n_val=8)


# The demo profile trains 16 prompts x 8 samples per step; these tests want small, per-step-logged steps.
SMALL_STEPS = ["--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "32",
               "--logging_steps", "1", "--eval_samples", "8", "--eval_batch_size", "8"]


def _argv(model, data, out, *extra):
    return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), *SMALL_STEPS, *extra]


def digit_count(prompts, completions, answer=None, **kwargs):
    """A reward with spread even for an untrained model (the r1_zero ones are all 0 there)."""
    return [float(sum(ch.isdigit() for ch in c)) for c in completions]


@pytest.mark.parametrize("flag,match", [("--use_vllm", "use_vllm needs a CUDA GPU"), ("--bf16", "bf16")])
def test_gpu_only_options_on_cpu_are_one_line_errors(tiny_model_dir, toy_data, tmp_path, flag, match):
    from common.training import cpu_supports_bf16

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    if flag == "--bf16" and cpu_supports_bf16():
        pytest.skip("this CPU runs bf16 natively, so bf16 is allowed on it")
    from step3_GRPO.train_trl import main

    with pytest.raises(UserError, match=match):
        main(_argv(tiny_model_dir, toy_data, tmp_path, flag, "true", "--use_cpu", "false"))


def test_unknown_reward_name_is_a_user_error(tiny_model_dir, toy_data, tmp_path):
    from step3_GRPO.train_trl import main

    with pytest.raises(UserError, match="unknown reward name"):
        main(_argv(tiny_model_dir, toy_data, tmp_path, "--reward_funcs", "no_such_reward"))


@pytest.mark.slow
def test_grpo_changes_parameters_and_logs_r1_zero_metrics(tiny_model_dir, toy_data, tmp_path, monkeypatch):
    from safetensors.torch import load_file

    from step3_GRPO import trainer as step3_trainer
    from step3_GRPO.train import rewards_math
    from step3_GRPO.train_trl import main

    monkeypatch.setitem(rewards_math.REWARD_FUNCS, "digit_count", digit_count)
    logged = []

    class FakeWandb:  # stands in for the live W&B module: records what the trainer logs
        Table = staticmethod(lambda dataframe=None, **kw: ("table", len(dataframe) if dataframe is not None else 0))

        @staticmethod
        def log(payload, **kw):
            logged.append(payload)

    monkeypatch.setattr(step3_trainer, "_wandb_run", lambda: FakeWandb)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    out = tmp_path / "grpo"
    trainer = main(_argv(tiny_model_dir, toy_data, out, "--max_steps", "2", "--preflight", "false",
                         "--report_to", "wandb",
                         "--reward_funcs", "digit_count", "r1_zero_format", "r1_zero_answer",
                         "--reward_weights", "1", "0", "0", "--eval_every_steps", "2", "--save_steps", "100"))
    assert trainer.state.global_step == 2

    before = load_file(tiny_model_dir / "model.safetensors")
    after = load_file(out / "final" / "model.safetensors")
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert len(changed) > len(before) // 2

    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert [h["step"] for h in logs] == [1, 2]
    for key in ("rewards/r1_zero_format/mean", "rewards/r1_zero_answer/mean", "rewards/digit_count/mean", "reward"):
        assert all(key in h for h in logs), key
    assert logs[0]["reward_std"] > 0
    evals = [h for h in trainer.state.log_history if "eval_accuracy" in h]
    assert len(evals) == 1 and evals[0]["step"] == 2
    rates = [evals[0][f"eval_{c}_rate"] for c in ("correct", "wrong_answer", "format_failure")]
    assert sum(rates) == pytest.approx(1.0)

    # completions kept per logging step, not overwritten
    for step in (1, 2):
        frame = pd.read_parquet(out / "completions" / f"completions_{step:05d}.parquet")
        assert set(frame["step"]) == {step} and len(frame) == 8
        assert {"prompt", "completion", "r1_zero_format", "digit_count", "advantage"} <= set(frame.columns)
    assert any("eval_samples/step_000002" in payload for payload in logged)
    graded = pd.read_parquet(out / "eval" / "eval_00002.parquet")
    assert len(graded) == 8 and set(graded["category"]) <= {"correct", "wrong_answer", "format_failure"}
    summary = json.loads((out / "eval" / "summary_00002.json").read_text())
    assert summary["total"] == 8 and summary["accuracy"] == evals[0]["eval_accuracy"]
    assert set(summary["by_source"]) == {"toy_add", "toy_add_b"}
    assert "eval_by_source/toy_add/accuracy" in evals[0]
    assert (out / "final" / "manifest.json").is_file()


@pytest.mark.slow
def test_external_commands_sft_then_grpo(tiny_model_dir, toy_data, tmp_path):
    """The two commands the README and CI run, exactly, as subprocesses."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "disabled", "HF_HUB_OFFLINE": "1"}
    sft, grpo = tmp_path / "O", tmp_path / "G"
    for cmd in (
        [sys.executable, "step2_sft/train_sft.py", "--config", "config/demo/sft.yaml", "--model_name_or_path",
         str(tiny_model_dir), "--data_dir", str(toy_data), "--output_dir", str(sft), "--max_steps", "5"],
        [sys.executable, "step3_GRPO/train_trl.py", "--config", "config/demo/grpo.yaml", "--model_name_or_path",
         str(sft), "--data_dir", str(toy_data), "--output_dir", str(grpo), "--max_steps", "2"],
    ):
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert (sft / "final" / "config.json").is_file()
    assert (grpo / "final" / "config.json").is_file() and (grpo / "checkpoint-2").is_dir()
    assert "preflight:" in proc.stdout and "FAIL" not in proc.stdout


def test_long_prompts_are_left_out_and_counted(tiny_model_dir, caplog):
    from transformers import AutoTokenizer

    from step3_GRPO.train_trl import drop_long_prompts

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    df = pd.DataFrame({"prompt": ["What is 1 + 1?", "What is 1 + 1? " * 40], "answer": ["2", "2"]})
    kept = drop_long_prompts(df, tok, max_tokens=50)
    assert kept["prompt"].tolist() == ["What is 1 + 1?"]
    assert "left out 1/2 train prompts longer than max_prompt_tokens=50" in caplog.text
    with pytest.raises(UserError, match="every train prompt is longer"):
        drop_long_prompts(df, tok, max_tokens=2)
