"""google-research-datasets/mbpp: Python tasks with reference code and assert tests.

Configs: ``full`` (974 tasks: text, code, task_id, test_setup_code, test_list, challenge_test_list) and
``sanitized`` (427 hand-checked tasks: prompt, code, task_id, test_imports, test_list). A local copy of
either (the google-research repository's ``mbpp.jsonl``, or ``sanitized-mbpp.json``) reads the same way.

Splits are by task_id, as the benchmark defines them: test 11-510, validation 511-600 (written as
``val``), train 601-974; the few-shot prompt examples 1-10 are left out (counted). From a hub id all four
hub splits are read and re-split by task_id, so the hub and a local file give the same files.

Each row becomes: ``problem`` = the task, the asserts its prompt protocol shows (the first, or all, so that
the function's name and signature are known; step1_data/code_pipeline.py) and the answer format; ``answer`` =
the reference code in a ```` ```python ```` block (what a perfect response puts inside ``<answer>``);
``tests`` = every assert of ``test_list`` (the reward runs them all, shown or not); ``test_setup`` =
``test_setup_code`` (full) or the ``test_imports`` (sanitized).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from step1_data.adapters.base import text_field

NAME = "mbpp"
KIND = "code"  # prepare.py hands code datasets to step1_data/code_pipeline.py
DEFAULT_INPUT = "google-research-datasets/mbpp"
HUB_CONFIG = "full"
HUB_SPLIT = "train+validation+test+prompt"  # every task; the split is by task_id
SPLITS = {"prompt": (1, 10), "test": (11, 510), "val": (511, 600), "train": (601, 974)}
WRITTEN_SPLITS = ("train", "val", "test")
COLUMN_TYPES = {"task_id": int, "test_list": list, "challenge_test_list": list, "test_imports": list}
ANSWER_FORMAT = "Answer with the Python code in a ```python code block inside <answer> </answer>."


class CodeTask(NamedTuple):
    task_id: int
    source: str
    text: str  # the task as the dataset states it
    code: str  # reference solution
    tests: tuple[str, ...]
    setup: str


def split_of(task_id: int) -> str | None:
    return next((name for name, (lo, hi) in SPLITS.items() if lo <= task_id <= hi), None)


def required_columns(column_names) -> tuple[str, ...]:
    """The columns a file needs: the task text is ``text`` (full) or ``prompt`` (sanitized)."""
    return ("prompt" if "prompt" in column_names and "text" not in column_names else "text",
            "code", "task_id", "test_list")


def _parses(snippet: str) -> bool:
    try:
        ast.parse(snippet)  # parsing only: nothing runs
    except (SyntaxError, ValueError):
        return False
    return True


def extract(row: dict) -> CodeTask | None:
    """None for a malformed row: no text or code, a task_id that is not a positive integer, no test, or a
    test or setup that is not valid Python."""
    text, code = text_field(row.get("text") or row.get("prompt")), text_field(row.get("code"))
    task_id, tests = row.get("task_id"), row.get("test_list")
    if hasattr(tests, "tolist"):  # numpy arrays from parquet
        tests = tests.tolist()
    if text is None or code is None or not isinstance(task_id, int) or isinstance(task_id, bool) or task_id < 1:
        return None
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) and t.strip() for t in tests):
        return None
    imports = row.get("test_imports")
    imports = imports.tolist() if hasattr(imports, "tolist") else imports
    setup = "\n".join(imports) if isinstance(imports, list) and imports else (row.get("test_setup_code") or "")
    if not isinstance(setup, str) or not all(_parses(t) for t in (*tests, setup)):
        return None
    source = "mbpp/sanitized" if "test_imports" in row else "mbpp"
    return CodeTask(task_id, source, text.strip(), code.replace("\r\n", "\n"), tuple(t.strip() for t in tests),
                    setup.strip())


def problem_text(task: CodeTask, prompt_tests: int) -> str:
    """The question put in the r1_zero prompt; ``prompt_tests`` asserts shown (0: all)."""
    shown = task.tests if prompt_tests <= 0 else task.tests[:prompt_tests]
    these = "this test" if len(shown) == 1 else "these tests"
    return f"{task.text}\nYour code should pass {these}:\n" + "\n".join(shown) + f"\n{ANSWER_FORMAT}"


def answer_text(task: CodeTask) -> str:
    return f"```python\n{task.code.strip()}\n```"
