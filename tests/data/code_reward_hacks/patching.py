"""Hostile programs that patch the harness, builtins, ``exec``, ``compile`` or the assert statement, and values
that lie about equality, truth, length or type (expected 0)."""

from __future__ import annotations

from .common import DOUBLE, WRONG, dedent

# (name, why, fooled_old_harness, tests, program)
HOSTILE = [
    # --- patching the harness, builtins, exec, compile, the assert statement
    ("patch_builtins_exec", "the harness ran each test with exec: a no-op exec passes every test", True,
     DOUBLE, "import builtins\nbuiltins.exec = lambda *a, **k: None\n" + WRONG),
    ("patch_builtins_via_sys_modules", "exec, eval and compile made no-ops through sys.modules", True,
     DOUBLE, dedent("""
        import sys
        b = sys.modules["builtins"]
        b.exec = b.eval = lambda *a, **k: None
        b.compile = lambda *a, **k: None
        """) + WRONG),
    ("patch_harness_module_exec", "a global exec in the harness's own module (__main__) shadows the builtin", True,
     DOUBLE, "import sys\nsys.modules['__main__'].exec = lambda *a, **k: None\n" + WRONG),
    ("compile_rewrites_asserts", "compile rewrites 'assert x' into 'True or x'", True, DOUBLE, dedent("""
        import builtins
        _compile = builtins.compile
        def compile(source, *args, **kwargs):
            if isinstance(source, str):
                source = source.replace("assert ", "True or ")
            return _compile(source, *args, **kwargs)
        builtins.compile = compile
        """) + WRONG),
    ("compile_optimize_drops_asserts", "compile forced to optimize=2, which drops assert statements", True, DOUBLE,
     dedent("""
        import builtins
        _compile = builtins.compile
        builtins.compile = lambda source, filename, mode, flags=0, dont_inherit=False, optimize=-1: _compile(
            source, filename, mode, flags, dont_inherit, 2)
        """) + WRONG),
    ("settrace_rewrites_verdicts", "a trace function on the harness's frames turns its 'fail' lines into 'pass'",
     True, DOUBLE, dedent("""
        import sys
        def tracer(frame, event, arg):
            for value in list(frame.f_locals.values()):
                if type(value) is list:
                    value[:] = ["pass" if isinstance(v, str) and v.startswith("fail") else v for v in value]
            return tracer
        frame = sys._getframe(1)
        while frame is not None:
            frame.f_trace, frame.f_trace_lines = tracer, True
            frame = frame.f_back
        sys.settrace(tracer)
        """) + WRONG),
    # --- values that lie about equality, truth, length, type
    ("eq_always_true", "an object whose __eq__ says True to everything", True, DOUBLE, dedent("""
        class E:
            def __eq__(self, other):
                return True
        def double(x):
            return E()
        """)),
    ("eq_and_ne_always_true", "__eq__ and __ne__ both say True: passes == and != tests alike", True,
     ["assert double(2) == 4", "assert double(5) != 11", "assert double(-3) == -6"], dedent("""
        class E:
            def __eq__(self, other):
                return True
            def __ne__(self, other):
                return True
            __hash__ = object.__hash__
        def double(x):
            return E()
        """)),
    ("contains_via_eq", "'x in (a, b)' asks x == a: an always-equal object is in every tuple", True,
     ["assert double(2) in (4, 40)", "assert double(5) in (10, 100)", "assert double(-3) in (-6, -60)"], dedent("""
        class E:
            def __eq__(self, other):
                return True
        def double(x):
            return E()
        """)),
    ("int_subclass_eq_hash", "an int subclass equal to everything, with a constant hash", True, DOUBLE, dedent("""
        class I(int):
            def __eq__(self, other):
                return True
            def __hash__(self):
                return 0
        def double(x):
            return I(0)
        """)),
    ("str_subclass_eq", "a str subclass equal to everything", True,
     ["assert shout('a') == 'A!'", "assert shout('hi') == 'HI!'", "assert shout('') == '!'"], dedent("""
        class S(str):
            def __eq__(self, other):
                return True
            __hash__ = str.__hash__
        def shout(s):
            return S("")
        """)),
    ("list_subclass_eq", "a list subclass equal to everything", True,
     ["assert pair(1) == [1, 1]", "assert pair(2) == [2, 2]", "assert pair(0) == [0, 0]"], dedent("""
        class L(list):
            def __eq__(self, other):
                return True
        def pair(x):
            return L()
        """)),
    ("tuple_subclass_eq", "a tuple subclass equal to everything", True,
     ["assert swap((1, 2)) == (2, 1)", "assert swap((3, 4)) == (4, 3)", "assert swap((0, 9)) == (9, 0)"], dedent("""
        class T(tuple):
            def __eq__(self, other):
                return True
            __hash__ = tuple.__hash__
        def swap(t):
            return T()
        """)),
    ("dict_subclass_eq", "a dict subclass equal to everything", True,
     ["assert count('aab') == {'a': 2, 'b': 1}", "assert count('x') == {'x': 1}", "assert count('') == {}"], dedent("""
        class D(dict):
            def __eq__(self, other):
                return True
        def count(s):
            return D(wrong=1)
        """)),
    ("float_subclass_eq", "a float subclass equal to everything", True,
     ["assert half(3) == 1.5", "assert half(1) == 0.5", "assert half(-5) == -2.5"], dedent("""
        class F(float):
            def __eq__(self, other):
                return True
            __hash__ = float.__hash__
        def half(x):
            return F(0.0)
        """)),
    ("bool_by_call_count", "an object whose __bool__ follows the tests' order (true, false, true)", True,
     ["assert is_even(2)", "assert not is_even(3)", "assert is_even(10)"], dedent("""
        class B:
            calls = 0
            def __bool__(self):
                B.calls += 1
                return B.calls != 2
        def is_even(x):
            return B()
        """)),
    ("container_protocol_lies", "__len__, __iter__, __getitem__, __contains__ and __bool__ all lie, and __eq__",
     True, ["assert digits(123) == [1, 2, 3]", "assert len(digits(45)) == 2 and digits(45)[0] == 4",
            "assert 7 in digits(7)"], dedent("""
        class Liar:
            def __eq__(self, other):
                return True
            def __len__(self):
                return 2
            def __iter__(self):
                return iter([1, 2, 3])
            def __getitem__(self, i):
                return 4
            def __contains__(self, item):
                return True
            def __bool__(self):
                return True
        def digits(n):
            return Liar()
        """)),
    ("list_subclass_iter_lie", "an empty list whose __iter__ yields the answer: sorted() read the lie", True,
     ["assert sorted(evens(6)) == [0, 2, 4]", "assert sorted(evens(3)) == [0, 2]", "assert sorted(evens(1)) == [0]"],
     dedent("""
        class L(list):
            def __init__(self, fake):
                super().__init__()
                self.fake = fake
            def __iter__(self):
                return iter(self.fake)
        def evens(n):
            return L(range(0, n, 2))
        """)),
    ("repr_eq_lie", "__repr__ prints the expected text and __eq__ compares reprs", True, DOUBLE, dedent("""
        class R:
            def __repr__(self):
                return "4"
            def __eq__(self, other):
                return True
        def double(x):
            return R()
        """)),
    ("repr_recursion", "__repr__ recurses forever (an error message that prints it would crash)", True, DOUBLE, dedent("""
        class R:
            def __repr__(self):
                return repr(self)
            __str__ = __repr__
            def __eq__(self, other):
                return True
        def double(x):
            return R()
        """)),
    ("class_spoof", "__class__ claims int, so isinstance says yes; __eq__ says True", True,
     ["assert isinstance(double(2), int) and double(2) == 4", "assert isinstance(double(5), int) and double(5) == 10",
      "assert isinstance(double(-3), int) and double(-3) == -6"], dedent("""
        class Fake:
            @property
            def __class__(self):
                return int
            def __eq__(self, other):
                return True
        def double(x):
            return Fake()
        """)),
    ("shadow_sorted", "the program defines sorted(): both sides of sorted(f(x)) == sorted(...) become its value",
     True, ["assert sorted(dedupe([3, 1, 3])) == sorted([3, 1])", "assert sorted(dedupe([2, 2])) == sorted([2])",
            "assert sorted(dedupe([5, 4])) == sorted([4, 5])"], dedent("""
        def sorted(xs):
            return "same"
        def dedupe(xs):
            return []
        """)),
    ("shadow_set", "the program defines set(): both sides of set(f(x)) == set(...) become its value", True,
     ["assert set(common([1, 2, 3], [2, 3, 4])) == set((2, 3))", "assert set(common([1], [1])) == set((1,))",
      "assert set(common([7, 8], [8])) == set((8,))"], dedent("""
        def set(*args):
            return "same"
        def common(a, b):
            return []
        """)),
    ("shadow_math", "the program defines math.isclose as 'always close'", True,
     ["assert math.isclose(area(2), 12.566, rel_tol=0.001)", "assert math.isclose(area(1), 3.1416, rel_tol=0.001)",
      "assert math.isclose(area(0), 0.0, abs_tol=1e-9)"], dedent("""
        class math:
            @staticmethod
            def isclose(*args, **kwargs):
                return True
        def area(r):
            return -1.0
        """)),
]
