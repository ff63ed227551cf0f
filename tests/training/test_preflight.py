"""Preflight (step3_GRPO/preflight.py): template / reward / EOS agreement, gradable gold answers, memory plan."""

import pandas as pd
import pytest
import torch

from r1zero.core.errors import UserError
from r1zero.core.prompts import build_response
from r1zero.testing.toy_data import write_toy_dataset


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=24, n_val=8)


def _argv(tiny_model_dir, data_dir, *extra):
    return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir),
            "--data_dir", str(data_dir), "--output_dir", "/tmp/unused-preflight", *extra]


def _run(argv, **kwargs):
    from step3_GRPO.args import parse
    from step3_GRPO.preflight import run_preflight

    script_args, training_args, model_args = parse(argv)
    return run_preflight(script_args, training_args, model_args, **kwargs)


def test_clean_data_passes(tiny_model_dir, toy_data, capsys):
    report = _run(_argv(tiny_model_dir, toy_data))
    assert report.problems == []
    out = capsys.readouterr().out
    assert "follow the r1_zero template" in out and "gold answers grade as correct" in out


def test_mismatched_template_is_refused(tiny_model_dir, toy_data, tmp_path):
    df = pd.read_parquet(toy_data / "train.parquet")
    # a chat-style template: the model would never be asked to open <think>
    df["prompt"] = [f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n" for q in df["problem"]]
    df.to_parquet(tmp_path / "train.parquet")
    with pytest.raises(UserError, match="do not end with `<think>`"):
        _run(_argv(tiny_model_dir, tmp_path))


def test_prompt_from_another_r1_wording_is_refused(tiny_model_dir, toy_data, tmp_path):
    df = pd.read_parquet(toy_data / "train.parquet")
    df["prompt"] = df["prompt"].str.replace("A conversation between", "A dialogue between")
    df.to_parquet(tmp_path / "train.parquet")
    with pytest.raises(UserError, match="another template"):
        _run(_argv(tiny_model_dir, tmp_path))


def test_reward_that_ignores_the_format_is_refused(tiny_model_dir, toy_data):
    # every weight 0: a well-formed completion earns no more than an untagged one
    with pytest.raises(UserError, match="template and reward disagree"):
        _run(_argv(tiny_model_dir, toy_data, "--reward_weights", "0", "0", "0"))


def test_ungradable_gold_answers_are_refused_unless_overridden(tiny_model_dir, toy_data, tmp_path):
    df = pd.read_parquet(toy_data / "train.parquet")
    df.loc[:5, "answer"] = ""
    df.to_parquet(tmp_path / "train.parquet")
    with pytest.raises(UserError, match="6/24 gold answers are not gradable"):
        _run(_argv(tiny_model_dir, tmp_path))
    report = _run(_argv(tiny_model_dir, tmp_path, "--preflight_override", "true"))
    assert any("not gradable" in p for p in report.problems)


def test_check_gold_counts_grader_misses():
    from step3_GRPO.preflight import PreflightReport, check_gold

    report = PreflightReport()
    check_gold(report, ["12", "\\frac{1}{2}", "x^2+1"], max_fraction=0.0)
    assert report.problems == [] and "all 3" in report.lines[0]
    assert build_response("check", "12").endswith("<answer> 12 </answer>")


def test_cli_prints_memory_plan_and_refuses_a_plan_that_does_not_fit(tiny_model_dir, toy_data, capsys):
    from step3_GRPO import preflight

    argv = ["--config", "config/grpo_config.yaml", "--model_name_or_path", str(tiny_model_dir),
            "--data_dir", str(toy_data), "--gpu_memory_gb", "4", "--vllm_gpu_memory_utilization", "0.9"]
    with pytest.raises(UserError, match="memory plan does not fit") as err:
        preflight.main(argv)
    assert "; first try vllm_gpu_memory_utilization: 0.30;" in str(err.value)  # the advice, in one line
    assert "\n" not in str(err.value)
    out = capsys.readouterr().out
    assert "memory plan (per GPU):" in out and "vLLM (reserved)" in out and "DOES NOT FIT" in out
    assert "suggestion: vllm_gpu_memory_utilization: 0.30" in out  # tiny model: vLLM needs ~1 GiB of 4
    report = preflight.main(argv[:-2] + ["--vllm_gpu_memory_utilization", "0.3"])
    assert report.problems == [] and "fits" in report.memory_table


def test_pure_bf16_policy_with_a_small_learning_rate_is_warned(tiny_model_dir, toy_data):
    from step3_GRPO import preflight

    argv = ["--config", "config/grpo_config.yaml", "--model_name_or_path", str(tiny_model_dir),
            "--data_dir", str(toy_data), "--gpu_memory_gb", "80"]
    if torch.cuda.is_available():
        pytest.skip("plans for the local GPU instead")
    assert not any("pure bf16" in w for w in preflight.main(argv).warnings)  # recipe default: fp32 masters
    report = preflight.main(argv + ["--dtype", "bfloat16"])
    assert any("pure bf16" in w and "round away" in w for w in report.warnings)
    assert "x 2 B" in report.memory_table  # and the plan counts 2-byte weights


def test_trl_reward_names_are_accepted_and_a_dead_accuracy_reward_is_flagged(tiny_model_dir, toy_data):
    # the seeds' recipe 003: TRL's rewards alone. The format term makes the probe prefer the well-formed
    # completion; TRL's accuracy_reward pays nothing to the template's plain `<answer> 42 </answer>`: a warning
    report = _run(_argv(tiny_model_dir, toy_data, "--reward_funcs", "accuracy_reward", "think_format_reward"))
    assert report.problems == []
    assert any("accuracy_reward x 1, think_format_reward x 1" in line for line in report.lines)
    assert [w for w in report.warnings if w.startswith("accuracy_reward pays 0")]
    assert not any("think_format_reward pays 0" in w for w in report.warnings)
    report = _run(_argv(tiny_model_dir, toy_data))  # our grader, the default, pays them: no such warning
    assert not any("pays 0" in w for w in report.warnings)
