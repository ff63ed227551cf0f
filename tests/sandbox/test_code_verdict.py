"""Code verdicts decided outside the program's interpreter: tests split into probes and checks
(r1zero/sandbox/probes.py), the report read strictly and the checks judged over plain data (r1zero/sandbox/verdict.py).
The end-to-end behaviour against hostile programs: tests/sandbox/test_code_reward_hacks.py."""

import ast
import json
import math
import time
from pathlib import Path

import pytest

from r1zero.sandbox._check_bounds import MAX_HASH_TIES
from r1zero.sandbox.probes import plan_tests, split_test
from r1zero.sandbox.verdict import judge, read_report

SAMPLE = Path(__file__).resolve().parents[2] / "step1_data" / "sample" / "mbpp_sample.jsonl"


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
    assert [p.steps for p in plan_tests(mixed)] == [(), ("ef(1)",), ("e[*f(1)]",)]


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
    # iteration order matters: what the check iterates in order crosses as its items, in the order the program's
    # value gave them there (its sets iterate in the order the program saw); the call itself is applied here
    ("assert list(f(3)) == [1, 2]", ("e[*f(3)]",)),
    ("assert ''.join(f(1)) == 'ab'", ("e[*f(1)]",)),
    ("assert ' '.join(map(str, f(1))) == '1 2'", ("e[*f(1)]",)),
    ("assert sum(f(1), []) == [1]", ("e[*f(1)]",)),
    ("assert list(f(1)[0]) == [1]", ("e[*f(1)[0]]",)),
    ("assert tuple(sorted(f(1))) == (1, 2)", ("ef(1)",)),
    ("assert list(zip(*f(1))) == [(1, 2)]", ("e[*zip(*f(1))]",)),
    ("assert all(abs(a - b) < 1e-6 for a, b in zip(f(1), [1.5, 2.25]))", ("e[*f(1)]",)),  # the check runs here
    ("assert [x * 2 for x in f(3)] == [2, 4]", ("e[*f(3)]",)),
    ("assert list(map(lambda a: a == 5, [f(1)])) == [True]", ("e[*[f(1)]]",)),
    # there, on the program's values only: the program's own functions and methods, and a few built-ins
    ("assert str(f(1)) == '1'", ("estr(f(1))",)),
    ("assert next(f(1)) == 1", ("enext(f(1))",)),
    ("assert [f(i) for i in range(3)] == [0, 2, 4]", ("e[f(i) for i in range(3)]",)),
    ("assert all(f(i) for i in range(3))", ("e(f(i) for i in range(3))",)),
    ("assert f([1, 2], key=lambda t: t) == 1", ("ef([1, 2], key=lambda t: t)",)),  # test values as its inputs
    ("assert f(1).most_common(1) == [('a', 2)]", ("ef(1).most_common(1)",)),
    ("from collections import Counter\nassert Counter(f(1)) == {1: 2}", ("xfrom collections import Counter",
                                                                          "eCounter(f(1))")),
    # statements: the program's run there, in order; program-free ones, math imports and test logic stay here
    ("r = f(3)\nassert r == 6", ("xr = f(3)", "er")),
    ("ok = f(1) == 6\nassert ok", ("ef(1)",)),
    ("r = f(1)\nok = r in [6, 7]\nassert ok", ("xr = f(1)", "er")),
    ("assert [f(1), f(2)] == [1, 2]", ("ef(1)", "ef(2)")),  # a display gathers: each element is compared here
    ("obj = Stack()\nobj.push(5)\nassert obj.pop() == 5", ("xobj = Stack()", "xobj.push(5)", "eobj.pop()")),
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
    # test logic that would run in the sandbox, where the program could answer it (an always-equal object, a
    # patched math) or read its expected value
    ("assert all(square(i) == i * i for i in range(5))", "unsupported test shape: Compare on the program's values"),
    ("assert any(f(i) == 12345 for i in range(3))", "unsupported test shape: Compare on the program's values"),
    ("assert sum(f(i) == i * 7 for i in range(3)) == 3", "unsupported test shape: Compare on the program's values"),
    ("assert [f(i) == i + 7 for i in range(3)] == [True] * 3", "unsupported test shape: Compare on the program's"),
    ("assert {i: f(i) == i for i in range(2)} == {0: True, 1: True}", "unsupported test shape: i would be evaluated"),
    ("assert (lambda x: f(x) == 99)(3)", "unsupported test shape: Lambda on the program's values"),
    ("assert str(f(1) == 5) == 'True'", "unsupported test shape: Compare on the program's values"),
    ("assert str(f(1).startswith('a')) == 'True'", "unsupported test shape: 'a' would be evaluated in the sandbox"),
    ("assert f(1).__eq__(5)", "unsupported test shape: f(1).__eq__: dunder names"),
    ("assert __import__('math').isclose(f(1), 2.0)", "unsupported test shape: __import__: dunder names"),
    ("assert '%d' % f(1) == '2'", "unsupported test shape: '%d' would be evaluated in the sandbox"),
    ("assert list(map(f, [1, 2])) == [2, 4]", "unsupported test shape: [1, 2] would be evaluated in the sandbox"),
    ("import math as m\nassert m.isclose(f(1), 2.0)", "unsupported test shape: 2.0 would be evaluated"),
    ("import operator\nassert operator.eq(f(1), 5)", "unsupported test shape: 5 would be evaluated"),
    ("def check(x):\n    return x == 5\nassert check(f(1))", "unsupported test shape: Compare on the program's"),
    ("def check(a, b):\n    return a - b\nassert check(f(1), 5) == 0", "unsupported test shape: a - b takes more"),
    ("def check(a, b):\n    return g(a, b)\nassert check(f(1), 5)", "unsupported test shape: 5 would be evaluated"),
    ("r = f(1)\ng(r == 5)\nassert r", "unsupported test shape: Compare on the program's values"),
    ("if f(1):\n    r = 1", "unsupported test shape: a if statement would run in the sandbox"),
    # an expected value computed in the sandbox, where the program can read or rewrite it: one side must be here
    ("from collections import Counter\nassert Counter(f(1)) == Counter([1, 2, 2, 3])", "unsupported test shape: "
     "Counter(f(1)) == Counter([1, 2, 2, 3]) takes more than one value from the sandbox"),
    ("import heapq\nassert f(1) == heapq.nsmallest(1, [5, 3, 9])", "unsupported test shape: f(1) == heapq.nsm"),
    ("import sys\nassert f(1) == sys.maxsize", "unsupported test shape: f(1) == sys.maxsize takes more than one"),
    ("assert f(1) == expected", "unsupported test shape: f(1) == expected takes more than one"),  # from the setup
    ("assert f() == OrderedDict([(3, 4), (1, 2)])", "unsupported test shape: f() == OrderedDict("),
    ("assert all(a == b for a, b in zip(f(1), EXPECTED))", "unsupported test shape: zip(f(1), EXPECTED) takes"),
    ("r = list(map(str, f(1)))\nassert r == expected", "unsupported test shape: r == expected takes more than"),
    ("r = list(map(str, EXPECTED))\nassert all(x in r for x in f(2))", "unsupported test shape: (x in r for x in"),
    ("assert f() != f()", "unsupported test shape: f() != f() takes more than one value"),
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
    ("assert f() != float('nan')", [math.nan], True),
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
    ("assert all(x > 0 for x in f())", [[True, True]], True),  # the comprehension runs here, on its items
    ("assert all(x == y for x, y in zip(f(), [17, 23]))", [[17, 23]], True),
    ("assert all(x == y for x, y in zip(f(), [17, 23]))", [[17, 24]], False),
    ("ok = f() == 6\nassert ok", [6], True),
    ("ok = f() == 6\nassert ok", [7], False),
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


M61 = (1 << 61) - 1  # every multiple of it hashes to 0
COLLIDING = ",".join(str(k * M61) for k in range(1, 40_000))  # about 1 MB: a table of them takes n**2 steps


@pytest.mark.parametrize("test, data, why", [
    # a range crosses as three ints: the check would iterate 10**18 of them (F9)
    *((t, '["r",0,1000000000000000000,1]', "value too large to check") for t in (
        "assert max(f()) == 5", "assert min(f()) == 5", "assert all(f())", "assert math.prod(f()) == 0",
        "assert set(f()) == set((4, 5))", "assert frozenset(f()) == {1}", "assert sorted(f()) == [1]",
        "assert sum(f(), 0) == 1", "assert len(f()) == 1")),
    # items that all share a hash: building their set or dict here would take minutes (F10)
    ("assert f() == {1}", f'["s",[{COLLIDING}]]', "value too costly to check"),
    ("assert f() == {1: 1}", '["d",[' + ",".join(f"[{k * M61},0]" for k in range(1, 30_000)) + "]]",
     "value too costly to check"),
    ("assert set(f()) == {1}", f'["l",[{COLLIDING}]]', "CheckError: value too costly to check"),
    ("assert {x for x in f()} == {1}", f'["l",[{COLLIDING}]]', "CheckError: value too costly to check"),
    ("assert {1}.union(f()) == {1}", f'["l",[{COLLIDING}]]', "CheckError: value too costly to check"),
    ("assert {1: 2}.keys() | f() == {1}", f'["l",[{COLLIDING}]]', "CheckError: value too costly to check"),
    ("assert dict(f()) == {}", '["l",[' + ",".join(f'["t",[{k * M61},0]]' for k in range(1, 30_000)) + "]]",
     "CheckError: value too costly to check"),
    # built-ins whose work grows faster than what they are given
    ("assert math.prod(f()) == 1", '["l",[' + ",".join(map(str, range(2, 100_000))) + "]]",
     "CheckError: a product whose steps take more than"),
    ("assert sum(f(), []) == [1]", '["l",[' + ",".join(['["l",[1]]'] * 60_000) + "]]",
     "CheckError: a sum of sequences that copies more than"),
])
def test_what_the_check_builds_from_a_value_stays_cheap(test, data, why):
    """The trainer pays for the check, however the program shapes its value (or forges the report)."""
    plan = split_test(test)
    raw = ('["ok",[[' + ",".join(['["value",' + data + "]"] * len(plan.steps)) + "]]]").encode()
    start = time.process_time()
    _, [results] = read_report(raw, [plan])
    assert judge(plan, results).startswith(why)
    assert time.process_time() - start < 1.0  # without the guards: minutes; 1 s leaves room for a loaded CPU


def test_honest_sets_and_dicts_are_not_refused():
    values = [[1] * 100_000, list(range(100_000)), [-1, -2] + [k * M61 for k in range(1, MAX_HASH_TIES)]]
    assert all(_judge("assert len(set(f())) > 0", v) is None for v in values)
    raw = b'["ok",[[["value",["s",[' + ",".join(map(str, range(50_000))).encode() + b"]]]]]]"
    assert read_report(raw, [PLAN])[1][0][0] == ("value", set(range(50_000)))
