"""The expensive layers of the grader, run in worker processes: math-verify, then sympy fallbacks.

``equal(pred, gold)`` is the whole comparison for one (answer, gold) pair that the cheap layers could not
decide. ``serve(conn)`` is a worker's main loop: it receives chunks of tasks and sends one result per task
as soon as it is done, which is what lets the parent time every task and kill a stuck worker.

math-verify's own timeouts use SIGALRM, which only works in a main thread; we switch them off and time
each task here with ``setitimer`` (a soft limit that keeps the worker alive), while the parent enforces
the hard limit by killing the process (sympy can block inside C code, where no signal handler runs).

No text is ever evaluated: plain-text answers go through ``r1zero.grading.plain_math`` (an allow-listed grammar),
LaTeX through math-verify's ``LatexExtractionConfig`` (latex2sympy2's ANTLR parser, which builds sympy
trees). math-verify's ``ExprExtractionConfig`` is not used: it hands text to sympy's ``parse_expr``, which
runs Python. Each answer is graded under ``r1zero.grading._guard``'s audit hook, so a regression that tries
to run code, start a process, open a socket or write a file fails closed: the answer scores 0 and the
parent logs what was refused. A worker exits on its own within ``PARENT_CHECK_S`` once its parent is gone.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import signal
import threading
import time

from r1zero.grading import _guard as grading_guard
from r1zero.grading._collections import bare_list_in_gold_brackets
from r1zero.grading._normalize import light_clean, normalize
from r1zero.grading._numbers import (
    DECIMAL_REL_TOL,
    decimal_gold,
    parse_number,
    rounding_tolerance,
    rounds_to,
    within_rounding,
)
from r1zero.grading.plain_math import parse_plain

_MEMORY_LIMIT_BYTES = 4 << 30  # a worker that blows past this gets MemoryError, not the machine swapping
PROSE_CHARS = 200
_WORDS = re.compile(r"(?<!\\)\b[A-Za-z]{2,}\b")
PARENT_CHECK_S = 0.2
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SET_OPEN = ("\\{", "\\lbrace")


WARM_UP = [
    ("x^2+1", "(x+1)^2"), ("\\{1,2\\}", "\\{2,1\\}"), ("(0,1]", "[0,1)"), ("x = 5", "y=5"),
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix}1\\\\3\\end{pmatrix}"), ("sqrt(2)/2", "\\sin(x)"),
    ("so it is \\frac{a}{b}", "\\text{b}"), ("x > 3", "3 < x"), ("30\\%", "\\frac{3}{10}"),
    ("\\int_0^1 2x\\,dx", "1"), ("1.41421356", "\\sqrt{2}"), ("(0.5, 1]", "(\\frac{1}{2}, 1]"),
]
TRL_ACCURACY = "trl"  # a check's mode: TRL's accuracy_reward on (the whole completion, the gold as LaTeX)
TRL_WARM_UP = [("So \\boxed{\\frac{1}{2}} cm.", "$0.5$"), ("$x^2+1$", "$(x+1)^2$"), ("no answer", "$42$")]


class SoftTimeout(BaseException):
    """Raised by the worker's timer; a BaseException so that math-verify's ``except Exception`` can't eat it."""


@functools.cache
def _configs() -> list:
    from math_verify import LatexExtractionConfig

    return [LatexExtractionConfig()]  # never ExprExtractionConfig: it runs parse_expr (Python) on the text


@functools.lru_cache(maxsize=4096)  # a gold is parsed once for all the answers to it (n samples, GRPO groups)
def _parse(text: str, wrap: bool):
    from math_verify import parse

    return tuple(parse(f"${text}$" if wrap else text, _configs(), parsing_timeout=None))  # immutable: cached


def _is_set(s: str) -> bool:
    return s.startswith(_SET_OPEN)


def _is_tuple_or_interval(s: str) -> bool:
    return len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and "," in s


def _rational(expr):
    """``expr`` with each decimal read exactly as written (``0.333333`` is 333333/1000000, not 1/3)."""
    from sympy import Float, Rational

    floats = expr.atoms(Float) if hasattr(expr, "atoms") else ()
    return expr.xreplace({f: Rational(str(f)) for f in floats}) if floats else expr


def _exactly_equal(gold, pred, otherwise: bool) -> bool:
    """Exact equality of two parsed answers, for exact golds: math-verify compares numbers after rounding
    to 6 places (``0.333333`` = ``\\frac13``) and closed forms to 15 digits (``\\sqrt{2} + 10^{-20}`` =
    ``\\sqrt{2}``). Scalars must differ by exactly 0 (simplified); tuples, sets, intervals and matrices
    compare item by item; for other objects (relations, unions) the answer is ``otherwise``."""
    from sympy import Expr, FiniteSet, Interval, MatrixBase, S, Tuple, simplify

    if isinstance(gold, Expr) and isinstance(pred, Expr):
        if gold.has(S.ComplexInfinity, S.NaN) or pred.has(S.ComplexInfinity, S.NaN):
            return False  # an undefined value (a division by zero, 1:00 read as 1/0) equals nothing
        if gold == pred:
            return True  # the same object: also infinities, whose difference is nan
        difference = _rational(pred) - gold
        return difference == 0 or simplify(difference) == 0
    if isinstance(gold, Tuple | MatrixBase) and type(gold) is type(pred):
        g_items = list(gold.flat()) if isinstance(gold, MatrixBase) else list(gold)
        p_items = list(pred.flat()) if isinstance(pred, MatrixBase) else list(pred)
        return len(g_items) == len(p_items) and all(
            _exactly_equal(g, p, otherwise) for g, p in zip(g_items, p_items, strict=True))
    if isinstance(gold, FiniteSet) and isinstance(pred, FiniteSet):
        return all(any(_exactly_equal(g, p, otherwise) for g in gold) for p in pred) and all(
            any(_exactly_equal(g, p, otherwise) for p in pred) for g in gold)
    if isinstance(gold, Interval) and isinstance(pred, Interval):
        return (gold.left_open, gold.right_open) == (pred.left_open, pred.right_open) and _exactly_equal(
            gold.start, pred.start, otherwise) and _exactly_equal(gold.end, pred.end, otherwise)
    return otherwise


def _symbolic_fallback(pred_exprs, gold_exprs, pred: str, gold: str) -> bool:
    """Layer 4: plain-text answers read by ``parse_plain``, then sympy: exact algebra for exact golds, a
    relative ``DECIMAL_REL_TOL`` for golds written with decimals."""
    from sympy import Basic, N

    # Plain-text readings first: math-verify reads "2*pi" as 2*p*i.
    preds = [parse_plain(pred)] + [e for e in pred_exprs if isinstance(e, Basic)]
    golds = [parse_plain(gold)] + [e for e in gold_exprs if isinstance(e, Basic)]
    tolerant = decimal_gold(gold)
    for p in preds:
        for g in golds:
            if p is None or g is None or not (hasattr(p, "free_symbols") and hasattr(g, "free_symbols")):
                continue
            try:
                if p.free_symbols != g.free_symbols:
                    continue
                if tolerant and not p.free_symbols:
                    pv, gv = complex(N(p, 30)), complex(N(g, 30))
                    finite = all(math.isfinite(x) for x in (pv.real, pv.imag, gv.real, gv.imag))
                    if finite and abs(pv - gv) <= DECIMAL_REL_TOL * max(1e-5, abs(gv)):
                        return True
                elif _exactly_equal(g, p, otherwise=False):
                    return True
            except SoftTimeout:
                raise
            except Exception:  # noqa: BLE001 - any sympy failure means "not shown equal"
                continue
    return False


def equal(pred: str, gold: str) -> bool:
    """math-verify on one answer value and one gold value, with the bracket rules, exactness for exact golds
    and the sympy fallbacks. The parent has already read the answer (``r1zero.grading._claims``): ``pred`` is
    one value, not prose to search."""
    from math_verify import verify

    p, g = light_clean(pred), light_clean(gold)
    if re.sub(r"\s+", "", p) == re.sub(r"\s+", "", g):
        return True  # the same text (too long for the cheap layers, or beyond math-verify's parser)
    pn, gn = normalize(pred) or p, normalize(gold) or g
    if (_is_set(pn) and _is_tuple_or_interval(gn)) or (_is_set(gn) and _is_tuple_or_interval(pn)):
        return False  # bracket type is significant (math-verify would match {1,2} with (1,2))
    if _is_tuple_or_interval(pn) and _is_tuple_or_interval(gn) and (pn[0], pn[-1]) != (gn[0], gn[-1]):
        return False  # other brackets, other answer: (2,\infty] is not (2,\infty) (sympy would close both)
    number = parse_number(pn)
    if number is not None and not number[2]:
        p = pn = str(number[0])  # our reading of a number is the only one: "1e3" is 1000, never 1*e*3
    bracketed = bare_list_in_gold_brackets(pn, gn)
    if bracketed == "":
        return False  # a bare list never answers an interval
    if bracketed is not None:
        p = bracketed  # a bare list answers a point in its order only
    gold_exprs = _parse(g, wrap=True)
    long_prose = _WORDS.search(p.replace("\\text", "").replace("\\frac", "")) is not None and len(p) > PROSE_CHARS
    pred_exprs = () if long_prose else _parse(p, wrap=True)  # long prose is no formula: not worth parsing
    if gold_exprs and pred_exprs and verify(list(gold_exprs), list(pred_exprs), timeout_seconds=None):
        return decimal_gold(gold) or _exactly_equal(gold_exprs[0], pred_exprs[0], otherwise=True)
    return _symbolic_fallback(pred_exprs, gold_exprs, pn, gn)


def rounds_correctly(approx: str, value: str) -> bool:
    """``approx`` rounds ``value`` (``\\sqrt{3} \\approx 1.732``), with ``value`` evaluated by sympy when the
    cheap evaluator cannot (``e^2 \\approx 7.39``)."""
    from sympy import N

    decided = rounds_to(approx, value)
    if decided is not None:
        return decided
    tolerance, number = rounding_tolerance(approx), parse_number(normalize(approx) or "")
    exprs = [e for e in _parse(light_clean(value), wrap=True) if hasattr(e, "free_symbols")]
    if tolerance is None or number is None or number[2] or not exprs or exprs[0].free_symbols:
        return False
    v = complex(N(exprs[0], 30))
    return v.imag == 0 and within_rounding(float(number[0]), v.real, tolerance)


def trl_accuracy(completion: str, solution: str) -> float | None:
    """TRL's ``accuracy_reward`` (``trl.rewards``) on one completion: 1.0, 0.0, or None when math-verify cannot
    read the gold (TRL's "skip this example"). It runs in a thread, where TRL switches math-verify's SIGALRM
    timeouts off (they would cancel ``grade_task``'s timer); past the soft limit this worker waits for the
    parent's kill rather than let the thread run on outside the guard."""
    from trl.rewards import accuracy_reward

    box: list = []

    def run() -> None:
        try:
            box.append(accuracy_reward([[{"role": "assistant", "content": completion}]], [solution])[0])
        except (Exception, RecursionError, MemoryError):  # noqa: BLE001 - model output must never crash us
            box.append(0.0)

    thread = threading.Thread(target=run, name="trl-accuracy", daemon=True)
    thread.start()
    try:
        thread.join()
    except SoftTimeout:
        thread.join()  # the parent kills this worker at its hard limit: the thread never leaves the guard
        raise
    return box[0] if box else 0.0


def _trl_task(task) -> float | None:
    """Any accepted gold pays; None only when TRL could read none of them."""
    values = [trl_accuracy(pred, gold) for alternative in task for pred, gold, _ in alternative]
    return None if all(v is None for v in values) else float(any(values))


def grade_task(task, timeout_s: float) -> tuple[bool | None, bool, list[str]]:
    """(right, timed out, refused operations) for one task: alternatives (one per accepted gold), each a
    tuple of ``(answer, gold, "=" or "≈")`` checks that must all hold; under a soft ``timeout_s`` limit.
    Anything the audit guard refused makes the answer wrong, whatever the comparison said (fail closed).
    A task of ``TRL_ACCURACY`` checks is TRL's reward instead, whose "right" may be None (gold unreadable).
    """

    def on_alarm(signum, frame):
        raise SoftTimeout

    signal.signal(signal.SIGALRM, on_alarm)
    ok, timed_out = False, False
    with grading_guard.guarding() as refused:
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            if task and task[0][0][2] == TRL_ACCURACY:
                ok = _trl_task(task)
            else:
                ok = any(all(_check(*check) for check in alternative) for alternative in task)
        except SoftTimeout:
            timed_out = True
        except (Exception, RecursionError, MemoryError):  # noqa: BLE001 - model output must never crash us
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return (False if refused else ok), timed_out, refused


def _check(pred: str, gold: str, mode: str) -> bool:
    """One check the parent's cheap layers left unsettled (``r1zero.grading.grader._cheap``)."""
    return rounds_correctly(pred, gold) if mode == "≈" else equal(pred, gold)


def _exit_with_parent(parent: int) -> None:
    """Die with the parent, even in the middle of a task. On Linux the kernel sends SIGKILL when the parent
    dies (``PR_SET_PDEATHSIG``): a thread watching ``getppid`` never runs while sympy holds the GIL in C code
    (``9^{9^{9}}``). The parent starts workers from a thread that lives as long as it does
    (``r1zero.grading._pool``), because the signal follows the thread that started the child. Elsewhere, or
    if ``prctl`` is refused, a watch thread does its best."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before the signal was armed
                os._exit(0)
            return
    except (OSError, AttributeError):
        pass

    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker() -> list[str]:
    """Set the worker up; returns what the guard refused during warm-up (nothing, unless a bug)."""
    import resource

    _exit_with_parent(os.getppid())
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > _MEMORY_LIMIT_BYTES:
            resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT_BYTES, hard))
    except (ValueError, OSError):
        pass
    # Warm every path (parsers, sets, matrices, simplify, plain text) before the first timed task: first
    # use costs up to a second. The first round runs unguarded, because importing some of sympy runs its
    # own constant strings through sympify (simplify imports sympy.physics.units lazily); the second runs
    # under the guard and reports anything it refuses (nothing, unless the libraries changed).
    import sympy.physics.units  # noqa: F401

    for pred, gold in WARM_UP:
        equal(pred, gold)
    trl = _trl_available()
    for pred, gold in TRL_WARM_UP if trl else ():
        trl_accuracy(pred, gold)
    grading_guard.install(_REPO_ROOT)
    refused = []
    for pred, gold in WARM_UP:
        refused += grade_task((((pred, gold, "="),),), 30.0)[2]
    for pred, gold in TRL_WARM_UP if trl else ():
        refused += grade_task((((pred, gold, TRL_ACCURACY),),), 30.0)[2]
    return refused


def _trl_available() -> bool:
    """Whether TRL's rewards import (done here, before the guard: its imports are not the grader's)."""
    try:
        from trl.rewards import accuracy_reward  # noqa: F401
    except ImportError:
        return False
    return True


def serve(conn) -> None:
    """Worker loop: receive ``[(task_id, task, timeout_s), ...]`` (``grade_task``'s tasks); send ``(task_id,
    right, timeout, refused)`` per task."""
    conn.send(("ready", _init_worker()))
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for task_id, task, timeout_s in chunk:
            conn.send((task_id, *grade_task(task, timeout_s)))


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    serve(Connection(int(sys.argv[1])))
