"""A blind red team's finds against the chat answer rules (tests/data/reward_hacks_chat_redteam.jsonl).

Each row has a ``status``: ``fixed`` (the completion, cut at the template's stop strings as rollouts and evals
cut it, now scores ``expected``), ``refused`` (the reward set is refused for the template), ``no_crash`` (the
grader used to raise on it), or a documented rule or limit (docs/grader.md, "Known limits"; docs/chat.md),
kept for the next round."""

import json
from pathlib import Path

import pytest

from r1zero.core.errors import UserError
from r1zero.core.prompts import get_template
from r1zero.grading import grade_many
from step3_GRPO.train.registry import reward_funcs

ROWS = [json.loads(line) for line in
        (Path(__file__).resolve().parents[1] / "data" / "reward_hacks_chat_redteam.jsonl").read_text().splitlines()]
DOCUMENTED = {"limit", "rule", "trl_limit"}


def rows(status: str) -> list:
    return [pytest.param(r, id=f"{r['kind'][:1]}{i}") for i, r in enumerate(ROWS) if r["status"] == status]


def cut(text: str, template: str) -> str:
    """What a rollout or an eval keeps: the text up to the template's first stop string."""
    for stop in get_template(template).stop:
        at = text.find(stop)
        if at >= 0:
            text = text[:at + len(stop)]
    return text


@pytest.mark.parametrize("row", rows("fixed"))
def test_fixed_finds_score_what_they_state(row):
    template = row["template"]
    if row.get("reward"):  # a conversational completion through the reward function
        funcs, _ = reward_funcs([row["reward"]], template=template)
        got = funcs[0](prompts=[""], completions=[row["completion"]], answer=[row["gold"]])[0]
    else:
        got = grade_many([cut(row["completion"], template)], [row["gold"]], template=template)[0]["reward"]
    assert got == row["expected"], row["why_wrong"]


@pytest.mark.parametrize("row", rows("refused"))
def test_tag_rewards_are_refused_for_a_boxed_answer_rule(row):
    with pytest.raises(UserError, match="read the r1_zero tags"):
        reward_funcs([row["reward"]], template=row["template"])


@pytest.mark.parametrize("row", rows("no_crash"))
def test_deeply_nested_boxes_grade_without_crashing(row):
    completion = row["completion"]
    if isinstance(completion, str):
        assert grade_many([completion], [row["gold"]], template=row["template"])[0]["reward"] in (0.0, 1.0)
    else:
        funcs, _ = reward_funcs(["r1_zero"], template=row["template"])
        assert funcs[0](prompts=[""], completions=[completion], answer=[row["gold"]])[0] in (0.0, 1.0)


def test_every_find_is_fixed_refused_or_documented():
    statuses = {r["status"] for r in ROWS}
    assert statuses <= {"fixed", "refused", "no_crash"} | DOCUMENTED
    assert sum(r["status"] in DOCUMENTED for r in ROWS) == 37 and len(ROWS) == 68  # as docs/grader.md says
