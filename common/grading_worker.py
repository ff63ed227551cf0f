"""The expensive layers of the grader, run in worker processes: math-verify, then sympy fallbacks.

``equal(pred, gold)`` is the whole comparison for one (answer, gold) pair that the cheap layers could not
decide. ``serve(conn)`` is a worker's main loop: it receives chunks of tasks and sends one result per task
as soon as it is done, which is what lets the parent time every task and kill a stuck worker.

math-verify's own timeouts use SIGALRM, which only works in a main thread; we switch them off and time
each task here with ``setitimer`` (a soft limit that keeps the worker alive), while the parent enforces
the hard limit by killing the process (sympy can block inside C code, where no signal handler runs).

No text is ever evaluated: plain-text answers go through ``common.plain_math`` (an allow-listed grammar),
LaTeX through math-verify's ``LatexExtractionConfig`` (latex2sympy2's ANTLR parser, which builds sympy
trees). math-verify's ``ExprExtractionConfig`` is not used: it hands text to sympy's ``parse_expr``, which
runs Python. Each answer is graded under ``common.grading_guard``'s audit hook, so a regression that tries
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

from common import grading_guard
from common.grading_norm import PROSE_VALUE_RE, cheap_equal, light_clean, normalize, value_tolerance
from common.plain_math import parse_plain

_MEMORY_LIMIT_BYTES = 4 << 30  # a worker that blows past this gets MemoryError, not the machine swapping
PROSE_CHARS = 200
_WORDS = re.compile(r"(?<!\\)\b[A-Za-z]{2,}\b")
PARENT_CHECK_S = 0.2
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SET_OPEN = ("\\{", "\\lbrace")


WARM_UP = [
    ("x^2+1", "(x+1)^2"), ("\\{1,2\\}", "\\{2,1\\}"), ("(0,1]", "[0,1)"), ("x = 5", "y=5"),
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix}1\\\\3\\end{pmatrix}"), ("sqrt(2)/2", "\\sin(x)"),
    ("so it is \\frac{a}{b}", "\\text{b}"), ("x > 3", "3 < x"), ("30\\%", "\\frac{3}{10}"),
]


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


def _symbolic_fallback(pred_exprs, gold_exprs, pred: str, gold: str) -> bool:
    """Layer 4: plain-text answers read by ``parse_plain``, then numeric evaluation of closed forms."""
    from sympy import Basic, N, simplify

    # Plain-text readings first: math-verify reads "2*pi" as 2*p*i.
    preds = [parse_plain(pred)] + [e for e in pred_exprs if isinstance(e, Basic)]
    golds = [parse_plain(gold)] + [e for e in gold_exprs if isinstance(e, Basic)]
    for p in preds:
        for g in golds:
            if p is None or g is None or not (hasattr(p, "free_symbols") and hasattr(g, "free_symbols")):
                continue
            try:
                if p.free_symbols != g.free_symbols:
                    continue
                if not p.free_symbols:
                    pv, gv = complex(N(p, 30)), complex(N(g, 30))
                    finite = all(math.isfinite(x) for x in (pv.real, pv.imag, gv.real, gv.imag))
                    rel_tol = value_tolerance(pred, gold)
                    if finite and (pv == gv or abs(pv - gv) <= rel_tol * max(1e-5, abs(gv))):
                        return True
                elif simplify(p - g) == 0:
                    return True
            except SoftTimeout:
                raise
            except Exception:  # noqa: BLE001 - any sympy failure means "not shown equal"
                continue
    return False


def equal(pred: str, gold: str) -> bool:
    """math-verify on the two answers, with the set/tuple bracket rule and the sympy fallbacks."""
    from math_verify import verify

    p, g = light_clean(pred), light_clean(gold)
    if re.sub(r"\s+", "", p) == re.sub(r"\s+", "", g):
        return True  # the same text (too long for the cheap layers, or beyond math-verify's parser)
    pn, gn = normalize(pred) or p, normalize(gold) or g
    if (_is_set(pn) and _is_tuple_or_interval(gn)) or (_is_set(gn) and _is_tuple_or_interval(pn)):
        return False  # bracket type is significant (math-verify would match {1,2} with (1,2))
    gold_exprs = _parse(g, wrap=True)
    prose = _WORDS.search(p.replace("\\text", "").replace("\\frac", "")) is not None
    # Long prose is no LaTeX formula: only math-verify's search of the original text makes sense there.
    pred_exprs = () if prose and len(p) > PROSE_CHARS else _parse(p, wrap=True)
    if gold_exprs and pred_exprs and verify(list(gold_exprs), list(pred_exprs), timeout_seconds=None):
        return True
    if prose:
        # Prose around the answer ("so x is 5 apples"): math-verify finds the LaTeX in the text (its own
        # $...$ tell it where math is), and the last value in the text (a number, ``2/3``, ``2,74``) is read as the answer.
        raw = _parse(pred, wrap=False)
        if gold_exprs and raw and verify(list(gold_exprs), list(raw), timeout_seconds=None):
            return True
        values = PROSE_VALUE_RE.findall(p)
        if values and cheap_equal(values[-1], gold):
            return True
    return _symbolic_fallback(pred_exprs, gold_exprs, pn, gn)


def grade_task(pred: str, golds: list[str], timeout_s: float) -> tuple[bool, bool, list[str]]:
    """``grade_pairs`` for one answer against several golds (any equal wins)."""
    return grade_pairs([(pred, gold) for gold in golds], timeout_s)


def grade_pairs(pairs, timeout_s: float) -> tuple[bool, bool, list[str]]:
    """(some (answer, gold) pair equal, timed out, refused operations) for one task, under a soft
    ``timeout_s`` limit. Anything the audit guard refused makes the answer wrong, whatever the comparison
    said (fail closed).
    """

    def on_alarm(signum, frame):
        raise SoftTimeout

    signal.signal(signal.SIGALRM, on_alarm)
    ok, timed_out = False, False
    with grading_guard.guarding() as refused:
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            for pred, gold in pairs:
                decided = cheap_equal(pred, gold)
                if decided is None:
                    decided = equal(pred, gold)
                if decided:
                    ok = True
                    break
        except SoftTimeout:
            timed_out = True
        except (Exception, RecursionError, MemoryError):  # noqa: BLE001 - model output must never crash us
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return ok and not refused, timed_out, refused


def _exit_with_parent(parent: int) -> None:
    """Exit as soon as the parent is gone (its pid changes when it dies), even in the middle of a task."""

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
    grading_guard.install(_REPO_ROOT)
    refused = []
    for pred, gold in WARM_UP:
        refused += grade_task(pred, [gold], 30.0)[2]
    return refused


def serve(conn) -> None:
    """Worker loop: receive ``[(task_id, ((answer, gold), ...), timeout_s), ...]``; send ``(task_id, equal,
    timeout, refused)`` per task."""
    conn.send(("ready", _init_worker()))
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for task_id, pairs, timeout_s in chunk:
            conn.send((task_id, *grade_pairs(pairs, timeout_s)))


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    serve(Connection(int(sys.argv[1])))
