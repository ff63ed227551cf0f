"""Unit tests for step1_data's pieces: answer extraction, filters, dedupe, n-grams, split, synthetic rows."""

import operator

import pytest

from r1zero.core.errors import UserError
from step1_data.answers import last_boxed, split_gsm8k, unwrap_boxes
from step1_data.decontaminate import is_contaminated, ngrams, parse_spec
from step1_data.dedupe import first_occurrences, problem_key
from step1_data.filters import is_multiple_choice, is_proof
from step1_data.split import allocate, stratified_split
from step1_data.synthetic import generate, make_row


@pytest.mark.parametrize("text, expected", [
    (r"so $\boxed{\frac{\sqrt{3}}{2}}$.", ("ok", r"\frac{\sqrt{3}}{2}")),
    (r"first \boxed{4} then \boxed{ 16 }", ("ok", "16")),
    (r"\boxed{1} and finally \fbox{7}", ("ok", "7")),
    (r"the answer is $\boxed 5$.", ("ok", "5")),
    (r"no box here, answer 3", ("no_box", "")),
    (r"oops $\boxed{}$", ("empty_box", "")),
    (r"oops $\boxed{  }$", ("empty_box", "")),
    (r"broken $\boxed{\frac{1}{2}$", ("unbalanced_box", "")),
])
def test_last_boxed(text, expected):
    assert last_boxed(text) == expected


def test_unwrap_boxes_keeps_text_and_contents():
    assert unwrap_boxes(r"so $\boxed{\frac{1}{2}}$ and \fbox{3}.") == r"so $\frac{1}{2}$ and 3."
    assert unwrap_boxes("plain") == "plain"


def test_split_gsm8k_strips_calculator_and_commas():
    reasoning, gold = split_gsm8k("He buys 2*500=<<2*500=1000>>1000 bolts.\n#### 1,000")
    assert (reasoning, gold) == ("He buys 2*500=1000 bolts.", "1000")
    assert split_gsm8k("no marker")[1] is None


def test_proof_and_multiple_choice_detection():
    assert is_proof("Prove that 2 is prime.", "trivial", has_box=False)
    assert is_proof("Let n be odd.", r"hence the claim. $\blacksquare$", has_box=False)
    assert is_proof("Let n be odd.", "hence the claim. ∎", has_box=False)
    assert not is_proof("Let n be odd. Find n mod 2.", r"so $\boxed{1}$", has_box=True)
    assert is_multiple_choice(r"Pick: $\textbf{(A)}\ 1 \qquad \textbf{(B)}\ 2$", "2")
    assert is_multiple_choice("Which is prime?", "C")
    assert is_multiple_choice("Which?", r"\textbf{(B)}")
    assert not is_multiple_choice("What is 2+3?", "5")
    assert not is_multiple_choice("Find the point.", r"(1, 2)")


def test_problem_key_normalizes_case_dollars_space():
    assert problem_key("What is  $2 + 3$?") == problem_key("what is 2 + 3?")
    assert problem_key("What is 2 + 3?") != problem_key("What is 2 + 4?")
    assert first_occurrences(["a", "b", "a", "c", "b"]).tolist() == [True, True, False, True, False]


def test_ngrams_and_contamination():
    eval_text = "Find the number of ordered pairs of integers x and y such that x plus y equals ten"
    grams = ngrams(eval_text, 8)
    assert len(grams) == len(eval_text.split()) - 8 + 1
    leaked = "Hint: find the NUMBER of ordered pairs of integers, x and y, with a twist"
    assert is_contaminated(leaked, dict.fromkeys(grams, 1), 8)
    assert not is_contaminated("Find the number of ways to colour a cube", dict.fromkeys(grams, 1), 8)
    assert ngrams("What is 2+3?", 8) == {"what is 2 3"}  # short texts are one gram
    assert parse_spec("openai/gsm8k:main@test") == ("openai/gsm8k", "main", "test")
    assert parse_spec("HuggingFaceH4/MATH-500") == ("HuggingFaceH4/MATH-500", None, "test")
    assert parse_spec("./data/aime.jsonl@train") == ("./data/aime.jsonl", None, "train")


def test_allocate_is_proportional_and_exact():
    alloc = allocate({"a": 700, "b": 200, "c": 100}, 100)
    assert alloc == {"a": 70, "b": 20, "c": 10}
    alloc = allocate({"a": 1, "b": 1, "c": 1}, 2)
    assert sum(alloc.values()) == 2


def test_stratified_split_deterministic_disjoint_stratified():
    sources = ["a"] * 600 + ["b"] * 300 + ["c"] * 100
    train, val = stratified_split(sources, 100, seed=3)
    train2, val2 = stratified_split(sources, 100, seed=3)
    assert train.tolist() == train2.tolist() and val.tolist() == val2.tolist()
    assert len(val) == 100 and len(train) == 900
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(1000))
    assert [sum(sources[i] == s for i in val) for s in "abc"] == [60, 30, 10]
    _, val3 = stratified_split(sources, 100, seed=4)
    assert val3.tolist() != val.tolist()
    with pytest.raises(UserError, match="leaves no training rows"):
        stratified_split(["a"] * 10, 10, seed=0)


def test_synthetic_rows_are_correct_unique_and_seeded():
    rows = generate(200, seed=5, max_operand=20, ops="+,-,*")
    assert rows == generate(200, seed=5, max_operand=20, ops="+,-,*")
    assert len({r["problem"] for r in rows}) == 200
    for r in rows:
        a, op, b = r["problem"].removeprefix("What is ").removesuffix("?").split()
        value = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op](int(a), int(b))
        assert value >= 0
        assert last_boxed(r["solution"]) == ("ok", str(value))
        assert r["messages"][1]["content"] == r["solution"]
    with pytest.raises(UserError):
        generate(10, ops="/")
    with pytest.raises(UserError):
        generate(100, max_operand=2, ops="+")  # only 9 distinct problems


def test_synthetic_slips_rework_a_share_of_solutions_with_the_other_operation_on_the_same_problems():
    true = generate(400, seed=2, max_operand=9, ops="+,-", word_problems=True)
    slipped = generate(400, seed=2, max_operand=9, ops="+,-", word_problems=True, slip_rate=0.5)
    assert [r["problem"] for r in slipped] == [r["problem"] for r in true]
    changed = 0
    for t, s in zip(true, slipped, strict=True):
        if s == t:
            continue
        changed += 1
        a, op, b = t["solution"].split(" = ")[0].split()
        assert s["solution"].split(" = ")[0] == f"{a} {'-' if op == '+' else '+'} {b}"
        assert last_boxed(s["solution"])[1] == str(int(a) - int(b) if op == "+" else int(a) + int(b))
        assert s["messages"][1]["content"] == s["solution"]
    assert 160 <= changed <= 240  # about half of 400
    # the plain path and "*" too: every solution slips to + (or -), on the same problems
    plain, all_slipped = generate(60, seed=2, max_operand=5), generate(60, seed=2, max_operand=5, slip_rate=1.0)
    assert [r["problem"] for r in all_slipped] == [r["problem"] for r in plain]
    for t, s in zip(plain, all_slipped, strict=True):
        a, op, b = t["problem"].removeprefix("What is ").removesuffix("?").split()
        worked = {"+": "-", "-": "+", "*": "+"}[op]
        assert s["solution"].startswith(f"{a} {worked} {b} = ")
    # a slip over b = 0 keeps the answer: the solution is still the other operation's
    zero = make_row(5, "+", 0, slip=True)
    assert zero["solution"] == "5 - 0 = \\boxed{5}."
    with pytest.raises(UserError, match="slip_rate"):
        generate(10, slip_rate=1.5)


def test_write_split_keeps_requested_order_across_files_and_buckets(tmp_path):
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from step1_data.pipeline import OUTPUT_COLUMNS, prompt_parts
    from step1_data.writer import write_split

    stored = [c for c in OUTPUT_COLUMNS if c != "prompt"]
    files, n = [], 0
    for k, rows in enumerate((45, 58)):  # two "shard" files of small batches, like map(num_proc=2)
        table = pa.table({c: [f"{c}{n + i}" for i in range(rows)] for c in stored})
        files.append(str(tmp_path / f"shard{k}.arrow"))
        with open(files[-1], "wb") as fh, pa.ipc.new_stream(fh, table.schema) as w:
            for batch in table.to_batches(max_chunksize=10):
                w.write_batch(batch)
        n += rows
    idx = np.random.default_rng(0).permutation(n)[:77]
    write_split(files, n, idx, tmp_path / "out.parquet", chunk_rows=9)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out["id"].tolist() == [f"id{i}" for i in idx]
    assert (out["solution"].str[8:] == out["id"].str[2:]).all()
    prefix, suffix = prompt_parts()
    assert out["prompt"].iloc[0] == prefix + out["problem"].iloc[0] + suffix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet", "shard0.arrow", "shard1.arrow"]


def test_synthetic_word_problems_are_distinct_stories_over_few_facts():
    rows = generate(300, seed=1, max_operand=9, ops="+,-", word_problems=True)
    assert rows == generate(300, seed=1, max_operand=9, ops="+,-", word_problems=True)
    assert len({r["problem"] for r in rows}) == 300
    facts = {r["solution"] for r in rows}
    assert len(facts) < 160  # at most 100 sums + 55 differences of single digits
    for r in rows:
        status, value = last_boxed(r["solution"])
        a, op, b = r["solution"].split(" = ")[0].split()
        assert status == "ok" and int(value) == (int(a) + int(b) if op == "+" else int(a) - int(b)) >= 0
        assert a in r["problem"] and b in r["problem"]
