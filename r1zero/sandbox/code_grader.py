"""r1_zero grading for code: the format, the program in the answer, and the tests it passes in the sandbox.

API (the code counterpart of ``r1zero.grading.grader``):
- ``extract_program(response) -> str | None``: the program a response answers with;
- ``grade_code_many(responses, tests, *, setups=None, workers=None, limits=None) -> list[dict]``, one dict
  per response, in input order;
- ``CODE_DATA_COLUMNS``: the columns of a code dataset that grading reads (step1 writes them);
- ``PROTOCOLS`` and ``protocol_of(values)``: the MBPP prompt protocols (which tests the prompt shows), and the
  one a dataset's ``protocol`` column names;
- ``code_contract(limits, protocol)``: what decides code eval numbers (grader version, sandbox, limits, protocol).

Semantics
- ``format_reward`` is ``r1zero.grading.grader.format_ok``: 1 iff ``</think> <answer>`` and ``</answer>`` appear.
- The program is the text of the last ``<answer>...</answer>`` block; if that holds a fenced block
  (```` ```python ... ``` ````), the body of the last one (an unclosed fence runs to the end of the block);
  dedented, without the whitespace around it.
- Each program runs once against its tests in ``r1zero.sandbox.execute`` (identical programs of a batch share the
  run), whether or not the format is right, as the math grader grades the answer either way; a response
  with no answer block runs nothing.
- ``pass_fraction``: tests passed / tests (0 when the program errs, crashes or times out);
  ``all_passed``: 1.0 iff every test passed. ``reward = format_reward * pass_fraction`` and
  ``strict_reward = format_reward * all_passed``.
- Also returned: ``extracted_answer`` (the program, or None), ``status`` (a ``r1zero.sandbox.execute`` status, or
  ``no_answer``), ``error``, ``timeout``, ``passed``, ``total``.
- A test passes only on the verdict decided outside the program's interpreter (``r1zero.sandbox.execute``): what the
  program returns crosses as plain data and is compared here.

Protocols. Published MBPP numbers show the model either every test of the task (Austin et al. 2021, and
bigcode-evaluation-harness: ``original``) or the first one (EvalPlus: ``evalplus``); the reward runs every
test either way. A pass@1 means something only within one protocol, so step1 records it in each row
(``protocol`` column) and the eval contract carries it.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from r1zero.core.artifacts import source_hash
from r1zero.core.prompts import answer_block
from r1zero.grading.grader import format_ok
from r1zero.sandbox.execute import Limits, as_tests, execute_many

_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)


# contracts: a hash of every module of this subpackage (a module split off or added is never left out)
CODE_GRADER_VERSION = "code-2+" + source_hash(*sorted(f"sandbox/{p.name}" for p in Path(__file__).parent.glob("*.py")))
CODE_DATA_COLUMNS = ("tests", "test_setup")
PROTOCOLS = {"original": 0, "evalplus": 1}  # name -> tests shown in the prompt (0: all)
PROTOCOL_COLUMN = "protocol"


def protocol_of(values) -> str:
    """The protocol of a dataset from its ``protocol`` column's values (``unknown`` without one)."""
    names = sorted({str(v) for v in values}) if values is not None else []
    return names[0] if len(names) == 1 else "mixed: " + ", ".join(names) if names else "unknown"


def code_contract(limits: Limits | None = None, protocol: str = "unknown") -> dict:
    """For an eval's contract: the code grader's version, the sandbox mode, the limits and the MBPP protocol."""
    from dataclasses import asdict

    from r1zero.sandbox.execute import sandbox_info

    return {"grader_version": CODE_GRADER_VERSION, "sandbox": sandbox_info()["mode"],
            "limits": asdict(limits or Limits()), "protocol": protocol}


def extract_program(response: str) -> str | None:
    """The program in the response's last answer block (its last fenced block, if any); None if no block."""
    inside = answer_block(response)
    if inside is None:
        return None
    fenced = _FENCE.findall(inside)
    # "<answer> def f(): ..." puts a space before the first line: dedent, then drop the outer whitespace
    return textwrap.dedent(fenced[-1] if fenced else inside).strip()


def grade_code_many(responses, tests, *, setups=None, workers: int | None = None,
                    limits: Limits | None = None) -> list[dict]:
    """Grade responses by running their programs against ``tests`` (one list per response); see module doc."""
    responses, tests = list(responses), list(tests)
    setups = [""] * len(responses) if setups is None else list(setups)
    if not len(responses) == len(tests) == len(setups):
        raise ValueError(f"got {len(responses)} responses, {len(tests)} test lists and {len(setups)} setups")
    tests = [as_tests(t, i) for i, t in enumerate(tests)]
    texts = [r if isinstance(r, str) else "" if r is None else str(r) for r in responses]
    programs = [extract_program(t) for t in texts]
    runnable = [i for i, p in enumerate(programs) if p is not None]
    ran = execute_many([programs[i] for i in runnable], [tests[i] for i in runnable],
                       setups=[setups[i] for i in runnable], workers=workers, limits=limits)
    by_index = dict(zip(runnable, ran, strict=True))
    out = []
    for i, text in enumerate(texts):
        fmt = 1.0 if format_ok(text) else 0.0
        run = by_index.get(i)
        if run is None:
            run = {"passed": 0, "total": len(tests[i]), "pass_fraction": 0.0, "status": "no_answer",
                   "timeout": False, "error": "no <answer> block"}
        fraction, all_passed = run["pass_fraction"], 1.0 if run["status"] == "passed" else 0.0
        out.append({"format_reward": fmt, "pass_fraction": fraction, "all_passed": all_passed,
                    "reward": fmt * fraction, "strict_reward": fmt * all_passed, "extracted_answer": programs[i],
                    "status": run["status"], "error": run["error"], "timeout": run["timeout"],
                    "passed": run["passed"], "total": run["total"]})
    return out
