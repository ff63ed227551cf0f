"""Code RL (MBPP) through the four stages: step1's adapter and splits, code grading, the TRL rewards,
preflight, the eval's code summary, and GRPO steps on code data. The sandbox itself: tests/sandbox/test_sandbox.py."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from r1zero.core.errors import UserError
from r1zero.core.prompts import build_response
from r1zero.evaluation.metrics import build_summary, check_summary
from r1zero.evaluation.records import CODE_RECORD_FIELDS, grade_records
from r1zero.evaluation.report import format_summary
from r1zero.sandbox.code_grader import extract_program, grade_code_many

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "step1_data" / "sample" / "mbpp_sample.jsonl"
ADD_TESTS = ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(-1, 1) == 0"]


def _respond(code: str, fence: bool = True) -> str:
    return build_response("Add them.", f"```python\n{code}\n```" if fence else code)


def _prepare(tmp_path, *argv):
    from step1_data.prepare import main

    main(["--dataset", "mbpp", "--output_dir", str(tmp_path / "out"), *argv])
    return tmp_path / "out"


# --- step1 --------------------------------------------------------------------------------------------


def test_mbpp_sample_goes_to_the_standard_splits(tmp_path):
    out = _prepare(tmp_path, "--input", str(SAMPLE))
    stats = json.loads((out / "stats.json").read_text())
    assert (stats["input_rows"], stats["train_rows"], stats["val_rows"], stats["test_rows"]) == (168, 0, 0, 158)
    assert stats["rejected"]["prompt_example"] == 10 and sum(stats["rejected"].values()) == 10
    assert len(pd.read_parquet(out / "train.parquet")) == 0  # written, empty: task_ids 601-974 are not in the sample
    test = pd.read_parquet(out / "test.parquet")
    assert test["task_id"].tolist() == list(range(11, 169)) and test["id"].iloc[0] == "mbpp-11"
    row = test.iloc[0]
    assert row["prompt"].endswith("Assistant: <think>") and row["tests"][0] in row["prompt"]
    assert row["tests"][1] not in row["prompt"] and len(row["tests"]) == 3  # one shown, all three run
    assert row["answer"].startswith("```python\n") and row["sft_target"].endswith(f"{row['answer']} </answer>")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["prompt_template_hash"]
    # the default prompt protocol (the first test shown) is recorded in every row, the stats and the manifest
    assert set(test["protocol"]) == {"evalplus"} and stats["protocol"] == "evalplus" and stats["prompt_tests"] == 1
    assert manifest["config"]["code_protocol"] == "evalplus"


def test_sanitized_rows_all_tests_shown_and_bad_rows_counted(tmp_path):
    rows = [
        {"prompt": "Write add.", "code": "def add(a, b):\n    return a + b", "task_id": 11,
         "test_imports": ["import math"], "test_list": ADD_TESTS, "source_file": "x"},
        {"prompt": "Same id again.", "code": "x = 1", "task_id": 11, "test_imports": [], "test_list": ["assert x"],
         "source_file": "x"},
        {"prompt": "No tests.", "code": "x = 1", "task_id": 12, "test_imports": [], "test_list": [], "source_file": "x"},
        {"prompt": "A broken test.", "code": "x = 1", "task_id": 13, "test_imports": [],
         "test_list": ["assert (x =="], "source_file": "x"},
        {"prompt": "Validation.", "code": "x = 1", "task_id": 520, "test_imports": [], "test_list": ["assert x"],
         "source_file": "x"},
        {"prompt": "An assert in a loop.", "code": "x = 1", "task_id": 14, "test_imports": [],
         "test_list": ["for i in range(3):\n    assert x"], "source_file": "x"},
    ]
    path = tmp_path / "sanitized.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")
    out = _prepare(tmp_path, "--input", str(path), "--prompt_tests", "0")
    stats = json.loads((out / "stats.json").read_text())
    assert stats["rejected"]["malformed"] == 3 and stats["rejected"]["duplicate"] == 1
    assert stats["rejected"]["unsupported_test"] == 1  # its verdict could not be decided outside the sandbox
    assert (stats["test_rows"], stats["val_rows"]) == (1, 1)
    row = pd.read_parquet(out / "test.parquet").iloc[0]
    assert all(t in row["prompt"] for t in ADD_TESTS) and row["test_setup"] == "import math"
    assert row["source"] == "mbpp/sanitized"
    assert row["protocol"] == "original" and stats["protocol"] == "original"  # --prompt_tests 0 is its name
    from r1zero.core.errors import run_cli
    from step1_data.prepare import main

    for bad in (["--val_size", "5"], ["--code_protocol", "original", "--prompt_tests", "1"],
                ["--code_protocol", "humaneval"]):  # one-line errors
        with pytest.raises(SystemExit):
            run_cli(lambda: main(["--dataset", "mbpp", "--input", str(path), "--output_dir", str(tmp_path / "o2"),
                                  *bad]))  # noqa: B023 - called at once
    out3 = _prepare(tmp_path / "p2", "--input", str(path), "--prompt_tests", "2")
    assert json.loads((out3 / "stats.json").read_text())["protocol"] == "prompt_tests=2"


# --- grading and rewards ------------------------------------------------------------------------------


def test_extract_program():
    assert extract_program(_respond("x = 1")) == "x = 1"
    assert extract_program(_respond("x = 1", fence=False)) == "x = 1"
    two = "a </think> <answer> ```python\nx = 1\n``` then ```\ny = 2\n``` </answer>"
    assert extract_program(two) == "y = 2"  # the last fenced block
    assert extract_program("</think> <answer> ```python\nx = 1\n</answer>") == "x = 1"  # unclosed fence
    assert extract_program("no answer here") is None


def test_grade_code_many_format_fraction_and_strict():
    good, partial, unformatted = _respond("def add(a, b):\n    return a + b"), \
        _respond("def add(a, b):\n    return abs(a) + b"), "<answer>def add(a, b):\n    return a + b</answer>"
    results = grade_code_many([good, partial, unformatted, "I don't know"], [ADD_TESTS] * 4)
    g, p, u, none = results
    assert (g["reward"], g["strict_reward"], g["format_reward"], g["status"]) == (1.0, 1.0, 1.0, "passed")
    assert p["reward"] == pytest.approx(2 / 3) and p["strict_reward"] == 0.0 and p["error"] == "AssertionError"
    assert (u["format_reward"], u["pass_fraction"], u["reward"]) == (0.0, 1.0, 0.0)  # ran, but the format fails
    assert (none["status"], none["reward"], none["extracted_answer"]) == ("no_answer", 0.0, None)


def test_code_rewards_in_the_registry():
    from step3_GRPO.train.registry import available, reward_funcs

    funcs, weights = reward_funcs(["mbpp"])
    assert [f.__name__ for f in funcs] == ["code_tests", "code_format", "code_pass_fraction"] and weights == [1, 0, 0]
    assert [f.__name__ for f in reward_funcs("mbpp_strict")[0]][0] == "code_tests_strict"
    rewards = available()
    completions = [_respond("def add(a, b):\n    return abs(a) + b"),
                   [{"role": "assistant", "content": _respond("def add(a, b):\n    return a + b")}]]
    tests = [np.array(ADD_TESTS), ADD_TESTS]  # parquet list columns arrive as numpy arrays
    kwargs = {"prompts": ["p", "p"], "completions": completions, "answer": ["ref", "ref"], "tests": tests}
    assert rewards["code_tests"](**kwargs) == pytest.approx([2 / 3, 1.0])
    assert rewards["code_tests_strict"](**kwargs) == [0.0, 1.0]
    assert rewards["code_format"](**kwargs) == [1.0, 1.0]
    with pytest.raises(UserError, match="tests"):
        rewards["code_tests"](prompts=["p"], completions=[completions[0]], answer=["5"])


def test_code_rewards_run_under_the_settings_they_were_made_with(monkeypatch):
    from r1zero.sandbox.execute import Limits
    from step3_GRPO.train import rewards_code
    from step3_GRPO.train.registry import reward_funcs

    seen = []

    def recording(responses, tests, *, setups, workers, limits):
        seen.append((workers, limits))
        return [{"reward": 1.0} for _ in responses]

    monkeypatch.setattr(rewards_code, "grade_code_many", recording)
    kwargs = {"prompts": ["p"], "completions": [_respond("x = 1")], "tests": [ADD_TESTS]}
    quick = Limits(timeout_s=3.0)
    reward_funcs(["mbpp"], code_limits=quick, code_workers=2)[0][0](**kwargs)
    rewards_code.code_rewards()["code_tests"](**kwargs)
    assert seen == [(2, quick), (None, None)]  # the second set knows nothing of the first one's settings


def test_preflight_accepts_code_rewards_and_refuses_math_ones(tiny_model_dir, mbpp_data_dir, capsys):
    from step3_GRPO.args import parse
    from step3_GRPO.preflight import run_preflight

    argv = ["--config", "config/mbpp/grpo.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
            str(mbpp_data_dir), "--output_dir", "/tmp/unused-preflight", "--use_cpu", "true", "--use_vllm", "false",
            "--bf16", "false", "--gold_check_samples", "8"]
    report = run_preflight(*parse(argv))
    assert report.problems == [] and "all 8 checked gold answers grade as correct" in capsys.readouterr().out
    with pytest.raises(UserError, match="code dataset"):
        run_preflight(*parse([*argv, "--reward_funcs", "r1_zero"]))


# --- eval summary -------------------------------------------------------------------------------------


def test_code_records_and_summary():
    rows = [{"id": f"t{i // 2}", "sample_index": i % 2, "source": "mbpp", "completion": c, "answer": "ref",
             "tests": ADD_TESTS, "test_setup": ""} for i, c in enumerate([
                 _respond("def add(a, b):\n    return a + b"),  # correct
                 _respond("def add(a, b):\n    return abs(a) + b"),  # wrong answer (2 of 3 tests)
                 "def add(a, b): return a + b",  # format failure
                 _respond("while True:\n    pass"),  # timeout
             ])]
    from r1zero.sandbox.execute import Limits

    records = grade_records(rows, code_limits=Limits(timeout_s=1))
    assert [r["category"] for r in records] == ["correct", "wrong_answer", "format_failure", "wrong_answer"]
    assert set(CODE_RECORD_FIELDS) <= set(records[0])
    assert [r["run_status"] for r in records] == ["passed", "failed", "no_answer", "timeout"]
    assert records[3]["grader_timeout"] is True
    summary = build_summary(records)
    check_summary(summary)
    code = summary["code"]
    assert (code["timeouts"], code["errors"]) == (1, 0)
    assert code["mean_pass_fraction"] == pytest.approx((1 + 2 / 3) / 4)
    assert summary["pass@1"] == pytest.approx(0.25) and summary["pass@2"] == pytest.approx(0.5)
    text = format_summary(summary)
    assert "program timeouts" in text and "tests passed (mean)" in text


@pytest.mark.slow
def test_eval_command_on_code_data(tiny_model_dir, mbpp_data_dir, tmp_path):
    from r1zero.evaluation.records import read_generations
    from step4_eval import evaluate

    out = tmp_path / "eval"
    (summary,) = evaluate.main(["--ckpt", str(tiny_model_dir), "--data", str(mbpp_data_dir / "val.parquet"),
                                "--output_dir", str(out), "--engine", "hf", "--num_samples", "2",
                                "--max_tokens", "16", "--limit", "3", "--report_to", "none"])
    rows, _ = read_generations(out / "generations.jsonl")
    assert len(rows) == 6 and all(set(CODE_RECORD_FIELDS) <= set(r) for r in rows)
    assert summary["code"]["timeouts"] == sum(r["run_status"] == "timeout" for r in rows)
    assert summary["contract"]["code"]["grader_version"].startswith("code-")
    assert summary["contract"]["code"]["protocol"] == "evalplus"
    assert "pass@2" in summary
    again = build_summary(rows)  # the file alone gives back the numbers (resume path)
    assert again["code"] == summary["code"] and again["counts"] == summary["counts"]


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_grpo_steps_on_code_data(tiny_model_dir, mbpp_data_dir, tmp_path):
    from step3_GRPO.train_trl import main

    out = tmp_path / "grpo"
    trainer = main(["--config", "config/mbpp/grpo.yaml", "--model_name_or_path", str(tiny_model_dir),
                    "--data_dir", str(mbpp_data_dir), "--output_dir", str(out), "--use_cpu", "true",
                    "--use_vllm", "false", "--bf16", "false", "--gradient_checkpointing", "false",
                    "--max_steps", "2", "--per_device_train_batch_size", "8", "--gradient_accumulation_steps", "1",
                    "--num_generations", "4", "--max_completion_length", "24", "--logging_steps", "1",
                    "--eval_every_steps", "2", "--eval_samples", "4", "--eval_max_new_tokens", "16",
                    "--eval_batch_size", "4", "--report_to", "none", "--save_steps", "100",
                    "--gold_check_samples", "8", "--code_timeout_s", "5"])
    assert trainer.state.global_step == 2
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert all("rewards/code_tests/mean" in h and "rewards/code_pass_fraction/mean" in h for h in logs)
    summary = json.loads((out / "eval" / "step_00002" / "summary.json").read_text())
    assert summary["total"] == 4 and "code" in summary
    frame = pd.read_parquet(out / "completions" / "completions_00001.parquet")
    assert {"code_tests", "code_format"} <= set(frame.columns)
