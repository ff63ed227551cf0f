"""Hostile programs against verdicts decided outside the program: test logic that ran in the sandbox, expected
values computed there, and values too big to carry or too costly to check (expected 0)."""

from __future__ import annotations

from .common import ALWAYS, DOUBLE, M61, dedent

# (name, why, fooled_old_harness, tests, program)
HOSTILE = [
    # --- test logic that ran in the sandbox: comparisons in comprehensions, lambdas, calls, statements
    ("eq_in_comprehensions", "comparisons inside comprehensions ran in the sandbox: the always-equal object answered",
     True, ["assert all(square(i) == i * i for i in range(5))", "assert any(square(i) == 12345 for i in range(3))",
            "assert sum(square(i) == i * i for i in range(3)) == 3",
            "assert [square(i) == i * i for i in range(3)] == [True] * 3",
            "assert {i: square(i) == i * i for i in range(2)} == {0: True, 1: True}"],
     ALWAYS + "def square(x):\n    return A()\n"),
    ("eq_in_zip_generator", "all(x == y for x, y in zip(f(1), [17, 23, 31])): the expected list went into the "
     "sandbox with the comparison", True,
     ["assert all(x == y for x, y in zip(primes(3), [2, 3, 5]))",
      "assert all(abs(a - b) < 1e-6 for a, b in zip(halves(3), [1.5, 1.0, 0.5]))"],
     ALWAYS + "def primes(n):\n    return [A()] * n\ndef halves(n):\n    return [A()] * n\n"),
    ("patched_isclose_in_generator", "math.isclose patched to 'always close', used by a comparison in a generator",
     True, ["assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(halves(2), [1.5, 2.25]))"], dedent("""
        import math
        math.isclose = lambda *args, **kwargs: True
        def halves(n):
            return [0.0] * n
        """)),
    ("eq_in_lambdas_and_calls", "a comparison under a lambda, map, str() or a dunder call ran in the sandbox",
     True, ["assert list(map(lambda a: a == 5, [f(1)])) == [True]", "assert (lambda x: f(x) == 99)(3)",
            "assert str(f(1) == 5) == 'True'", "assert f(1).__eq__(5)"], ALWAYS + "def f(x):\n    return A()\n"),
    ("eq_in_test_statements", "a test's assignment with a comparison ran in the sandbox", True,
     ["ok = double(2) == 4\nassert ok", "r = double(5)\nok = r == 10\nassert ok", "r = double(-3) in [-6]\nassert r"],
     ALWAYS + "def double(x):\n    return A()\n"),
    # --- an expected value computed in the sandbox, where the program can rewrite or read it
    ("patched_counter_expected", "Counter.__init__ patched: both sides of Counter(f(x)) == Counter([...]) are empty",
     True, ["from collections import Counter\nassert Counter(digits(1223)) == Counter([1, 2, 2, 3])"], dedent("""
        import collections
        collections.Counter.__init__ = lambda self, *args, **kwargs: None
        def digits(n):
            return [0]
        """)),
    ("patched_stdlib_expected", "heapq.nsmallest, re.findall and Fraction patched to give what the program returns",
     True, ["import heapq\nassert f(1) == heapq.nsmallest(1, [5, 3, 9])",
            "import re\nassert f(2) == re.findall(r'\\d', 'a1b2')", "from fractions import Fraction\nassert f(3) == Fraction(7, 3)"],
     dedent("""
        import fractions, heapq, re
        heapq.nsmallest = lambda n, items: [1]
        re.findall = lambda *args, **kwargs: ["zz"]
        fractions.Fraction.__new__ = lambda cls, *args, **kwargs: 0
        def f(x):
            return {1: [1], 2: ["zz"], 3: 0}[x]
        """)),
    ("reads_setup_expected", "the expected value is a name the setup defines: the program returns it", True,
     ["assert f(1) == expected"], "def f(x):\n    return globals()['expected']\n"),
    ("ordered_dict_order", "OrderedDicts in the wrong order: both sides crossed as dicts, which ignore order", False,
     ["assert pairs() == OrderedDict([(3, 4), (1, 2)])"],
     "from collections import OrderedDict\ndef pairs():\n    return OrderedDict([(1, 2), (3, 4)])\n"),
    # --- values too big to carry, or too costly to check
    ("generator_never_ends", "a generator that never ends where a value is expected", False, DOUBLE,
     "def double(x):\n    while True:\n        yield 2 * x\n"),
    ("huge_return", "a list of ten million items", False, DOUBLE, "def double(x):\n    return [2 * x] * 10 ** 7\n"),
    ("deep_nesting", "a list nested 100000 deep", False, DOUBLE, dedent("""
        def double(x):
            v = 2 * x
            for _ in range(100000):
                v = [v]
            return v
        """)),
    ("self_containing_list", "a list that contains itself", False, DOUBLE,
     "def double(x):\n    v = [2 * x]\n    v.append(v)\n    return v\n"),
    ("range_of_10_18", "range(10**18) crosses as three ints: max(), set(), math.prod() of it ran for ever in the "
     "trainer", False, ["assert max(similar((3, 4, 5, 6), (5, 7, 4, 10))) == 5",
                       "assert set(similar((1, 2), (2, 3))) == set((2,))", "assert math.prod(similar((1,), (1,))) == 1"],
     "def similar(a, b):\n    return range(10 ** 18)\n"),
    ("colliding_hashes", "15000 ints that all hash to 0: building their set took the trainer seconds", False,
     ["assert set(common([1, 2, 3], [2, 3, 4])) == set((2, 3))"],
     f"def common(a, b):\n    return [k * {M61} for k in range(1, 15000)]\n"),
    ("forge_colliding_report", "a forged report of sets of 10000 ints that all hash to 0: quadratic to decode", False,
     DOUBLE, dedent(f"""
        import os, sys
        loc = sys._getframe(1).f_locals
        value = '["value",["s",[' + ",".join(str(k * {M61}) for k in range(1, 10000)) + ']]]'
        report = '["ok",[' + ",".join("[" + value + "]" for _ in loc["jobs"]) + "]]"
        os.write(int(loc["result_fd"]), report.encode())
        os._exit(0)
        """)),
]
