"""No code execution from answers or golds: an injection corpus, the workers' audit guard, a static scan.

The corpus is built here: Python payloads (dunder chains, ``__import__``, ``getattr``, ``chr`` sums, lambda,
unicode identifiers, format strings, attribute access on literals, eval/exec/compile, sympy entry points),
written plainly and encoded several ways, each wrapped in the ways an answer can be written (plain, boxed,
``$...$``, ``\\text{}``, ``\\frac{}{}``, prose...). Every payload goes through ``grade_many``,
``r1_zero_reward_fn`` and the TRL reward functions, as the prediction and as the gold.

Three detectors, any of which a real execution trips:
- canary files: the payloads' commands create files in a fresh folder, which must stay empty;
- a sentinel: a random number in an environment variable the workers inherit; payloads that read it
  would make the answer equal the gold (or the prediction), so every payload must score 0;
- the audit log: the workers' guard must have refused nothing (a refusal means some path tried).
"""

import ast
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from r1zero.grading import grader as grading
from r1zero.grading.grader import grade_many, r1_zero_reward_fn

REPO = Path(__file__).resolve().parents[2]
SENTINEL_VAR = "R1ZS"  # short names: the encoded payloads must stay short enough to reach every parser
CANARY_VAR = "R1ZC"


def _chr_sum(text: str) -> str:
    return "+".join(f"chr({ord(c)})" for c in text)


def _python_payloads() -> list[str]:
    """Python expressions that would leave a trace (a file, or the sentinel's value) if they ran."""
    touch = lambda name: f"touch ${CANARY_VAR}/{name}"  # noqa: E731 - the workers inherit the variable
    env = f"int(__import__('os').environ['{SENTINEL_VAR}'])"
    chr_os = _chr_sum("os")
    return [
        f"__import__('os').system('{touch('system')}')",
        f"__import__({chr_os}).system({_chr_sum(touch('chr'))})",  # the reported exploit's shape
        f"int(__import__({chr_os}).getenv({_chr_sum(SENTINEL_VAR)}))",
        f"Integer(__import__({chr_os}).getenv({_chr_sum(SENTINEL_VAR)}))",  # scored 1 by the old grader
        env,
        f"{env}+0",
        f"1*{env}",
        f"open(__import__('os').environ['{CANARY_VAR}']+'/open','w').write('x')",
        f"__import__('pathlib').Path(__import__('os').environ['{CANARY_VAR}'],'pathlib').touch()",
        f"__import__('subprocess').run('{touch('subprocess')}',shell=True)",
        f"eval(\"__import__('os').system('{touch('eval')}')\")",
        f"exec(\"import os; os.system('{touch('exec')}')\")",
        f"compile('1','x','eval') and __import__('os').system('{touch('compile')}')",
        f"getattr(__import__('os'),'system')('{touch('getattr')}')",
        f"getattr(__builtins__,'ev'+'al')(\"{env}\")",
        f"__builtins__.__dict__['__import__']('os').system('{touch('builtins')}')",
        f"(lambda: __import__('os').system('{touch('lambda')}'))()",
        f"(lambda f: f())(lambda: {env})",
        f"[__import__('os').system('{touch('listcomp')}') for _ in [0]][0]",
        f"f\"{{__import__('os').system('{touch('fstring')}')}}\"",
        "'{0.__class__.__init__.__globals__}'.format(1)",
        "().__class__.__base__.__subclasses__()",
        "(1).__class__.__bases__[0].__subclasses__()[0]",
        "[].__class__.__mro__[-1].__subclasses__()",
        "''.__class__.__mro__[1].__subclasses__()",
        f"__import__('socket').create_connection(('127.0.0.1', 9)) or {env}",
        f"ｅｖａｌ(\"{env}\")",  # fullwidth letters: Python reads them as eval (NFKC)
        f"ｅｘｅｃ(\"__import__('os').system('{touch('fullwidth')}')\")",
        f"__import__('sympy').sympify(\"{env}\")",
        f"__import__('sympy').parsing.sympy_parser.parse_expr(\"{env}\")",
        "Symbol('x').__class__.__mro__",
        f"globals()['__builtins__']['eval'](\"{env}\")",
        "vars()['__builtins__']",
        "breakpoint()",
        f"__import__('ctypes').CDLL(None).system(b'{touch('ctypes')}')",
        f"__import__('pickle').loads(b'cos\\nsystem\\n(S\"{touch('pickle')}\"\\ntR.')",
        f"{env} if 1 else 0",
        f"__import__('importlib').import_module('os').system('{touch('importlib')}')",
        f"__import__(bytes([111,115]).decode()).system('{touch('bytes')}')",
    ]


def _latex_payloads() -> list[str]:
    """LaTeX whose text expands into such code in a careless converter."""
    env = f"int(__import__('os').environ['{SENTINEL_VAR}'])"
    return [
        f"\\text{{{env}}}",
        f"\\operatorname{{eval}}(\\text{{{env}}})",
        "\\mathrm{__import__}(\\text{os})",
        f"\\frac{{__import__('os').system('touch ${CANARY_VAR}/frac')}}{{1}}",
        f"\\sqrt{{int(__import__({_chr_sum('os')}).getenv({_chr_sum(SENTINEL_VAR)}))}}",
        f"\\verb|{env}|",
        "\\operatorname{exec}\\left(\\text{import os}\\right)",
        "\\mathtt{getattr}(x, \\text{system})",
    ]


WRAPPERS = [
    "{p}", "\\boxed{{{p}}}", "${p}$", "\\({p}\\)", "\\text{{{p}}}", "\\mathrm{{{p}}}", "\\frac{{{p}}}{{1}}",
    "{p} + 0", "x = {p}", "the answer is {p}", "\\left({p}\\right)", "So the total is {p} apples",
    "{p}^{{1}}",
]


def build_corpus() -> list[str]:
    payloads = _python_payloads()
    encoded = [p.replace("'", '"') for p in payloads] + [p.replace("__import__", "__builtins__.__import__")
                                                           for p in payloads]
    corpus = [w.format(p=p) for p in payloads + encoded + _latex_payloads() for w in WRAPPERS]
    return list(dict.fromkeys(corpus))


@pytest.fixture
def traps(tmp_path, monkeypatch):
    """(sentinel value, canary folder) in environment variables, with a fresh grader pool so that its
    workers inherit them."""
    value = str(random.SystemRandom().randint(10**8, 10**9 - 1))
    canary = tmp_path / "canary"
    canary.mkdir()
    monkeypatch.setenv(SENTINEL_VAR, value)
    monkeypatch.setenv(CANARY_VAR, str(canary))
    grading.shutdown_pool()
    yield value, canary
    grading.shutdown_pool()


def _respond(answer: str) -> str:
    return f"Reasoning. </think> <answer> {answer} </answer>"


def test_injection_corpus_runs_nothing(traps):
    from step3_GRPO.train.rewards_math import math_rewards

    sentinel, canary = traps
    corpus = build_corpus()
    assert len(corpus) >= 500
    refused_before = len(grading.refused_events())

    as_prediction = grade_many([_respond(p) for p in corpus], [sentinel] * len(corpus), workers=2, timeout_s=2.0)
    as_gold = grade_many([_respond(sentinel)] * len(corpus), corpus, workers=2, timeout_s=2.0)
    one_by_one = [r1_zero_reward_fn(_respond(p), sentinel)["reward"] for p in corpus[::7]]
    one_by_one += [r1_zero_reward_fn(_respond(sentinel), p)["reward"] for p in corpus[3::7]]
    trl_rewards = []
    for name in ("r1_zero", "r1_zero_answer", "grail_correctness"):
        fn = math_rewards()[name]
        trl_rewards += fn(None, [_respond(p) for p in corpus], answer=[sentinel] * len(corpus))
        trl_rewards += fn(None, [[{"role": "assistant", "content": _respond(sentinel)}]] * len(corpus),
                          answer=corpus)

    assert sorted(os.listdir(canary)) == [], "a payload ran: it created files"
    assert [r["answer_reward"] for r in as_prediction] == [0.0] * len(corpus)
    assert [r["answer_reward"] for r in as_gold] == [0.0] * len(corpus)
    assert one_by_one == [0.0] * len(one_by_one)
    assert trl_rewards == [0.0] * len(trl_rewards)
    assert grading.refused_events()[refused_before:] == [], "the audit guard refused something while grading"


def test_the_worker_guard_refuses_and_fails_closed(tmp_path):
    """A grading regression that runs code (simulated: ``equal`` replaced by eval and friends) scores 0,
    leaves no trace and reports what was refused; outside the guard the same calls work."""
    canary = tmp_path / "canary"
    canary.mkdir()
    script = f"""
import json, os, socket, subprocess
from r1zero.grading import _worker as gw
warm_up_refusals = gw._init_worker()
real_equal = gw.equal
attempts = {{
    "eval": lambda: eval("6*7"),
    "exec": lambda: exec("x = 42"),
    "compile": lambda: compile("42", "<answer>", "eval"),
    "system": lambda: os.system("touch {canary / 'system'}"),
    "subprocess": lambda: subprocess.run(["touch", "{canary / 'subprocess'}"]),
    "open_write": lambda: open("{canary / 'open'}", "w").write("x"),
    "socket": lambda: socket.socket(),
    "import": lambda: __import__("xml.dom.minidom"),
    "putenv": lambda: os.environ.__setitem__("R1Z_GUARD_TEST", "1"),
    "remove": lambda: os.remove("{canary}"),
}}
out = {{"warm_up": warm_up_refusals}}
for name, attempt in attempts.items():
    def regressed_equal(pred, gold, attempt=attempt):
        attempt()
        return True  # a regression that would call every answer right
    gw.equal = regressed_equal
    out[name] = gw.grade_task(((("not plain (math", "7", "="),),), 2.0)
gw.equal = real_equal  # the guard is not left stuck: a normal answer still grades
out["still_grades"] = gw.grade_task(((("\\\\frac{{14}}{{2}}", "7", "="),),), 2.0)
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out.pop("warm_up") == []
    still = out.pop("still_grades")
    assert still[0] is True and still[2] == []
    for name, (ok, _, refused) in out.items():
        assert ok is False, f"{name}: a guarded regression still scored the answer right"
        assert refused, f"{name}: the guard refused nothing"
    assert os.listdir(canary) == []
    # the same operations work outside the guard (the hook is inert there)
    assert subprocess.run([sys.executable, "-c", "print(eval('6*7'))"], capture_output=True, text=True).stdout == "42\n"


UNSAFE_CALLS = {"eval", "exec", "compile", "__import__", "parse_expr", "sympify", "latex2sympy", "literal_eval",
                "ExprExtractionConfig", "pickle.load", "pickle.loads", "marshal.loads", "os.system", "os.popen",
                "torch.load"}


def _dotted(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_dotted(func.value) or '?'}.{func.attr}"  # model.eval() is a method, not eval()
    return None


def _unsafe_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func) or ""
        weights_only = any(k.arg == "weights_only" and getattr(k.value, "value", None) is True for k in node.keywords)
        if name == "torch.load" and weights_only:
            continue  # tensors only: torch refuses to unpickle anything else
        if name in UNSAFE_CALLS or name.rsplit(".", 1)[-1] in ("parse_expr", "sympify", "latex2sympy"):
            yield name, node.lineno
        if any(k.arg == "shell" and getattr(k.value, "value", None) is True for k in node.keywords):
            yield f"{name}(shell=True)", node.lineno


# The code sandbox's harness runs model-written programs by design, and only inside the sandbox process
# (r1zero.sandbox.execute starts it with `python -c`; nothing imports it): exec and compile are allowed there alone.
SANDBOX_RUNNER = "r1zero/sandbox/runner.py"
SANDBOX_RUNNER_CALLS = {"exec", "compile"}


def _tree_files():
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if not any(part.startswith(".") or part in ("build", "outputs") for part in Path(rel).parts):
            yield rel, ast.parse(path.read_text(), filename=rel)


def test_no_code_execution_primitives_in_the_tree():
    """No eval/exec/compile/parse_expr/sympify/__import__/pickle/os.system/shell=True in our own code."""
    found = []
    for rel, tree in _tree_files():
        allowed = SANDBOX_RUNNER_CALLS if rel == SANDBOX_RUNNER else set()
        found += [f"{rel}:{line} {name}" for name, line in _unsafe_calls(tree) if name not in allowed]
    assert found == []


def test_the_sandbox_runner_is_never_imported():
    """The harness that may exec runs only as the sandboxed process's script, never inside one of ours."""
    module = SANDBOX_RUNNER.removesuffix(".py").replace("/", ".")
    found = []
    for rel, tree in _tree_files():
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            found += [f"{rel}:{node.lineno}" for n in names if n == module]
    assert found == []


def test_the_guard_allows_dataclass_code_generation_and_nothing_more():
    """Libraries define dataclasses lazily while grading (math-verify's integrals): the code @dataclass
    compiles from the class's own fields passes; a string compiled anywhere else is still refused."""
    script = """
import dataclasses, json
from r1zero.grading import _guard as grading_guard
grading_guard.install(".")
out = {}
with grading_guard.guarding() as refused:
    Point = dataclasses.make_dataclass("Point", ["x", "y"])
    out["dataclass"] = repr(Point(1, 2))
    try:
        exec("x = 1")
    except PermissionError:
        out["exec"] = "refused"
out["refused"] = refused
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["dataclass"] == "Point(x=1, y=2)" and out["exec"] == "refused"
    assert len(out["refused"]) == 1 and "x = 1" in out["refused"][0]  # only the plain string was refused
