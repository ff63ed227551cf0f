"""Build ``tests/data/code_reward_hacks.jsonl``: hostile and honest programs for the code reward.

The policy is optimised against the code reward (``r1zero.sandbox.code_grader``: the program in the answer, run
against the task's asserts in the sandbox), so the reward must hold against programs written to game it.
Each line is one program with its tests and the reward it must get::

    {"id": ..., "category": "hostile" | "honest", "program": ..., "tests": [...], "setup": "...",
     "pass_fraction": ..., "status": ..., "fooled_old_harness": true | false, "fooled_first_verdict": true | false,
     "why": ...}

``tests/sandbox/test_code_reward_hacks.py`` wraps each program in a well-formed r1_zero response (so ``reward`` =
``pass_fraction``) and runs the corpus through ``grade_code_many`` and the TRL reward functions.

Every hostile program computes a wrong answer (or none) and would pass if its attack worked: it patches the
harness or builtins, returns objects that lie about equality, reads the tests, forges the report, or leaves
early. ``fooled_old_harness`` records what the harness before issue 24 (verdicts decided inside the
program's interpreter, commit 671b508) gave it, measured once under bubblewrap; ``fooled_first_verdict``, what
the first design of verdicts outside the program (commit aed603f) gave it: passed, or hung the trainer (a red
team found those; the colliding-hash rows cost the trainer a second of CPU there, and did not pass). Both are
history, not re-checked. Honest programs (right, partly right, wrong, crashing) cover the test shapes the verdict must
keep exact: ``set(f(x)) == set(...)``, ``math.isclose``, ``not f(x)``, ``is None``, generators, ``Counter``
and ``namedtuple`` results, big ints, floats, bytes, a class the program defines used in the test, comparisons
over the program's items (``all(... for a, b in zip(f(x), [...]))``), an assigned comparison... and one shape
that is unsupported on purpose (an expected value the setup defines).

The programs live in ``tests/data/code_reward_hacks/``: hostile ones by attack, honest ones, what they share.

    .venv/bin/python -m tests.data.make_code_reward_hacks            # rewrite (from the repo root) the jsonl
    .venv/bin/python -m tests.data.make_code_reward_hacks --check    # exit 1 if the jsonl is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.data.code_reward_hacks import forging, patching, verdicts
from tests.data.code_reward_hacks.honest import HONEST

HERE = Path(__file__).resolve().parent

OUT = HERE / "code_reward_hacks.jsonl"

# hostile programs that get the test shown in the prompt right, and no other
SHOWN_ONLY = {"forge_report_new_format"}
# hostile programs that passed the first design of verdicts outside the program, or hung the trainer under it
FOOLED_FIRST_VERDICT = {"eq_in_comprehensions", "eq_in_zip_generator", "patched_isclose_in_generator",
                        "eq_in_lambdas_and_calls", "eq_in_test_statements", "patched_counter_expected",
                        "patched_stdlib_expected", "reads_setup_expected", "ordered_dict_order", "range_of_10_18"}
# hostile programs that end without a usable report (all others run and fail their tests)
ERRORS = {"forge_report_from_frames", "forge_report_guessed_fd", "forge_report_hide_real", "forge_report_twice",
          "forge_report_from_signal", "forked_child_forges_first", "sys_exit_at_import", "os_exit_at_import",
          "os_exit_in_call", "sigkill_self", "keyboard_interrupt_at_import"}
# (name, why, fooled_old_harness, tests, program), in the order of the corpus
HOSTILE = [*patching.HOSTILE, *forging.HOSTILE, *verdicts.HOSTILE]
SETUPS = {"setup_code": "UNIT = 1", "setup_expected": "UNIT = 1", "hostile-reads_setup_expected": "expected = 12345",
          "hostile-ordered_dict_order": "from collections import OrderedDict"}


def rows() -> list[dict]:
    out = []
    for name, why, fooled, tests, program in HOSTILE:
        out.append({"id": f"hostile-{name}", "category": "hostile", "program": program, "tests": tests,
                    "setup": SETUPS.get(f"hostile-{name}", ""),
                    "pass_fraction": round(1 / 3, 6) if name in SHOWN_ONLY else 0.0,
                    "status": "error" if name in ERRORS else "failed", "fooled_old_harness": fooled,
                    "fooled_first_verdict": name in FOOLED_FIRST_VERDICT, "why": why})
    for name, why, tests, program, fraction, status in HONEST:
        out.append({"id": f"honest-{name}", "category": "honest", "program": program, "tests": tests,
                    "setup": SETUPS.get(name, ""), "pass_fraction": round(fraction, 6), "status": status,
                    "fooled_old_harness": False, "fooled_first_verdict": False, "why": why})
    return out


def main(argv: list[str]) -> int:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows())
    if "--check" in argv:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run {Path(__file__).name}")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {text.count(chr(10))} programs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
