"""TRL reward functions: factories, registry, presets, both completion shapes, GRAIL components and batching."""

import pytest

from r1zero.core.errors import UserError
from r1zero.testing.rewards import digit_count
from step3_GRPO.train import rewards_math
from step3_GRPO.train.registry import PRESETS, available, reward_funcs
from step3_GRPO.train.rewards_math import MONITOR, math_rewards

GOOD = "Add them: 2 + 3 = 5. </think> <answer> 5 </answer>"
OTHER_FORM = "Half of ten. </think> <answer> \\frac{10}{2} </answer>"
WRONG = "Guess. </think> <answer> 6 </answer>"
NO_FORMAT = "The answer is 5"
TRAILING = "Add. </think> <answer> 5 </answer>" + "x" * 100
WORDY = "Add. </think> <answer> 5 apples </answer>"


FUNCS = available()


def call(name, completions, answers):
    return FUNCS[name](prompts=["p"] * len(completions), completions=completions, answer=answers)


def test_names_match_registry_keys_and_aliases_exist():
    for name, fn in FUNCS.items():
        assert fn.__name__ == name
    assert {"r1_zero", "r1_zero_format", "r1_zero_answer", "code_tests"} <= set(FUNCS)
    assert FUNCS["r1_zero_format"](["p"], [GOOD], ["5"]) == [1.0]  # TRL may pass the columns by position
    assert FUNCS["r1_zero_answer"](["p"], [WRONG], ["5"]) == [0.0]
    assert rewards_math.r1_zero_reward.__name__ == "r1_zero"  # TRL's own script loads it by dotted path


def test_r1_zero_rewards_on_strings_and_conversations():
    completions = [GOOD, OTHER_FORM, WRONG, NO_FORMAT]
    answers = ["5"] * 4
    assert call("r1_zero_format", completions, answers) == [1.0, 1.0, 1.0, 0.0]
    assert call("r1_zero_answer", completions, answers) == [1.0, 1.0, 0.0, 0.0]
    assert call("r1_zero", completions, answers) == [1.0, 1.0, 0.0, 0.0]
    conversational = [[{"role": "assistant", "content": c}] for c in completions]
    assert call("r1_zero", conversational, answers) == [1.0, 1.0, 0.0, 0.0]
    parts = [[{"role": "assistant", "content": [{"type": "text", "text": GOOD}]}]]
    assert call("r1_zero", parts, ["5"]) == [1.0]


def test_answers_may_be_numbers_or_lists():
    assert call("r1_zero_answer", [GOOD, GOOD], [5, ["4", "5"]]) == [1.0, 1.0]


def test_grail_components():
    completions = [GOOD, TRAILING, WORDY, NO_FORMAT]
    answers = ["5"] * 4
    assert call("grail_correctness", completions, answers) == [1.0, 1.0, 1.0, 0.0]
    assert call("grail_gsm8k_strict_format", completions, answers) == [1.0, 0.0, 0.0, 0.0]
    assert call("grail_thinking", completions, answers) == [1.0, 1.0, 1.0, 0.0]
    assert call("grail_answer_tags", completions, answers) == [1.0, 1.0, 1.0, 0.0]
    assert call("grail_no_trailing", completions, answers) == [1.0, 0.5, 1.0, 0.0]
    assert call("grail_math_answer_format", completions, answers) == [1.0, 0.0, 1.0, 0.0]
    assert call("grail_thinking", [" </think> <answer> 5 </answer>"], ["5"]) == [0.0]  # empty reasoning


MONITOR_WEIGHTS = {name: 0.0 for name in MONITOR}  # added at weight 0 to every math reward set


def test_presets_expand_with_their_weights():
    funcs, weights = reward_funcs(["grail_gsm8k"])
    assert [f.__name__ for f in funcs] == [*PRESETS["grail_gsm8k"], *MONITOR_WEIGHTS]
    assert weights == [0.6, 0.15, 0.1, 0.1, 0.05, 0.0, 0.0, 0.0, 0.0]
    funcs, weights = reward_funcs(["grail_math"])
    assert dict(zip([f.__name__ for f in funcs], weights, strict=True)) == {
        "grail_correctness": 0.7, "grail_math_answer_format": 0.15, "grail_thinking": 0.1, "grail_no_trailing": 0.05,
        **MONITOR_WEIGHTS,
    }
    funcs, weights = reward_funcs("r1_zero")
    assert funcs[0].__name__ == "r1_zero" and weights[0] == 1.0 and sum(weights) == 1.0


def test_names_and_weight_overrides():
    funcs, weights = reward_funcs(["r1_zero_format", "r1_zero_answer"], [0.2, 0.8])
    assert [f.__name__ for f in funcs] == ["r1_zero_format", "r1_zero_answer", *MONITOR_WEIGHTS]
    assert weights == [0.2, 0.8, 0.0, 0.0, 0.0, 0.0]
    assert reward_funcs(["grail_thinking"])[1] == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_the_monitor_logs_what_each_completion_states():
    completions = [GOOD, " x </think> <answer> 5 or maybe 7 </answer>", " x </think> <answer> 43 = 5 </answer>",
                   " x </think> <answer> x > 4 </answer>", "no answer"]
    answers = ["5"] * 5
    assert call("monitor_several_answers", completions, answers) == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert call("monitor_relation_answer", completions, answers) == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert call("monitor_cover_all_answer", completions, answers) == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert call("monitor_answer_chars", completions, answers)[1:] == [len(" 5 or maybe 7 "), len(" 43 = 5 "), len(" x > 4 "), 0]
    assert call("r1_zero_answer", completions, answers)[:4] == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "names, weights, message",
    [
        (["nope"], None, "unknown reward name"),
        (["r1_zero_format", "grail_math"], None, "preset must be the only name"),
        (["r1_zero_format", "r1_zero_answer"], [1.0], "2 reward function"),
        (["grail_gsm8k"], [1.0, 2.0], "5 reward function"),
        ([], None, "no reward functions"),
    ],
)
def test_user_errors(names, weights, message):
    with pytest.raises(UserError, match=message):
        reward_funcs(names, weights)


def test_components_of_one_step_share_one_grade_many_call(monkeypatch):
    calls = []
    real = rewards_math.grade_many

    def counting(responses, golds, **kwargs):
        calls.append(len(responses))
        return real(responses, golds, **kwargs)

    monkeypatch.setattr(rewards_math, "grade_many", counting)
    completions, answers = [GOOD, WRONG, OTHER_FORM, GOOD] * 2, ["5"] * 8
    for fn in reward_funcs(["r1_zero"])[0]:
        fn(prompts=None, completions=completions, answer=answers)
    assert calls == [8]  # one batched call for the whole group, shared by the components and the monitor
    call("r1_zero", [WRONG], ["5"])
    assert calls == [8, 1]
    math_rewards()["r1_zero"](prompts=None, completions=completions, answer=answers)
    assert calls == [8, 1, 8]  # another set of rewards has its own cache: no state shared through the module


def test_callers_add_rewards_by_passing_them_in():
    funcs, weights = reward_funcs(["digit_count", "r1_zero_format"], [1, 0], extra=[digit_count])
    assert funcs[0] is digit_count and [f.__name__ for f in funcs[:2]] == ["digit_count", "r1_zero_format"]
    assert weights == [1.0, 0.0, *MONITOR_WEIGHTS.values()]
    with pytest.raises(UserError, match="unknown reward name"):  # only where it was passed in
        reward_funcs(["digit_count"])
    hiding = rewards_math.math_rewards()["r1_zero_answer"]
    with pytest.raises(ValueError, match="r1_zero_answer would hide a built-in"):
        reward_funcs(["r1_zero_answer"], extra=[hiding])


def test_missing_answer_column_is_a_user_error():
    with pytest.raises(UserError, match="answer"):
        FUNCS["r1_zero"](prompts=["p"], completions=[GOOD])
