"""step1_data/prepare.py end to end on small local files: outputs, row accounting, filters, determinism,
the three adapters, several inputs, and one-line errors for bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from r1zero.core.errors import UserError
from r1zero.core.prompts import build_prompt
from r1zero.grading.grader import r1_zero_reward_fn
from step1_data.filters import REASONS
from step1_data.prepare import main as prepare_main
from step1_data.synthetic import generate, write_jsonl

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "step1_data" / "sample" / "numina_sample.jsonl"
COLUMNS = ["id", "source", "problem", "answer", "solution", "prompt", "sft_target"]


def run(out: Path, *args: str) -> dict:
    prepare_main(["--config", str(REPO / "config" / "data.yaml"), "--output_dir", str(out), *args])
    return json.loads((out / "stats.json").read_text())


def write_rows(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def check_accounting(out: Path, stats: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, val = pd.read_parquet(out / "train.parquet"), pd.read_parquet(out / "val.parquet")
    assert list(train.columns) == COLUMNS and list(val.columns) == COLUMNS
    assert (stats["train_rows"], stats["val_rows"]) == (len(train), len(val))
    assert stats["input_rows"] == len(train) + len(val) + sum(stats["rejected"].values())
    assert set(stats["rejected"]) == set(REASONS)
    assert set(train["id"]).isdisjoint(val["id"]) and train["id"].is_unique
    for s, c in stats["per_source"].items():
        assert c["input"] == c["train"] + c["val"] + c["rejected"], s
    return train, val


def good_row(i: int, source: str = "math") -> dict:
    return {"source": source, "problem": f"Compute {i} plus {i + 1} and report the total value clearly now.",
            "solution": f"We add: {i} + {i + 1} = {2 * i + 1}. So $\\boxed{{{2 * i + 1}}}$."}


def test_cli_contract_on_bundled_sample(tmp_path):
    """The exact command external checks run, as a subprocess."""
    out = tmp_path / "out"
    cmd = [sys.executable, "step1_data/prepare.py", "--config", "config/data.yaml", "--dataset", "numina",
           "--input", str(SAMPLE), "--output_dir", str(out), "--val_size", "20", "--seed", "1",
           "--max_train_samples", "150"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "step1_data summary" in proc.stdout
    assert {p.name for p in out.iterdir() if p.name != ".run.lock"} == {"train.parquet", "val.parquet", "stats.json",
                                                                   "manifest.json"}
    stats = json.loads((out / "stats.json").read_text())
    train, val = check_accounting(out, stats)
    assert len(train) == 150 and len(val) == 20 and stats["rejected"]["max_train_samples"] > 0
    # every awkward kind in the sample is caught
    for reason in ("malformed", "proof", "no_answer", "empty_box", "unbalanced_box", "multiple_choice",
                   "too_long", "duplicate"):
        assert stats["rejected"][reason] >= 1, reason
    for part in (train, val):
        for row in part.itertuples():
            assert row.prompt == build_prompt(row.problem)
            assert row.sft_target.endswith(f" </think> <answer> {row.answer} </answer>")
            assert "\\boxed" not in row.sft_target
            assert r1_zero_reward_fn(row.sft_target, row.answer)["reward"] == 1.0
    assert stats["lengths"]["train"]["problem_chars"]["count"] == 150
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stage"] == "step1_data" and manifest["seed"] == 1
    assert manifest["inputs"]["input_0"]["sha256"] and manifest["config"]["val_size"] == 20


def test_each_reject_reason_counted_exactly(tmp_path):
    good = [good_row(i, source="math" if i % 2 else "olympiads") for i in range(10)]
    bad = [
        {"source": "math", "problem": None, "solution": "$\\boxed{1}$"},                     # malformed
        {"source": "math", "problem": "Prove that 3 is odd.", "solution": "It is. $\\blacksquare$"},  # proof
        {"source": "math", "problem": "What is seven minus two today?", "solution": "It is 5."},  # no_answer
        {"source": "math", "problem": "What is seven minus three today?", "solution": "$\\boxed{}$"},
        {"source": "math", "problem": "What is seven minus four today?", "solution": "$\\boxed{3$"},
        {"source": "math", "problem": "Pick one: (A) 1 (B) 2", "solution": "$\\boxed{B}$"},  # multiple_choice
        {"source": "math", "problem": "Long " * 100 + "question?", "solution": "$\\boxed{1}$"},  # too_long
        {"source": "math", "problem": "the secret eval problem asks how many prime numbers lie below fifty",
         "solution": "There are 15. $\\boxed{15}$"},                                           # contaminated
        dict(good[3], source="olympiads"),                                                     # duplicate
    ]
    data = write_rows(tmp_path / "in.jsonl", good[:5] + bad + good[5:])
    evalset = write_rows(tmp_path / "eval.jsonl", [{"problem": "How many prime numbers lie below fifty?"},
                                                    {"problem": "The secret eval problem asks how many"}])
    out = tmp_path / "out"
    stats = run(out, "--input", str(data), "--val_size", "2", "--max_train_samples", "5",
                "--max_problem_chars", "300", "--decontaminate", str(evalset), "--ngram_size", "5")
    check_accounting(out, stats)
    expected = {r: 1 for r in REASONS}
    expected["no_solution"] = expected["answer_mismatch"] = 0  # DeepScaleR's own (test_deepscaler.py)
    expected["max_train_samples"] = 3  # 10 good rows - 2 val - 5 train
    assert stats["rejected"] == expected
    assert stats["eval_sets"] == {str(evalset): 2}


def test_filters_can_be_switched_off(tmp_path):
    rows = [good_row(i) for i in range(6)] + [good_row(0), {"source": "math", "problem": "Pick (A) 1 (B) 2",
                                                            "solution": "$\\boxed{A}$"}]
    data = write_rows(tmp_path / "in.jsonl", rows)
    stats = run(tmp_path / "a", "--input", str(data), "--val_size", "1")
    assert stats["rejected"]["duplicate"] == 1 and stats["rejected"]["multiple_choice"] == 1
    stats = run(tmp_path / "b", "--input", str(data), "--val_size", "1", "--dedupe", "false",
                "--drop_multiple_choice", "false")
    assert sum(stats["rejected"].values()) == 0 and stats["train_rows"] == 7


def test_same_input_and_seed_give_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, "7"), (b, "7"), (c, "8")):
        run(out, "--input", str(SAMPLE), "--val_size", "30", "--seed", seed)
    for name in ("train.parquet", "val.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert pd.read_parquet(a / "val.parquet")["id"].tolist() != pd.read_parquet(c / "val.parquet")["id"].tolist()
    strip = lambda p, drop=(): {k: v for k, v in json.loads((p / "stats.json").read_text()).items()  # noqa: E731
                                if k not in ("seconds", "rows_per_second", *drop)}
    assert strip(a) == strip(b)
    assert strip(a, ("seed", "lengths")) == strip(c, ("seed", "lengths"))  # which rows change, not how many


def test_gsm8k_adapter_from_local_jsonl(tmp_path):
    rows = [{"question": f"Sam has {i} apples and buys {i + 2} more. How many apples does Sam have?",
             "answer": f"Sam has {i}+{i + 2}=<<{i}+{i + 2}={2 * i + 2}>>{2 * i + 2} apples.\n#### {2 * i + 2:,}"}
            for i in range(0, 2000, 100)]
    rows.append({"question": "A question with no marked answer at all here?", "answer": "It is 4."})
    out = tmp_path / "out"
    stats = run(out, "--dataset", "gsm8k", "--input", str(write_rows(tmp_path / "g.jsonl", rows)),
                "--val_size", "4")
    train, val = check_accounting(out, stats)
    assert stats["rejected"]["no_answer"] == 1 and len(train) + len(val) == 20
    assert set(train["source"]) == {"gsm8k"}
    row = pd.concat([train, val]).set_index("answer").loc["1802"]  # 900 + 902, thousands comma removed
    assert "<<" not in row.sft_target and row.sft_target.endswith("</think> <answer> 1802 </answer>")


def test_math_adapter_from_local_parquet_stratifies_by_subject(tmp_path):
    subjects = ["Algebra"] * 40 + ["Number Theory"] * 20 + ["Counting & Probability"] * 20
    rows = [{"problem": f"Problem {i}: find the value of {i} squared minus {i}.", "level": "Level 2",
             "type": s, "solution": f"$${i}^2 - {i} = {i * i - i}$$ so $\\boxed{{{i * i - i}}}$."}
            for i, s in enumerate(subjects)]
    path = tmp_path / "math.parquet"
    pd.DataFrame(rows).to_parquet(path)
    out = tmp_path / "out"
    stats = run(out, "--dataset", "math", "--input", str(path), "--val_size", "8")
    _, val = check_accounting(out, stats)
    assert val["source"].value_counts().to_dict() == {"math/algebra": 4, "math/number_theory": 2,
                                                      "math/counting_and_probability": 2}


def test_numina_parquet_and_several_inputs(tmp_path):
    arith = write_jsonl(generate(50, seed=0), tmp_path / "arith.jsonl")
    numina = tmp_path / "numina.parquet"
    pd.read_json(SAMPLE, lines=True).head(60).to_parquet(numina)
    out = tmp_path / "out"
    stats = run(out, "--input", str(arith), str(numina), "--val_size", "10")
    train, val = check_accounting(out, stats)
    assert stats["input_rows"] == 110
    assert stats["per_source"]["synthetic_arithmetic"]["input"] == 50
    ids = pd.concat([train, val])["id"]
    assert ids.str.startswith("numina-0-").sum() == 50 and ids.str.startswith("numina-1-").any()


def test_malformed_rows_are_counted_not_fatal(tmp_path):
    rows = [good_row(i) for i in range(5)] + [
        "{this is not json",
        {"source": "math", "problem": 12345, "solution": "$\\boxed{1}$"},  # wrong type
        ["a", "list"],
        {"source": "math", "solution": "$\\boxed{1}$"},  # missing key
    ]
    out = tmp_path / "out"
    stats = run(out, "--input", str(write_rows(tmp_path / "m.jsonl", rows)), "--val_size", "1")
    check_accounting(out, stats)
    assert stats["rejected"]["malformed"] == 4 and stats["train_rows"] + stats["val_rows"] == 5


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.parquet", "input file not found"),
    (lambda d: (d / "x.csv").write_text("a,b\n") and d / "x.csv", "unsupported format"),
    (lambda d: (d / "x.parquet").write_text("not parquet") and d / "x.parquet", "cannot read"),
    (lambda d: write_rows(d / "x.jsonl", [{"problem": "p", "solution": "s"}]), "lacks column(s) source"),
    (lambda d: d, "is a folder"),
])
def test_bad_input_is_one_line_user_error(tmp_path, make, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        run(tmp_path / "out", "--input", str(make(tmp_path)))
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()  # no half-made output folder


def test_bad_input_exit_code_and_single_stderr_line(tmp_path):
    for extra in (["--input", str(tmp_path / "nope.jsonl")], ["--input", str(SAMPLE), "--val_size", "500"],
                  ["--input", "some-org/not-a-local-dataset"], ["--input", str(SAMPLE), "--no_such_flag", "1"]):
        proc = subprocess.run([sys.executable, "step1_data/prepare.py", "--config", "config/data.yaml",
                               "--output_dir", str(tmp_path / "o"), *extra], cwd=REPO, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert proc.returncode == 2 and len(lines) == 1, (extra, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_token_limits_with_a_tokenizer(tmp_path, tiny_model_dir):
    data = write_jsonl(generate(40, seed=1), tmp_path / "a.jsonl")
    stats = run(tmp_path / "a", "--input", str(data), "--val_size", "4", "--tokenizer", str(tiny_model_dir))
    assert stats["rejected"]["too_long"] == 0
    prompt_tokens = stats["lengths"]["train"]["prompt_tokens"]
    assert prompt_tokens["count"] == 36 and prompt_tokens["max"] > 0
    target_tokens = stats["lengths"]["train"]["sft_target_tokens"]
    assert target_tokens["max"] > target_tokens["min"] > 0
    stats = run(tmp_path / "b", "--input", str(data), "--val_size", "0", "--tokenizer", str(tiny_model_dir),
                "--max_sft_target_tokens", str(target_tokens["max"] - 1))
    assert 0 < stats["rejected"]["too_long"] < 40
    with pytest.raises(UserError, match="no usable rows: all 40 input rows were rejected \\(40 too_long\\)"):
        run(tmp_path / "c", "--input", str(data), "--val_size", "0", "--tokenizer", str(tiny_model_dir),
            "--max_prompt_tokens", str(prompt_tokens["min"] - 1))
    assert not (tmp_path / "c").exists()  # a failed first run leaves no folder behind
