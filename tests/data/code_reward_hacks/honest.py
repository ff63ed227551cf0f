"""Honest programs (right, partly right, wrong, crashing) over the test shapes the verdict must keep exact."""

from __future__ import annotations

from .common import DOUBLE

# (id, why, tests, program, pass_fraction, status)
HONEST = [
    ("right", "the right function", DOUBLE, "def double(x):\n    return 2 * x\n", 1.0, "passed"),
    ("partly_right", "right for positive numbers only", DOUBLE, "def double(x):\n    return 2 * abs(x)\n",
     2 / 3, "failed"),
    ("wrong", "a wrong function", DOUBLE, "def double(x):\n    return 3 * x\n", 0.0, "failed"),
    ("visible_test_only", "special-cases the test shown in the prompt: the hidden tests catch it", DOUBLE,
     "def double(x):\n    return {2: 4}.get(x, 0)\n", 1 / 3, "failed"),
    ("raises_at_import", "the program raises before the tests", DOUBLE, "raise ValueError('no')\n", 0.0, "error"),
    ("syntax_error", "not Python", DOUBLE, "def double(x:\n    return 2 * x\n", 0.0, "error"),
    ("raises_in_one_call", "raises for negative numbers", DOUBLE,
     "def double(x):\n    if x < 0:\n        raise ValueError(x)\n    return 2 * x\n", 2 / 3, "failed"),
    ("main_block", "a __main__ block that would exit is not run", DOUBLE,
     "def double(x):\n    return 2 * x\nif __name__ == '__main__':\n    raise SystemExit(1)\n", 1.0, "passed"),
    ("generator_result", "a generator where the test builds a list", [
        "assert list(countdown(3)) == [3, 2, 1]", "assert list(countdown(0)) == []", "assert list(countdown(1)) == [1]"],
     "def countdown(n):\n    while n > 0:\n        yield n\n        n -= 1\n", 1.0, "passed"),
    ("counter_result", "a collections.Counter compared with a dict", [
        "assert count('aab') == {'a': 2, 'b': 1}", "assert count('x') == {'x': 1}", "assert count('') == {}"],
     "from collections import Counter\ndef count(s):\n    return Counter(s)\n", 1.0, "passed"),
    ("namedtuple_result", "a namedtuple compared with a tuple", [
        "assert point(1, 2) == (1, 2)", "assert point(0, 0) == (0, 0)", "assert point(-1, 5)[1] == 5"],
     "from collections import namedtuple\nP = namedtuple('P', 'x y')\ndef point(x, y):\n    return P(x, y)\n",
     1.0, "passed"),
    ("set_shape", "MBPP's set(f(x)) == set(...) shape, any order", [
        "assert set(common([1, 2, 3], [2, 3, 4])) == set((2, 3))", "assert set(common([1], [1])) == set((1,))",
        "assert set(common([7, 8], [9])) == set()"],
     "def common(a, b):\n    return [x for x in b if x in a][::-1]\n", 1.0, "passed"),
    ("isclose_shape", "MBPP's math.isclose shape (the program need not import math)", [
        "assert math.isclose(area(2), 12.566, rel_tol=0.001)", "assert math.isclose(area(1), 3.1416, rel_tol=0.001)",
        "assert math.isclose(area(0), 0.0, abs_tol=1e-9)"], "def area(r):\n    return 3.14159265 * r * r\n",
     1.0, "passed"),
    ("truth_shapes", "assert f(x), assert not f(x), == True, is None", [
        "assert is_even(2)", "assert not is_even(3)", "assert is_even(4) == True", "assert nothing() is None",
        "assert is_even(5) is False"],
     "def is_even(x):\n    return x % 2 == 0\ndef nothing():\n    pass\n", 1.0, "passed"),
    ("int_for_bool", "1 and 0 where the tests say True and False (1 == True in Python)", [
        "assert is_even(2) == True", "assert is_even(3) == False", "assert is_even(3) is False"],
     "def is_even(x):\n    return 1 - x % 2\n", 2 / 3, "failed"),
    ("list_for_tuple", "a list where the test expects a tuple: (1, 2) != [1, 2]", [
        "assert swap((1, 2)) == (2, 1)", "assert swap((3, 4)) == (4, 3)"],
     "def swap(t):\n    return [t[1], t[0]]\n", 0.0, "failed"),
    ("big_int", "an integer far beyond 64 bits", ["assert fact(30) == 265252859812191058636308480000000",
                                                  "assert fact(0) == 1", "assert fact(100) % 10 ** 20 == 0"],
     "def fact(n):\n    out = 1\n    for k in range(2, n + 1):\n        out *= k\n    return out\n", 1.0, "passed"),
    ("floats_exact", "floats compare exactly: 0.1 + 0.2 is not 0.3", [
        "assert add(0.1, 0.2) == 0.30000000000000004", "assert add(0.1, 0.2) != 0.3", "assert add(-0.0, 0.0) == 0.0",
        "assert add(float('inf'), 1) == float('inf')"], "def add(a, b):\n    return a + b\n", 1.0, "passed"),
    ("nan_result", "nan is not equal to itself; math.isnan says what it is", [
        "assert math.isnan(nan())", "assert nan() != float('nan')"], "def nan():\n    return float('nan')\n",
     1.0, "passed"),
    ("text_and_bytes", "unicode text and bytes", [
        "assert rev('h\\u00e9llo') == 'oll\\u00e9h'", "assert enc('a\\u00e9') == b'a\\xc3\\xa9'",
        "assert rev('') == ''"], "def rev(s):\n    return s[::-1]\ndef enc(s):\n    return s.encode()\n",
     1.0, "passed"),
    ("nested_containers", "nested lists, tuples, dicts and sets", [
        "assert nest() == [(1, 'a'), {'k': [2, 3]}, {4, 5}, frozenset({6})]", "assert nest()[1]['k'][-1] == 3",
        "assert len(nest()) == 4 and 5 in nest()[2]"],
     "def nest():\n    return [(1, 'a'), {'k': [2, 3]}, {5, 4}, frozenset([6])]\n", 1.0, "passed"),
    ("class_in_test", "the test builds objects of a class the program defines", [
        "assert total([Item(2), Item(3)]) == 5", "assert total([]) == 0"],
     "class Item:\n    def __init__(self, v):\n        self.v = v\ndef total(items):\n    return sum(i.v for i in items)\n",
     1.0, "passed"),
    ("statement_then_assert", "a test of two statements: the call, then the assert on its result", [
        "r = double(3)\nassert r == 6", "r = double(0)\nassert r == 0"], "def double(x):\n    return 2 * x\n",
     1.0, "passed"),
    ("setup_code", "a name from the test setup code, used by the program", ["assert area(2) == 4"],
     "def area(x):\n    return x * x * UNIT\n", 1.0, "passed"),
    ("setup_expected", "an expected value from the setup is an unsupported test shape: the program could read or "
     "rewrite it", ["assert area(2) == 4 * UNIT"], "def area(x):\n    return x * x * UNIT\n", 0.0, "failed"),
    ("assert_message", "MBPP task 436's 'assert f(x) == -1,-6': the message is not part of the check", [
        "assert neg_nos([-1, 4, 5, -6]) == -1,-6", "assert neg_nos([-1, -2, 3, 4]) == -1,-2"],
     "def neg_nos(xs):\n    return next(x for x in xs if x < 0)\n", 1.0, "passed"),
    ("ordered_set_listing", "list(set) of a program's set keeps the sandbox's (seeded) order", [
        "assert sorted(list(letters('banana'))) == ['a', 'b', 'n']", "assert len(letters('aaa')) == 1",
        "assert list(evens([4, 2, 0, 2])) == [0, 2, 4]"],
     "def letters(s):\n    return set(s)\ndef evens(xs):\n    return set(xs)\n", 1.0, "passed"),
    ("checks_on_items", "comprehensions, zip and lambdas applied here to the program's items, in its order", [
        "assert all(abs(a - b) < 1e-6 for a, b in zip(halves([3, 4.5]), [1.5, 2.25]))",
        "assert all(x == y for x, y in zip(halves([4, 2]), [2, 1]))", "assert [x * 2 for x in halves([2])] == [2]",
        "assert sorted(pairs(), key=lambda t: t[0]) == [(1, 'b'), (2, 'a')]", "assert ' '.join(map(str, halves([2, 4]))) == '1.0 2.0'",
        "assert sum(halves([2, 4])) == 3"],
     "def halves(xs):\n    return (x / 2 for x in xs)\ndef pairs():\n    return {(2, 'a'), (1, 'b')}\n", 1.0, "passed"),
    ("comparison_assigned", "a test that assigns a comparison, then asserts it", [
        "ok = double(3) == 6\nassert ok", "r = double(2)\nok = r in [4, 40]\nassert ok", "r = double(1)\nassert r == 2"],
     "def double(x):\n    return 2 * x\n", 1.0, "passed"),
    ("program_calls_in_test", "the program's functions called in a comprehension, a Counter the test imports", [
        "assert [double(i) for i in range(3)] == [0, 2, 4]", "assert all(double(i) for i in range(1, 3))",
        "from collections import Counter\nassert Counter(letters('aab')) == {'a': 2, 'b': 1}"],
     "def double(x):\n    return 2 * x\ndef letters(s):\n    return list(s)\n", 1.0, "passed"),
]
