"""What the programs of tests/data/make_code_reward_hacks.py share: the task (``double``), the wrong answer every
hostile program computes, and the tools its attacks reuse."""

from __future__ import annotations

import textwrap

DOUBLE = ["assert double(2) == 4", "assert double(5) == 10", "assert double(-3) == -6"]
WRONG = "def double(x):\n    return 0\n"  # what every hostile program computes, unless it says otherwise
# the old report format, for programs that forge it: one line for the program, one per test
FORGED = 'b"ok\\n" + b"pass\\n" * 3'

# an object that says yes to every comparison and arithmetic (the always-equal object of the tests run in the
# sandbox before each comparison was moved out of it)
ALWAYS = """class A:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def __lt__(self, other):
        return True
    def __sub__(self, other):
        return self
    __rsub__ = __sub__
    def __abs__(self):
        return self
"""
M61 = (1 << 61) - 1  # every multiple of it hashes to 0


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")
