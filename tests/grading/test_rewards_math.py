"""TRL reward functions: registry, presets, both completion shapes, GRAIL components and batching."""

import pytest

from r1zero.core.errors import UserError
from step3_GRPO.train import rewards_math
from step3_GRPO.train.rewards_math import (
    MONITOR_FUNCS,
    REWARD_FUNCS,
    REWARD_PRESETS,
    r1_zero_answer_reward,
    r1_zero_format_reward,
    resolve_rewards,
)

GOOD = "Add them: 2 + 3 = 5. </think> <answer> 5 </answer>"
OTHER_FORM = "Half of ten. </think> <answer> \\frac{10}{2} </answer>"
WRONG = "Guess. </think> <answer> 6 </answer>"
NO_FORMAT = "The answer is 5"
TRAILING = "Add. </think> <answer> 5 </answer>" + "x" * 100
WORDY = "Add. </think> <answer> 5 apples </answer>"


def call(name, completions, answers):
    return REWARD_FUNCS[name](prompts=["p"] * len(completions), completions=completions, answer=answers)


def test_names_match_registry_keys_and_aliases_exist():
    for name, fn in REWARD_FUNCS.items():
        assert fn.__name__ == name
    assert {"r1_zero", "r1_zero_format", "r1_zero_answer"} <= set(REWARD_FUNCS)
    assert r1_zero_format_reward(["p"], [GOOD], ["5"]) == [1.0]
    assert r1_zero_answer_reward(["p"], [WRONG], ["5"]) == [0.0]


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


MONITOR = {name: 0.0 for name in MONITOR_FUNCS}  # added at weight 0 to every math reward set


def test_presets_expand_with_their_weights():
    funcs, weights = resolve_rewards(["grail_gsm8k"])
    assert [f.__name__ for f in funcs] == [*REWARD_PRESETS["grail_gsm8k"], *MONITOR]
    assert weights == [0.6, 0.15, 0.1, 0.1, 0.05, 0.0, 0.0, 0.0, 0.0]
    funcs, weights = resolve_rewards(["grail_math"])
    assert dict(zip([f.__name__ for f in funcs], weights, strict=True)) == {
        "grail_correctness": 0.7, "grail_math_answer_format": 0.15, "grail_thinking": 0.1, "grail_no_trailing": 0.05,
        **MONITOR,
    }
    funcs, weights = resolve_rewards("r1_zero")
    assert funcs[0].__name__ == "r1_zero" and weights[0] == 1.0 and sum(weights) == 1.0


def test_names_and_weight_overrides():
    funcs, weights = resolve_rewards(["r1_zero_format", "r1_zero_answer"], [0.2, 0.8])
    assert [f.__name__ for f in funcs] == ["r1_zero_format", "r1_zero_answer", *MONITOR]
    assert weights == [0.2, 0.8, 0.0, 0.0, 0.0, 0.0]
    assert resolve_rewards(["grail_thinking"])[1] == [1.0, 0.0, 0.0, 0.0, 0.0]


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
        resolve_rewards(names, weights)


def test_components_of_one_step_share_one_grade_many_call(monkeypatch):
    calls = []
    real = rewards_math.grade_many

    def counting(responses, golds, **kwargs):
        calls.append(len(responses))
        return real(responses, golds, **kwargs)

    monkeypatch.setattr(rewards_math, "grade_many", counting)
    rewards_math._CACHE.clear()
    completions, answers = [GOOD, WRONG, OTHER_FORM, GOOD] * 2, ["5"] * 8
    for fn in resolve_rewards(["r1_zero"])[0]:
        fn(prompts=None, completions=completions, answer=answers)
    assert calls == [8]  # one batched call for the whole group, shared by the components and the monitor
    call("r1_zero", [WRONG], ["5"])
    assert calls == [8, 1]


def test_missing_answer_column_is_a_user_error():
    with pytest.raises(UserError, match="answer"):
        REWARD_FUNCS["r1_zero"](prompts=["p"], completions=[GOOD])
