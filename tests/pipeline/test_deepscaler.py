"""The DeepScaleR adapter end to end on tests/data/deepscaler_sample.json (the hub's deepscaler.json shape: a
JSON list of {problem, answer, solution}, 19 rows written for this project): exact row accounting, the answer
column as gold, decontamination against the embedded benchmarks, the train cap, the other local formats and
the hub id."""

import json
from pathlib import Path

import pandas as pd
import pytest

from r1zero.core.errors import UserError
from r1zero.grading.grader import r1_zero_reward_fn
from step1_data.adapters import deepscaler
from step1_data.filters import REASONS
from step1_data.prepare import main as prepare_main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "data" / "deepscaler_sample.json"
CONFIG = REPO / "config" / "deepscaler" / "data.yaml"
PLAIN_CONFIG = REPO / "config" / "data.yaml"  # no decontamination
ROWS = json.loads(SAMPLE.read_text())
# The sample's 19 rows: 8 usable, and one of each kind the stage must drop. The AIME 2024 row is caught
# by the config's `decontaminate: [all]`, the repeated problem by dedupe.
DROPPED = {"malformed": 1, "proof": 1, "no_answer": 2, "no_solution": 1, "empty_box": 1, "unbalanced_box": 1,
           "answer_mismatch": 1, "multiple_choice": 1, "contaminated": 1, "duplicate": 1}


def run(out: Path, *args: str, config: Path = CONFIG) -> dict:
    prepare_main(["--config", str(config), "--input", str(SAMPLE), "--output_dir", str(out), *args])
    return json.loads((out / "stats.json").read_text())


def outputs(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out / "train.parquet"), pd.read_parquet(out / "val.parquet")


def expected(**changes) -> dict:
    return {r: changes.get(r, DROPPED.get(r, 0)) for r in REASONS}


def test_every_row_is_written_or_counted_under_its_reason(tmp_path):
    stats = run(tmp_path / "out", "--val_size", "2")
    assert stats["rejected"] == expected()
    assert (stats["input_rows"], stats["train_rows"], stats["val_rows"]) == (19, 6, 2)
    assert stats["per_source"] == {"deepscaler": {"input": 19, "train": 6, "val": 2, "rejected": 11}}
    assert stats["decontamination"]["removed_by_eval_set"] == {
        "math500": 0, "aime24": 1, "amc23": 0, "minerva": 0, "olympiadbench": 0, "gsm8k": 0}
    train, val = outputs(tmp_path / "out")
    written = pd.concat([train, val])
    assert len(written) == 8 and written["id"].is_unique and set(written["source"]) == {"deepscaler"}
    assert not written["problem"].str.contains("Aya goes for a").any()  # the contaminated row


def test_the_gold_is_the_answer_column(tmp_path):
    run(tmp_path / "out", "--val_size", "2")
    written = pd.concat(outputs(tmp_path / "out")).set_index("problem")
    answers = {r["problem"].strip(): r.get("answer") for r in ROWS}
    assert all(written.loc[p, "answer"] == answers[p] for p in written.index)
    # boxes that say the same thing in other words: the answer column is kept, not the box
    coin = written.loc[ROWS[1]["problem"]]
    assert "\\boxed{\\dfrac{3}{8}}" in coin.solution and coin.answer == "\\frac{3}{8}"
    assert written.loc[ROWS[2]["problem"], "answer"] == "11"  # boxed as 011
    unboxed = written.loc[ROWS[3]["problem"]]  # a solution without a box is kept, as written
    assert unboxed.sft_target == f"{ROWS[3]['solution']} </think> <answer> 7 </answer>"
    for row in written.itertuples():
        assert "\\boxed" not in row.sft_target and row.sft_target.endswith(f"<answer> {row.answer} </answer>")
        assert r1_zero_reward_fn(row.sft_target, row.answer)["reward"] == 1.0


def test_without_decontamination_the_benchmark_row_is_kept(tmp_path):
    stats = run(tmp_path / "out", "--val_size", "2", "--dataset", "deepscaler", config=PLAIN_CONFIG)
    assert stats["rejected"] == expected(contaminated=0) and stats["train_rows"] + stats["val_rows"] == 9


def test_max_train_samples_caps_only_the_train_split(tmp_path):
    full = run(tmp_path / "full", "--val_size", "2")
    capped = run(tmp_path / "capped", "--val_size", "2", "--max_train_samples", "4")
    assert capped["rejected"] == expected(max_train_samples=2)
    assert (capped["train_rows"], capped["val_rows"]) == (4, 2)
    (train, val), (capped_train, capped_val) = outputs(tmp_path / "full"), outputs(tmp_path / "capped")
    assert capped_train["id"].tolist() == train["id"].tolist()[:4]  # the first rows of the same shuffle
    assert capped_val["id"].tolist() == val["id"].tolist()
    assert capped["lengths"]["train"]["problem_chars"]["count"] == 4
    loose = run(tmp_path / "loose", "--val_size", "2", "--max_train_samples", "6")  # exactly what there is
    assert loose["rejected"] == full["rejected"] and loose["train_rows"] == 6


def test_jsonl_and_parquet_in_the_hub_shape_give_the_same_rows(tmp_path):
    jsonl = tmp_path / "deepscaler.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    parquet = tmp_path / "deepscaler.parquet"
    pd.DataFrame(ROWS).to_parquet(parquet)
    reference = run(tmp_path / "json", "--val_size", "2")
    for path in (jsonl, parquet):
        stats = run(tmp_path / path.suffix[1:], "--val_size", "2", "--input", str(path))
        assert stats["rejected"] == reference["rejected"], path
        for a, b in zip(outputs(tmp_path / "json"), outputs(tmp_path / path.suffix[1:]), strict=True):
            assert a.equals(b), path


def test_a_field_of_the_wrong_type_is_malformed(tmp_path):
    path = tmp_path / "typed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*ROWS[:8], {**ROWS[0], "answer": 1}]))
    stats = run(tmp_path / "out", "--val_size", "2", "--input", str(path), "--dataset", "deepscaler",
                config=PLAIN_CONFIG)
    assert stats["rejected"]["malformed"] == 1 and stats["train_rows"] + stats["val_rows"] == 8


def test_the_hub_id_is_read_from_the_hub(tmp_path, monkeypatch):
    import datasets

    calls = []

    def fake_load_dataset(path, name=None, split=None):
        calls.append((path, name, split))
        return datasets.Dataset.from_list([{c: r.get(c) for c in deepscaler.REQUIRED_COLUMNS} for r in ROWS])

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    prepare_main(["--config", str(CONFIG), "--output_dir", str(tmp_path / "out"), "--val_size", "2"])
    assert calls == [("agentica-org/DeepScaleR-Preview-Dataset", None, "train")]
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["rejected"] == expected()


def test_offline_hub_id_is_one_line_error(tmp_path):
    with pytest.raises(UserError, match="cannot load input 'agentica-org/DeepScaleR-Preview-Dataset'") as err:
        prepare_main(["--config", str(CONFIG), "--output_dir", str(tmp_path / "out")])
    assert "\n" not in str(err.value) and not (tmp_path / "out").exists()


@pytest.mark.parametrize("solution, status", [
    ("So it is $\\boxed{0.375}$.", "ok"),              # equal by value
    ("So it is $\\boxed{\\frac{3}{8}}$, or $\\boxed{3}$.", "answer_mismatch"),  # the last box counts
    ("So it is $\\boxed{\\frac{5}{8}}$.", "answer_mismatch"),
    ("So it is $\\boxed{ }$.", "empty_box"),
    ("   \n", "no_solution"),
])
def test_extract_checks_the_last_box_against_the_answer(solution, status):
    row = {"problem": "What is $3/8$ as a fraction?", "answer": "\\frac{3}{8}", "solution": solution}
    ex = deepscaler.extract(row)
    assert (ex.status, ex.answer, ex.source) == (status, "\\frac{3}{8}", "deepscaler")


def test_extract_refuses_rows_without_a_problem_or_with_non_text_fields():
    good = {"problem": "What is 2 + 2?", "answer": "4", "solution": "$\\boxed{4}$"}
    assert deepscaler.extract(good).status == "ok"
    for bad in ({**good, "problem": "  "}, {**good, "answer": 4}, {**good, "solution": ["4"]}):
        assert deepscaler.extract(bad) is None
    for no_gold in (None, " ", "####"):  # "####" would leave the reward no gold to compare with
        assert deepscaler.extract({**good, "answer": no_gold}).status == "no_box"
