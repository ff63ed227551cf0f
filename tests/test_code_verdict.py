"""Code verdicts decided outside the program's interpreter: tests split into probes and checks
(common/probes.py), the report read strictly and the checks judged over plain data (common/verdict.py).
The end-to-end behaviour against hostile programs: tests/test_code_reward_hacks.py."""

import ast
import json
import math
from pathlib import Path

import pytest

from common.probes import plan_tests, split_test
from common.verdict import judge, read_report

SAMPLE = Path(__file__).resolve().parent.parent / "step1_data" / "sample" / "mbpp_sample.jsonl"


def test_mbpp_sample_tests_send_only_the_call_into_the_sandbox():
    """Every assert of the bundled sample is `call(...) == expected`: the call alone goes in, never the value."""
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines()]
    for row in rows:
        tests = tuple(row["test_list"] + row["challenge_test_list"])
        for test, plan in zip(tests, plan_tests(tests), strict=True):
            assert plan.error is None and plan.steps == ("e" + ast.unparse(ast.parse(test).body[0].test.left),), test


def test_a_builtin_name_is_the_programs_only_where_the_tests_make_it_their_subject():
    """MBPP task 126 calls its function `sum`; a program that defines `set` or `sorted` changes nothing."""
    task_126 = ("assert sum(10,15) == 6", "assert sum(100,150) == 93", "assert sum(4,6) == 3")
    assert [p.steps for p in plan_tests(task_126)] == [("esum(10, 15)",), ("esum(100, 150)",), ("esum(4, 6)",)]
    shadowed = ("assert set(common([1], [1])) == set((1,))", "assert sorted(dedupe([3, 1])) == sorted([3, 1])")
    assert [p.steps for p in plan_tests(shadowed)] == [("ecommon([1], [1])",), ("ededupe([3, 1])",)]
    mixed = ("assert sum(1, 2) == 3", "assert f(1) == sum([1, 2])", "assert sum(f(1)) == 2")  # sum on a program value
    assert [p.steps for p in plan_tests(mixed)] == [(), ("ef(1)",), ("esum(f(1))",)]


@pytest.mark.parametrize("test, steps", [
    ("assert set(similar(a, b)) == set((4, 5))", ("esimilar(a, b)",)),
    ("assert math.isclose(area(2), 12.56, rel_tol=0.01)", ("earea(2)",)),
    ("assert not f(1)", ("ef(1)",)),
    ("assert f(1) is None", ("ef(1)",)),
    ("assert (f(1) == 2)", ("ef(1)",)),
    ("assert f(1)[0] == 2 and len(f(2)) == 3", ("ef(1)", "ef(2)")),
    ("assert sorted(f(x), key=lambda t: t[1]) == [(1, 2)]", ("ef(x)",)),
    ("assert f(1).lower() == 'a'", ("ef(1)",)),
    ("assert total([Item(2), Item(3)]) == 5", ("etotal([Item(2), Item(3)])",)),
    ("assert neg_nos([-1, 4]) == -1,-6", ("eneg_nos([-1, 4])",)),  # MBPP task 436: -6 is the message
    # iteration order matters: these run whole in the sandbox, whose sets iterate in the order the program saw
    ("assert list(f(3)) == [1, 2]", ("elist(f(3))",)),
    ("assert ''.join(f(1)) == 'ab'", ("e''.join(f(1))",)),
    ("assert '%d' % f(1) == '2'", ("e'%d' % f(1)",)),
    ("assert [f(i) for i in range(3)] == [0, 2, 4]", ("e[f(i) for i in range(3)]",)),
    # statements: the program's run there, in order; program-free ones and math imports stay here
    ("r = f(3)\nassert r == 6", ("xr = f(3)", "er")),
    ("expected = [1, 2]\nassert f(1) == expected", ("ef(1)",)),
    ("from math import isclose\nassert isclose(f(1), 2.0)", ("ef(1)",)),
    ("import math\nassert math.sqrt(f(4)) == 2", ("ef(4)",)),
    ("def sorted(x):\n    return x\nassert sorted(f(1)) == [1]", ("xdef sorted(x):\n    return x", "esorted(f(1))")),
    ("assert True", ()),
])
def test_probes_are_the_program_parts(test, steps):
    plan = split_test(test)
    assert plan.error is None and plan.steps == steps


@pytest.mark.parametrize("test, error", [
    ("for i in range(3):\n    assert f(i) == 2 * i", "unsupported test shape: an assert inside a for block"),
    ("if f(1):\n    assert f(2) == 4", "unsupported test shape: an assert inside a if block"),
    ("expected = 3\nassert f(expected) == 6", "unsupported test shape: 'expected' is assigned by the test"),
    ("assert f(1) == f'{2}'", "unsupported test shape: JoinedStr in a check"),
    ("assert f(1) == (x := 2)", "unsupported test shape: NamedExpr in a check"),
    ("assert f(1 ==", "SyntaxError"),
])
def test_unsupported_shapes_fail_with_a_clear_error(test, error):
    plan = split_test(test)
    assert plan.error.startswith(error) and plan.steps == ()
    assert judge(plan, []) == plan.error


def _judge(test: str, *values):
    """The verdict when the test's probes returned ``values`` (an exception instance: the probe raised it)."""
    plan = split_test(test)
    assert plan.error is None and len(plan.steps) == len(values)
    return judge(plan, [("raised", f"{type(v).__name__}: {v}") if isinstance(v, Exception) else ("value", v)
                        for v in values])


@pytest.mark.parametrize("test, values, passes", [
    # Python's own equality on built-in values
    ("assert f() == (1, 2)", [[1, 2]], False),
    ("assert f() == [1, 2]", [[1, 2]], True),
    ("assert f() == 1", [1.0], True),
    ("assert f() == 1", [True], True),
    ("assert f() is True", [1], False),
    ("assert f() == 0.30000000000000004", [0.1 + 0.2], True),
    ("assert f() == 0.3", [0.1 + 0.2], False),
    ("assert f() != f()", [math.nan, math.nan], True),
    ("assert math.isnan(f())", [math.nan], True),
    ("assert f() == -0.0 and math.copysign(1, f()) == -1", [-0.0, -0.0], True),
    ("assert f() == {'a': [1, {2}]}", [{"a": [1, {2}]}], True),
    ("assert f() == 2 ** 100", [2 ** 100], True),
    ("assert f() == b'hi'", [b"hi"], True),
    ("assert f() == 'hi'", [b"hi"], False),
    # shapes of full and sanitized MBPP
    ("assert set(f()) == set((4, 5))", [iter([5, 4, 5])], True),
    ("assert sorted(f(), reverse=True) == [3, 1]", [{1, 3}], True),
    ("assert math.isclose(f(), 314.15, rel_tol=0.001)", [314.159], True),
    ("assert not f()", [[]], True),
    ("assert f() is None", [None], True),
    ("assert f()[1:] == 'bc' and f()[0] == 'a'", ["abc", "abc"], True),
    ("assert f() == {1: 2}.keys()", [{1: 2}.keys()], True),
    ("assert len(f()) == 3 and 2 in f()", [(1, 2, 3), (1, 2, 3)], True),
    ("assert all(x > 0 for x in f())", [iter([True, True])], True),  # the generator is the probe
    ("assert f() == {k: v for k, v in [(1, 2)]}", [{1: 2}], True),
    ("assert sorted(f(), key=lambda t: -t) == [3, 1]", [(1, 3)], True),
    ("assert f() == 4, 'a message'", [4], True),
])
def test_checks_keep_python_semantics(test, values, passes):
    assert (_judge(test, *values) is None) == passes


def test_failures_say_why():
    assert _judge("assert f(2) == 4", 5) == "AssertionError"
    assert _judge("assert f(2) == 4", ValueError("bad")) == "ValueError: bad"
    assert _judge("assert f() is None or g() == 1", None, ZeroDivisionError("x")) is None  # not needed: not raised
    assert _judge("assert len(f()) == 1", 5).startswith("TypeError: object of type 'int' has no len()")
    assert "'is'" in _judge("assert f() is 5", 5)
    # bounds on what a check may build from a program's value
    assert "repetition" in _judge("assert f() * 10 ** 9 == ''", "ab")
    assert "power" in _judge("assert 2 ** f() > 0", 10 ** 9)
    assert "range" in _judge("assert len(range(f())) == 5", 10 ** 12)
    assert "round" in _judge("assert round(f(), 10 ** 9) == 1", 1)


def test_a_statement_that_raises_fails_the_asserts_after_it():
    plan = split_test("assert f(1) == 1\nr = g()\nassert r == 2")
    assert plan.steps == ("ef(1)", "xr = g()", "er")
    assert judge(plan, [("value", 1), ("raised", "KeyError: 'g'")]) == "KeyError: 'g'"
    assert judge(plan, [("value", 0), ("raised", "KeyError: 'g'")]) == "AssertionError"


PLAN = split_test("assert f(1) == 2")


@pytest.mark.parametrize("raw, decoded", [
    (b'["ok",[[["value",2]]]]', (None, [[("value", 2)]])),
    (b'["error","SystemExit: 0"]', ("SystemExit: 0", None)),
    (b'["ok",[[["raised","ValueError: x"]]]]', (None, [[("raised", "ValueError: x")]])),
    (b'["ok",[[["value",["t",[1,["s",[2]],["b","6869"],["c",1.5,-2.0],["i","-ff"],["r",0,5,2],NaN,Infinity]]]]]]',
     None),  # decoded below: nan is not equal to itself
    # malformed: the caller fails the program
    (b'["ok",[[["value",2]]]]["ok",[[["value",2]]]]', None),  # a second report
    (b'["ok",[[["value",2],["value",3]]]]', None),  # more results than probes
    (b'["ok",[[]]]', None),  # fewer
    (b'["ok",[[["done"]]]]', None),  # a statement's result for a probe
    (b'["ok",[[["value",{"a":1}]]]]', None),  # JSON objects are never written
    (b'["ok",[[["value",["q",[1]]]]]]', None),  # an unknown tag
    (b'["ok",[[["value",["s",[["l",[1]]]]]]]]', None),  # a list in a set
    (b'["ok",[[["value",2]]],[]]', None),
    (b'ok\npass\n', None),  # the old line format
    (b'["ok",' + b'[' * 100_000, None),
    (b'', None),
])
def test_reports_are_read_strictly(raw, decoded):
    if b'"t"' in raw:
        (_, [[(kind, value)]]) = read_report(raw, [PLAN])
        assert kind == "value" and value[:6] == (1, {2}, b"hi", 1.5 - 2j, -255, range(0, 5, 2))
        assert math.isnan(value[6]) and value[7] == math.inf
        return
    assert read_report(raw, [PLAN]) == decoded
