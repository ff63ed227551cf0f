"""Fuzz: any model output grades without raising and within the time limit."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r1zero.grading import grader as grading
from r1zero.grading.grader import grade_many

TIMEOUT_S = 1.0
LIMIT_S = TIMEOUT_S + 0.5
GOLDS = ["5", "\\frac{1}{2}", "\\{1,2\\}", "(0,1]", "x^2+1", "\\sqrt{2}", "B", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"]
LATEX_BITS = ["\\frac{", "\\sqrt{", "{", "}", "^", "_", "\\boxed{", "\\left(", "\\right)", "\\{", "\\}", "(", ")", "[", "]",
              ",", "=", "9", "1", "0", ".", "x", "\\pi", "\\infty", "\\text{", "%", "$", "\\\\", "&", "-", " ", "\x00",
              "<answer>", "</answer>", "</think> <answer>", "\\begin{pmatrix}", "\\end{pmatrix}",
              # what the reading of an answer looks at: boxes, restatements, hedges, lists, arrows, digits
              "\\boxed", "\\fbox ", " i.e. ", " ie", " that is ", " or ", " and ", ";", "\n", "\\Rightarrow", "\\not=",
              "\\equiv", "\\approx", "\\pm", "４", "**", " not ", " at least ", "x =", "\\ldots"]
latexish = st.lists(st.sampled_from(LATEX_BITS), max_size=40).map("".join)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _grade(response: str, gold: str) -> dict:
    start = time.monotonic()
    result = grade_many([response], [gold], workers=1, timeout_s=TIMEOUT_S)[0]
    elapsed = time.monotonic() - start
    assert elapsed < LIMIT_S + 0.5, f"{elapsed:.2f} s for {response[:200]!r}"  # the per-answer limit plus slack
    assert result["format_reward"] in (0.0, 1.0) and result["answer_reward"] in (0.0, 1.0)
    assert isinstance(result["timeout"], bool)
    assert result["extracted_answer"] is None or isinstance(result["extracted_answer"], str)
    return result


def setup_module(module):
    grading.start_pool(1)  # only grading is timed, not the worker's start-up


@FUZZ
@given(text=st.text(), gold=st.sampled_from(GOLDS))
def test_any_text_as_the_whole_response(text, gold):
    _grade(text, gold)


@FUZZ
@given(answer=st.text(), gold=st.sampled_from(GOLDS))
def test_any_text_as_the_answer(answer, gold):
    _grade(f"r </think> <answer> {answer} </answer>", gold)


@FUZZ
@given(answer=latexish, gold=st.sampled_from(GOLDS))
def test_latex_fragments_as_the_answer(answer, gold):
    _grade(f"r </think> <answer> {answer} </answer>", gold)


@FUZZ
@given(answer=latexish, gold=latexish.filter(grading.gold_answers))  # a gold that reads as empty is a caller bug
def test_latex_fragments_on_both_sides(answer, gold):
    _grade(f"r </think> <answer> {answer} </answer>", gold)


golds = st.one_of(st.text(min_size=1, max_size=600), latexish, st.sampled_from(GOLDS)).filter(
    lambda g: g.strip() and not any(t in g for t in ("<", "boxed", "fbox", "####"))
)


@FUZZ
@given(gold=golds)
def test_every_gold_matches_itself(gold):
    # step3's preflight relies on this: a completion that states the gold is graded correct
    assert _grade(f"r </think> <answer> {gold} </answer>", gold)["answer_reward"] == 1.0
