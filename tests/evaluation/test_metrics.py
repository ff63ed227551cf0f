"""r1zero.evaluation.metrics, r1zero.evaluation.records, r1zero.evaluation.report: buckets, pass@k / maj@k / mean@n, the summary, graded
records, printing and W&B tables."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r1zero.core.prompts import build_response
from r1zero.evaluation.metrics import (
    bucket_summary,
    build_summary,
    categorize,
    check_summary,
    default_k_values,
    majority_correct,
    pass_at_k,
    sampling_metrics,
    summary_by_source,
)
from r1zero.evaluation.records import grade_records
from r1zero.evaluation.report import flat_metrics, format_summary


def rec(pid, cat, *, source="s", answer=None, j=0, tokens=10, finish="stop"):
    fmt = 0.0 if cat == "format_failure" else 1.0
    return {"id": pid, "source": source, "sample_index": j, "category": cat, "format_reward": fmt,
            "answer_reward": 1.0 if cat == "correct" else 0.0, "extracted_answer": answer,
            "completion_tokens": tokens, "finish_reason": finish, "truncated": finish == "length",
            "grader_timeout": False}


@pytest.mark.parametrize("n,c,k,expected", [
    (4, 1, 2, 1 - 3 / 6),          # 1 - C(3,2)/C(4,2)
    (4, 2, 2, 1 - 1 / 6),          # 1 - C(2,2)/C(4,2)
    (10, 3, 1, 0.3),
    (10, 3, 5, 1 - 21 / 252),      # 1 - C(7,5)/C(10,5)
    (5, 0, 3, 0.0),
    (4, 4, 1, 1.0),
    (8, 6, 4, 1.0),                # fewer than k wrong samples: always a correct one among k
])
def test_pass_at_k_hand_values(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


@given(st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_matches_binomial_formula(nck):
    n, c, k = nck
    assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-9)


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(4, 5, 1)
    with pytest.raises(ValueError):
        pass_at_k(4, 1, 5)


def test_default_k_values():
    assert default_k_values(1) == [1]
    assert default_k_values(4) == [1, 2, 4]
    assert default_k_values(6) == [1, 2, 4, 6]


def test_majority_vote_counts_answers_not_samples():
    samples = [rec("p", "wrong_answer", answer="3"), rec("p", "correct", answer="4", j=1),
               rec("p", "correct", answer=" 4 ", j=2), rec("p", "format_failure", answer="3", j=3)]
    assert majority_correct(samples, 4) is True       # "4" twice beats "3" once (format failures do not vote)
    assert majority_correct(samples, 1) is False      # only the first sample votes
    assert majority_correct(samples, 2) is False      # 1-1 tie goes to the answer seen first ("3")
    assert majority_correct([rec("p", "format_failure")], 1) is False


def test_sampling_metrics_hand_computed():
    # p1: 1 of 4 correct; p2: 4 of 4 correct; p3: 0 of 4 (all format failures)
    recs = ([rec("p1", "correct", answer="1")] + [rec("p1", "wrong_answer", answer="2", j=j) for j in (1, 2, 3)]
            + [rec("p2", "correct", answer="7", j=j) for j in range(4)]
            + [rec("p3", "format_failure", j=j) for j in range(4)])
    m = sampling_metrics(recs)
    assert set(m) == {"pass@1", "pass@2", "pass@4", "maj@1", "maj@2", "maj@4", "mean@4"}
    assert m["pass@1"] == pytest.approx((0.25 + 1 + 0) / 3)
    assert m["pass@2"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert m["pass@4"] == pytest.approx(2 / 3)
    assert m["maj@1"] == pytest.approx(2 / 3)       # p1's first sample is the correct one
    assert m["maj@4"] == pytest.approx(1 / 3)       # p1: "2" wins 3-1
    assert m["mean@4"] == pytest.approx((0.25 + 1 + 0) / 3)
    assert sampling_metrics(recs[:1]) == {}         # one sample per problem: nothing to add


def test_build_summary_consistent_and_by_source():
    recs = [rec("a", "correct", source="x"), rec("b", "wrong_answer", source="x"),
            rec("c", "format_failure", source="y", finish="length", tokens=48), rec("d", "correct", source="y")]
    s = build_summary(recs, extra={"checkpoint": "c1"})
    check_summary(s)
    assert s["total"] == 4 and s["counts"] == {"correct": 2, "wrong_answer": 1, "format_failure": 1}
    assert s["accuracy"] == 0.5 and s["format_accuracy"] == 0.75
    assert s["truncated"] == 1 and s["truncation_rate"] == 0.25
    assert s["completion_tokens"]["max"] == 48 and s["completion_tokens"]["total"] == 78
    assert s["by_source"]["x"]["accuracy"] == 0.5 and s["by_source"]["y"]["truncated"] == 1
    assert s["checkpoint"] == "c1" and s["samples_per_problem"] == 1
    # the old helpers keep their behaviour
    assert summary_by_source(recs)["x"] == bucket_summary(["correct", "wrong_answer"])
    assert categorize(0, 1) == "format_failure"


def test_check_summary_catches_inconsistency():
    s = build_summary([rec("a", "correct"), rec("b", "wrong_answer")])
    s["counts"]["correct"] += 1
    with pytest.raises(AssertionError):
        check_summary(s)


def test_format_summary_and_flat_metrics():
    recs = [rec("a", "correct", answer="1"), rec("a", "wrong_answer", answer="2", j=1),
            rec("b", "format_failure", source="t"), rec("b", "format_failure", source="t", j=1)]
    s = build_summary(recs)
    text = format_summary(s)
    assert "accuracy" in text and "25.00%" in text and "pass@2" in text and "\nt " in text
    flat = flat_metrics(s, prefix="ev")
    assert flat["ev/accuracy"] == 0.25 and flat["ev/pass@2"] == 0.5 and flat["ev/by_source/t/accuracy"] == 0.0


def test_grade_records_with_the_real_grader():
    rows = [
        {"id": "1", "source": "s", "prompt": "p", "gold": "5", "finish_reason": "stop", "completion_tokens": 9,
         "completion": build_response("2 + 3 = 5", "5")},
        {"id": "2", "source": "s", "prompt": "p", "answer": "6", "truncated": False,  # step3's field names
         "completion": build_response("2 + 3 = 5", "5")},
        {"id": "3", "source": "s", "prompt": "p", "gold": "5", "finish_reason": "length",
         "completion": "2 + 3 = 5 and then"},
    ]
    records = grade_records(rows, workers=1)
    summary = build_summary(records)
    assert [r["category"] for r in records] == ["correct", "wrong_answer", "format_failure"]
    assert records[0]["extracted_answer"] == "5" and records[1]["gold"] == "6"
    assert [r["truncated"] for r in records] == [False, False, True]
    assert summary["counts"] == {"correct": 1, "wrong_answer": 1, "format_failure": 1}
    assert grade_records(rows[:1], workers=1)[0]["reward"] == 1.0


def test_wandb_tables_build_without_a_run():
    pytest.importorskip("wandb")
    from r1zero.evaluation.report import log_to_wandb, samples_table, sources_table

    recs = [rec("a", "correct", source="x"), rec("b", "format_failure", source="y")]
    s = build_summary(recs)
    table = samples_table(recs, max_rows=1)
    assert len(table.data) == 1 and "completion" in table.columns
    src = sources_table(s)
    assert [row[0] for row in src.data] == ["x", "y", "all"]
    log_to_wandb(s, recs)  # no active run: a no-op, not an error


def test_the_reward_hacking_monitor_in_records_summary_report_and_wandb_metrics():
    answers = ["5", "5 or maybe 7", "\\boxed{4} \\boxed{5}", "43 = 5", "x > 4", "\\pm 5"]
    rows = [{"id": str(i), "source": "s" if i < 3 else "t", "prompt": "p", "gold": "5",
             "completion": build_response("work", a)} for i, a in enumerate(answers)]
    records = grade_records(rows, workers=1)
    assert [r["several_answers"] for r in records] == [False, True, True, False, False, True]
    assert [r["relation_answer"] for r in records] == [False, False, False, True, True, False]
    assert [r["cover_all_answer"] for r in records] == [False, False, False, False, True, True]
    assert [r["answer_reward"] for r in records] == [1.0] + [0.0] * 5
    summary = build_summary(records)
    monitor = summary["answer_monitor"]
    assert monitor["several_answers"] == pytest.approx(3 / 6) and monitor["relation_answer"] == pytest.approx(2 / 6)
    assert monitor["cover_all_answer"] == pytest.approx(2 / 6)
    assert monitor["answer_chars"]["max"] == len(" \\boxed{4} \\boxed{5} ")
    assert summary["by_source"]["t"]["answer_monitor"]["relation_answer"] == pytest.approx(2 / 3)
    text = format_summary(summary)
    assert "several answers" in text and "50.00%" in text and "relation as answer" in text
    flat = flat_metrics(summary)
    assert flat["eval/monitor/several_answers"] == pytest.approx(0.5) and "eval/monitor/answer_chars_mean" in flat
