"""The code reward against programs written to game it: every program of tests/data/code_reward_hacks.jsonl
(built by tests/data/make_code_reward_hacks.py), hostile and honest, gets the reward the corpus says, through
``grade_code_many`` and through the TRL reward functions GRPO calls."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from r1zero.core.prompts import build_response
from r1zero.sandbox.code_grader import grade_code_many
from r1zero.sandbox.execute import Limits
from step3_GRPO.train import rewards_code

DATA = Path(__file__).resolve().parents[1] / "data"
ROWS = [json.loads(line) for line in (DATA / "code_reward_hacks.jsonl").read_text().splitlines()]
COMPLETIONS = [build_response("I write the function.", f"```python\n{r['program']}\n```") for r in ROWS]


@pytest.fixture(scope="module")
def graded() -> list[dict]:
    return grade_code_many(COMPLETIONS, [r["tests"] for r in ROWS], setups=[r["setup"] for r in ROWS], workers=2)


def test_the_corpus_is_current_and_covers_the_attacks():
    check = [sys.executable, "-m", "tests.data.make_code_reward_hacks", "--check"]
    assert subprocess.run(check, cwd=DATA.parents[1], capture_output=True).returncode == 0
    hostile = [r for r in ROWS if r["category"] == "hostile"]
    assert len(hostile) >= 30 and len(ROWS) - len(hostile) >= 10
    assert sum(r["fooled_old_harness"] for r in hostile) >= 30  # each was written to pass if its attack worked
    assert sum(r["fooled_first_verdict"] for r in hostile) >= 10  # the red team's, against verdicts outside
    assert len({r["id"] for r in ROWS}) == len(ROWS)


def test_every_program_gets_its_reward(graded):
    wrong = {r["id"]: (g["status"], round(g["pass_fraction"], 3), g["error"]) for r, g in zip(ROWS, graded, strict=True)
             if (g["status"], round(g["pass_fraction"], 6), round(g["reward"], 6))
             != (r["status"], r["pass_fraction"], r["pass_fraction"])}
    assert wrong == {}
    assert all(g["format_reward"] == 1.0 for g in graded)


def test_trl_rewards_follow_the_corpus():
    kwargs = {"prompts": ["p"] * len(ROWS), "completions": COMPLETIONS, "answer": ["ref"] * len(ROWS),
              "tests": [r["tests"] for r in ROWS], "test_setup": [r["setup"] for r in ROWS]}
    funcs = rewards_code.code_rewards(Limits(), workers=2)
    assert funcs["code_tests"](**kwargs) == pytest.approx([r["pass_fraction"] for r in ROWS], abs=1e-6)
    assert funcs["code_tests_strict"](**kwargs) == [float(r["status"] == "passed") for r in ROWS]
