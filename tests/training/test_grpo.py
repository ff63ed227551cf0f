"""step3_GRPO on CPU: a GRPO step changes the policy, logs r1_zero reward metrics, eval buckets and completions."""

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from r1zero.core.errors import UserError
from r1zero.evaluation.records import read_generations
from r1zero.testing.rewards import digit_count
from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=48, n_val=8)


# The demo profile trains 8 prompts x 8 samples per step; these tests want small, per-step-logged steps.
SMALL_STEPS = ["--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "32",
               "--logging_steps", "1", "--eval_samples", "8", "--eval_batch_size", "8"]


def _argv(model, data, out, *extra):
    return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), *SMALL_STEPS, *extra]


@pytest.mark.parametrize("flag,match", [("--use_vllm", "use_vllm needs a CUDA GPU"), ("--bf16", "bf16")])
def test_gpu_only_options_on_cpu_are_one_line_errors(tiny_model_dir, toy_data, tmp_path, flag, match):
    from r1zero.core.hardware import cpu_supports_bf16

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    if flag == "--bf16" and cpu_supports_bf16():
        pytest.skip("this CPU runs bf16 natively, so bf16 is allowed on it")
    from step3_GRPO.train_trl import main

    with pytest.raises(UserError, match=match):
        main(_argv(tiny_model_dir, toy_data, tmp_path, flag, "true", "--use_cpu", "false"))


def test_masking_truncated_completions_is_refused(tiny_model_dir, toy_data, tmp_path):
    """Rollouts end at </answer> without EOS, which TRL's mask_truncated_completions counts as truncated."""
    from step3_GRPO.train_trl import main

    with pytest.raises(UserError, match="mask_truncated_completions: true would mask every rollout"):
        main(_argv(tiny_model_dir, toy_data, tmp_path, "--mask_truncated_completions", "true"))
    assert list(tmp_path.iterdir()) == []  # refused before anything is written


def test_unknown_reward_name_is_a_user_error(tiny_model_dir, toy_data, tmp_path):
    from step3_GRPO.train_trl import main

    with pytest.raises(UserError, match="unknown reward name"):
        main(_argv(tiny_model_dir, toy_data, tmp_path, "--reward_funcs", "no_such_reward"))


@pytest.mark.slow
def test_grpo_changes_parameters_and_logs_r1_zero_metrics(tiny_model_dir, toy_data, tmp_path, monkeypatch,
                                                         fresh_wandb):
    from safetensors.torch import load_file

    from step3_GRPO import in_training_eval
    from step3_GRPO.train_trl import main

    tables = []  # the eval's W&B samples tables (the real W&B call needs a live run)
    monkeypatch.setattr(in_training_eval, "log_samples_table", lambda records, step: tables.append((step, len(records))))
    monkeypatch.setenv("WANDB_MODE", "disabled")
    out = tmp_path / "grpo"
    trainer = main(_argv(tiny_model_dir, toy_data, out, "--max_steps", "2", "--preflight", "false",
                         "--report_to", "wandb",
                         "--reward_funcs", "digit_count", "r1_zero_format", "r1_zero_answer",
                         "--reward_weights", "1", "0", "0", "--eval_every_steps", "2", "--save_steps", "100"),
                   extra_rewards=[digit_count])
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
    assert tables == [(2, 8)]
    graded, _ = read_generations(out / "eval" / "step_00002" / "generations.jsonl")
    assert len(graded) == 8 and {r["category"] for r in graded} <= {"correct", "wrong_answer", "format_failure"}
    summary = json.loads((out / "eval" / "step_00002" / "summary.json").read_text())
    assert summary["total"] == 8 and summary["accuracy"] == evals[0]["eval_accuracy"]
    assert set(summary["by_source"]) == {"toy_add", "toy_add_b"}
    assert "eval_by_source/toy_add/accuracy" in evals[0]
    assert (out / "final" / "manifest.json").is_file()


@pytest.mark.slow
def test_rollouts_stop_where_eval_stops(tiny_model_dir, toy_data, tmp_path, monkeypatch):
    """transformers rollouts: a policy that writes on after its answer is cut right after ``</answer>``,
    as eval's engine cuts it (vLLM rollouts stop in SamplingParams: tests/training/test_grpo_vllm_colocate.py)."""
    from transformers import AutoTokenizer, GenerationMixin

    from step3_GRPO.train_trl import main

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    tail = tok(" 7 </think> <answer> 7 </answer> and then it goes on", add_special_tokens=False)["input_ids"]

    def talkative_generate(self, input_ids=None, **kwargs):  # a policy that never stops by itself
        return torch.cat([input_ids, torch.tensor([tail] * len(input_ids), device=input_ids.device)], dim=1)

    monkeypatch.setattr(GenerationMixin, "generate", talkative_generate)
    out = tmp_path / "grpo"
    main(_argv(tiny_model_dir, toy_data, out, "--max_steps", "1", "--preflight", "false", "--eval_every_steps", "0",
               "--max_completion_length", str(len(tail) + 4), "--save_steps", "100"))
    completions = pd.read_parquet(out / "completions" / "completions_00001.parquet")["completion"]
    assert len(completions) == 8
    assert all(c.rstrip().endswith("</answer>") and "goes on" not in c for c in completions), list(completions)


@pytest.mark.slow
def test_in_training_eval_and_step4_agree_on_a_checkpoint(tiny_model_dir, toy_data, tmp_path, one_torch_thread):
    """One generation and scoring path: the in-training eval at step 2 and evaluate.py on checkpoint-2 with the
    same settings (hf engine, greedy, same tokens and batch size) give the same records and summary."""
    from step3_GRPO.train_trl import main
    from step4_eval import evaluate

    out = tmp_path / "grpo"
    main(_argv(tiny_model_dir, toy_data, out, "--max_steps", "2", "--preflight", "false", "--save_steps", "2",
               "--eval_every_steps", "2", "--eval_samples", "8", "--eval_max_new_tokens", "24",
               "--eval_batch_size", "4", "--learning_rate", "1e-3"))
    in_training = json.loads((out / "eval" / "step_00002" / "summary.json").read_text())
    step4_dir = tmp_path / "step4"
    evaluate.main(["--ckpt", str(out / "checkpoint-2"), "--data", str(toy_data / "val.parquet"), "--limit", "8",
                   "--engine", "hf", "--temperature", "0", "--max_tokens", "24", "--batch_size", "4",
                   "--output_dir", str(step4_dir), "--report_to", "none"])
    step4 = json.loads((step4_dir / "summary.json").read_text())
    same_keys = set(in_training) - {"step"}
    assert {k: step4[k] for k in same_keys} == {k: in_training[k] for k in same_keys}
    rows = lambda folder: read_generations(folder / "generations.jsonl")[0]  # noqa: E731
    assert rows(step4_dir) == rows(out / "eval" / "step_00002")


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
