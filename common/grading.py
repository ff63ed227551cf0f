"""r1_zero grading: the training reward and the eval score, right, fast and never hanging.

API (fixed, other stages code against it):
- ``r1_zero_reward_fn(response, ground_truth) -> {"format_reward", "answer_reward", "reward"}``;
- ``grade_many(responses, ground_truths, *, workers=None, timeout_s=2.0) -> list[dict]``, each dict
  also carrying ``extracted_answer`` (str or None) and ``timeout`` (bool);
- ``format_ok(response)`` and ``extract_answer(response)`` (r1_zero's; ``common.prompts`` has every template's).

Semantics
- format_reward is 1 iff the response contains ``</think> <answer>`` and ``</answer>`` (the exact CS336 /
  Dr. GRPO string test; a space is required between the tags).
- The answer is the text between the last ``<answer>`` and the first ``</answer>`` after it; if that text
  holds a ``\\boxed{}`` (or ``\\fbox{}``), the content of the last box is the answer. answer_reward is graded
  whether or not the format is right; ``reward = format_reward * answer_reward``.
- A list ground truth is correct if any entry matches. A gold written as ``\\boxed{...}`` or ``... #### 42``
  is reduced to the box content / the text after ``####``.
- Equivalence, cheap to expensive (``common.grading_norm`` then ``common.grading_worker``):
  1. normalised strings: math delimiters, ``\\left``/``\\right``, spacing, ``\\text{}`` wrappers,
     ``\\dfrac``/``\\tfrac``, degrees (``^\\circ``), ``\\%``, a leading "the answer is" or ``x =``, trailing
     units after a number (``5 cm``, ``12 apples``; never a lone variable letter) are removed;
  2. numbers and constants: integers, thousands separators, decimals, fractions (``\\frac{a}{b}``,
     ``\\frac12``, ``a/b``), mixed numbers (``2\\frac{1}{2}`` is 2.5), scientific notation, powers of ten,
     percent, and constant expressions (``3\\sqrt{2}``, ``\\frac{\\pi}{4}``, ``2^{10}``, a small bounded
     evaluator). Integers and fractions compare exactly; a decimal matches within a relative 1e-4
     (Qwen2.5-Math / CS336 ``numeric_equal``: 1.732 for sqrt(3), not 3.14 for pi); a decimal comma
     (``1000,99``) is read as a point only against a plain decimal on the other side. Comma lists compare
     element-wise: ordered in ``()``/``[]``, as sets in ``\\{\\}`` and bare lists; multiple-choice letters
     compare by letter (``(B)``, ``\\text{B}``, ``b``, ``(B) 12``);
  3. math-verify (``parse`` + ``verify``) for everything else: symbolic expressions, matrices, intervals,
     equations; if the answer contains prose, math-verify also searches the original text;
  4. plain-text math (``sqrt(2)/2``, ``2*pi``, ``3*s**2``; ``i`` is imaginary) read by
     ``common.plain_math``, compared with sympy, and numeric evaluation of closed forms.
- Bracket type is significant: a set ``\\{1,2\\}`` never equals a tuple or interval ``(1,2)``/``[1,2]``;
  ``(0,1)`` is not ``[0,1)``. A choice letter never equals a number (``E`` is not Euler's e).

Asymmetries (gold vs prediction)
- Percent: a percent written on either side may be read as its value or as a fraction: ``50\\%`` equals
  ``50`` and ``0.5``; but gold ``0.5`` against a bare ``50`` is wrong.
- math-verify's ``verify(gold, pred)`` is itself asymmetric: an assignment ``x = 5`` is reduced to ``5``
  on either side, but relations and intervals are read from the gold.
- A prediction far longer than the gold (more than ``max(10000, 20 x len(gold))`` characters) is wrong
  without parsing: no real answer is that long, and parsing it is how graders get stuck.
- An empty prediction is wrong. An empty or None gold is a caller bug: ``ValueError`` naming the index.
- Unlike CS336's grader, answer_reward is graded even when the format fails (the eval buckets need it);
  ``reward`` is the same as CS336's in every case.

Time and safety
- No answer or gold is ever run as code: no ``eval``/``exec``/``parse_expr``/``sympify`` of text. Plain
  text is read by an allow-listed grammar (``common.plain_math``), LaTeX by math-verify's ANTLR-based
  parser, and each worker grades under an audit hook (``common.grading_guard``) that refuses code
  execution, processes, sockets, file writes and unexpected imports; a refused operation makes the
  answer wrong and is logged (``refused_events()``). See docs/security.md.
- The cheap layers run in the calling process with bounded work; they settle most answers (all-number
  golds, the bulk of GSM8K and MATH). Only the rest goes to a process pool (math-verify uses SIGALRM,
  which threads cannot use), created once, reused across calls and shut down at exit.
- Identical (answer, gold) pairs are graded once per call (GRPO groups repeat answers a lot); tasks go to
  workers in chunks and results stream back per task, so every answer is timed on its own.
- Each answer has a hard wall-clock limit: a soft timer in the worker at ``timeout_s``, and the parent
  kills a worker still busy at ``timeout_s + 0.25`` s and swaps in a standby worker started in advance.
  A timed-out (or crashing) answer scores 0 with ``"timeout": True``. Nothing in model output can raise.
  Answers settled by a worker are remembered across calls (not timeouts); GRPO revisits problems.
- Results are in input order and deterministic, except that an answer that needs close to ``timeout_s``
  may time out on a loaded machine and not on an idle one.
- Workers are plain subprocesses (``python -m common.grading_worker``), not forks of the caller: safe
  beside torch/CUDA threads, and usable from scripts, notebooks and stdin without a ``__main__`` guard.
  Each starts in one to three seconds (it imports sympy and math-verify and warms every parsing path);
  tasks are only timed once it is ready. ``start_pool()`` starts them ahead of time.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque

from common.grading_norm import all_boxed, cheap_equal, last_boxed, several_answers
from common.prompts import answer_tag_extract, answer_tag_format_ok, get_template


def source_hash(*names: str) -> str:
    """A short hash of these modules of common/, so eval manifests change when grading can."""
    import hashlib

    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256()
    for name in names:
        with open(os.path.join(here, name), "rb") as fh:
            digest.update(fh.read())
    return digest.hexdigest()[:12]


GRADER_VERSION = f"layered-1+{source_hash('grading.py', 'grading_norm.py', 'grading_worker.py')}"  # step4 contract
KILL_MARGIN_S = 0.25  # the parent kills a worker this long after the worker's own soft limit
WORKER_START_TIMEOUT_S = 120.0
MAX_DEFAULT_WORKERS = 4
LONG_ANSWER_CHARS = 10_000
SLOW_CACHE_SIZE = 50_000  # worker verdicts remembered across calls, oldest dropped first
_SLOW_VERDICTS: dict[tuple, bool] = {}
MAX_REFUSALS_KEPT = 1000
_REFUSALS: list[dict] = []
logger = logging.getLogger("common.grading")
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


format_ok = answer_tag_format_ok  # r1_zero's format test (``common.prompts`` holds every template's)
extract_answer = answer_tag_extract  # r1_zero's answer: the last <answer> block, or the last box inside it


def _clean_gold(value) -> str:
    """A gold's answer text: after ``####``; the content of its box, or of all its boxes as one list."""
    text = str(value).strip()
    if "####" in text:
        text = text.rsplit("####", 1)[1].strip()
    if "\\boxed" in text or "\\fbox" in text:
        boxes = all_boxed(text)
        text = ", ".join(b.strip() for b in boxes) if len(boxes) > 1 else (last_boxed(text) or text).strip()
    return text


def gold_answers(value) -> tuple[str, ...]:
    """The one gold normaliser: a dataset's answer cell (a string, a number, a list of accepted answers, a
    numpy array from a parquet list column) as the tuple of accepted answer texts; empty when there is none."""
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays and scalars (parquet columns)
        value = value.tolist()
    items = list(value) if isinstance(value, list | tuple) else [value]
    return tuple(g for g in (_clean_gold(v) for v in items if v is not None and v == v) if g)  # v == v: not NaN


def _golds(value, index: int) -> tuple[str, ...]:
    golds = gold_answers(value)
    if not golds:
        raise ValueError(f"ground truth at index {index} is None or empty")
    return golds


def _pairs(pred: str, boxes: list[str], golds: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The (answer, gold) comparisons for one response; any equal pair makes it right.

    The answer is ``pred``, except against a gold with several answers when the answer region holds several
    boxes: then all of them, as one comma list (``\\boxed{1}`` and ``\\boxed{-2}`` answer ``1,-2``).
    """
    several = ", ".join(b.strip() for b in boxes) if len(boxes) > 1 else None
    return tuple((several if several and several_answers(g) else pred, g) for g in golds)


def _cheap(pairs: tuple[tuple[str, str], ...]) -> bool | None:
    """The parent-side decision for one unique task: True/False, or None to send it to a worker."""
    undecided = False
    for pred, gold in pairs:
        if not pred or len(pred) > max(LONG_ANSWER_CHARS, 20 * len(gold)):
            continue  # empty, or far too long to be an answer: not equal, and not worth parsing
        if pred == gold:  # identical text: equal whatever it is (a gold must always match itself)
            return True
        decided = cheap_equal(pred, gold)
        if decided:
            return True
        undecided |= decided is None
    return None if undecided else False


def default_workers() -> int:
    from common.training import usable_cpus

    return max(1, min(MAX_DEFAULT_WORKERS, usable_cpus()))


def grade_many(responses, ground_truths, *, workers: int | None = None, timeout_s: float = 2.0,
               template: str = "r1_zero") -> list[dict]:
    """Grade responses against ground truths; one dict per response, in input order (see module doc).

    ``template`` names the prompt template the responses answer (``common.prompts.TEMPLATES``): it decides
    the format test and where the answer is read.
    """
    responses, ground_truths = list(responses), list(ground_truths)
    if len(responses) != len(ground_truths):
        raise ValueError(f"got {len(responses)} responses but {len(ground_truths)} ground truths")
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    tpl = get_template(template)
    golds = [_golds(g, i) for i, g in enumerate(ground_truths)]

    rows, verdicts = [], {}  # verdicts: task -> (equal, timeout), shared by duplicates
    pending: dict[tuple, None] = {}
    for response, gold in zip(responses, golds, strict=True):
        text = response if isinstance(response, str) else ("" if response is None else str(response))
        pred = tpl.extract(text)
        task = _pairs(pred, tpl.boxes(text), gold) if pred is not None else None
        if task is not None and task not in verdicts and task not in pending:
            decided = _cheap(task)
            if decided is None:
                pending[task] = None
            else:
                verdicts[task] = (decided, False)
        shown = pred if task is None else next((a for a, _ in task if a != pred), pred)
        rows.append((1.0 if tpl.format_ok(text) else 0.0, shown, task))
    for task in list(pending):  # settled by a worker in an earlier call (GRPO revisits problems)
        if task in _SLOW_VERDICTS:
            verdicts[task] = (_SLOW_VERDICTS[task], False)
            del pending[task]
    if pending:
        tasks = list(pending)
        for task, verdict in zip(tasks, _get_pool().run(tasks, workers, timeout_s), strict=True):
            verdicts[task] = verdict
            if not verdict[1]:  # a timeout may not repeat on an idle machine: never remembered
                _SLOW_VERDICTS[task] = verdict[0]
        while len(_SLOW_VERDICTS) > SLOW_CACHE_SIZE:
            del _SLOW_VERDICTS[next(iter(_SLOW_VERDICTS))]

    out = []
    for fmt, shown, task in rows:
        equal, timed_out = verdicts[task] if task is not None else (False, False)
        ans = 1.0 if equal else 0.0
        out.append(
            {"format_reward": fmt, "answer_reward": ans, "reward": fmt * ans, "extracted_answer": shown,
             "timeout": timed_out}
        )
    return out


def r1_zero_reward_fn(response: str, ground_truth) -> dict:
    """format_reward, answer_reward and reward (floats) for one response; see the module doc."""
    result = grade_many([response], [ground_truth])[0]
    return {k: result[k] for k in ("format_reward", "answer_reward", "reward")}


# --- the worker pool ----------------------------------------------------------------------------------


class _Worker:
    """One grader process (``python -m common.grading_worker``) talking over a socket pair.

    A plain subprocess, not multiprocessing: it needs no fork of the caller (torch/CUDA threads), never
    re-imports the caller's ``__main__``, and works the same from scripts, notebooks and stdin.
    """

    def __init__(self):
        import socket
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_REPO_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "common.grading_worker", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        self.born = time.monotonic()
        self.chunk: list[int] = []
        self.pos = 0
        self.started = 0.0

    @property
    def busy(self) -> bool:
        return self.pos < len(self.chunk)

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.conn.close()


class _Pool:
    """Worker processes that persist across ``grade_many`` calls; grows on demand, never shrinks."""

    def __init__(self):
        self.workers: list[_Worker] = []
        self.standby: _Worker | None = None  # started in advance: replacing a killed worker is instant
        self.lock = threading.Lock()
        self.pid = os.getpid()  # a forked child must not talk to its parent's workers

    def _ensure(self, n: int) -> None:
        while len(self.workers) < n:
            self.workers.append(_Worker())
        if self.standby is None:
            self.standby = _Worker()

    def close(self) -> None:
        if self.standby is not None:
            self.workers.append(self.standby)
            self.standby = None
        for w in self.workers:
            try:
                w.conn.send(None)
            except Exception:  # noqa: BLE001
                pass
        for w in self.workers:
            try:
                w.proc.wait(timeout=2)
            except Exception:  # noqa: BLE001 - still running: kill it
                pass
            w.kill()
        self.workers = []

    def _replace_worker(self, w: _Worker) -> _Worker:
        """Kill ``w`` and put the standby worker in its place; start a new standby."""
        i = self.workers.index(w)
        w.kill()
        self.workers[i] = self.standby or _Worker()
        self.standby = _Worker()
        return self.workers[i]

    def start(self, n: int) -> None:
        """Make sure ``n`` workers (and the standby) exist and wait until the ``n`` workers are ready."""
        from multiprocessing.connection import wait

        with self.lock:
            self._ensure(n)
            deadline = time.monotonic() + WORKER_START_TIMEOUT_S
            while starting := [w for w in self.workers[:n] if not w.ready]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"a grader worker did not start within {WORKER_START_TIMEOUT_S:.0f} s")
                for conn in wait([w.conn for w in starting], timeout=1.0):
                    w = next(w for w in starting if w.conn is conn)
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):
                        raise RuntimeError("a grader worker process failed to start") from None
                    w.ready = _ready(message)

    def run(self, tasks: list[tuple], n: int, timeout_s: float) -> list[tuple[bool, bool]]:
        """(equal, timed_out) per task (a tuple of (answer, gold) pairs, any equal wins), graded by the
        first ``n`` workers with a hard limit per task."""
        with self.lock:
            self._ensure(n)
            try:
                return self._run(tasks, self.workers[:n], timeout_s)
            except BaseException:
                # Interrupted (Ctrl-C): a busy worker would send stale results into the next call.
                for w in self.workers[:n]:
                    if w.busy:
                        self._replace_worker(w)
                raise

    def _run(self, tasks, active: list[_Worker], timeout_s: float) -> list[tuple[bool, bool]]:
        from multiprocessing.connection import wait

        results: list = [None] * len(tasks)
        queue = deque(range(len(tasks)))
        chunk_size = max(1, min(32, len(tasks) // (4 * len(active))))
        hard_limit = timeout_s + KILL_MARGIN_S
        left = len(tasks)

        def give_up_current(i: int) -> None:
            """Score the task worker i is stuck on as a timeout, requeue the rest of its chunk, replace it."""
            nonlocal left
            w = active[i]
            results[w.chunk[w.pos]] = (False, True)
            left -= 1
            queue.extendleft(reversed(w.chunk[w.pos + 1 :]))
            active[i] = self._replace_worker(w)

        while left:
            now = time.monotonic()
            for w in active:
                if w.ready and not w.busy and queue:
                    w.chunk = [queue.popleft() for _ in range(min(chunk_size, len(queue)))]
                    w.pos, w.started = 0, now
                    w.conn.send([(t, tasks[t], timeout_s) for t in w.chunk])
            deadlines = [w.started + hard_limit for w in active if w.busy]
            deadlines += [w.born + WORKER_START_TIMEOUT_S for w in active if not w.ready]
            wait_s = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            for conn in wait([w.conn for w in active], timeout=wait_s):
                i = next(k for k, w in enumerate(active) if w.conn is conn)
                w = active[i]
                try:
                    message = conn.recv()
                except (EOFError, OSError):  # the worker died (a crash in C code): score 0, replace it
                    if not w.ready:
                        raise RuntimeError("a grader worker process failed to start") from None
                    if w.busy:
                        give_up_current(i)
                    else:
                        active[i] = self._replace_worker(w)
                    continue
                if message[0] == "ready":
                    w.ready = _ready(message)
                    continue
                task_id, ok, timed_out, refused = message
                _record_refusals(refused, tasks[task_id][0][0])
                results[task_id] = (bool(ok), bool(timed_out))
                left -= 1
                w.pos += 1
                w.started = time.monotonic()
            now = time.monotonic()
            for i, w in enumerate(active):
                if w.busy and now - w.started > hard_limit:  # stuck in C code: kill, replace, move on
                    give_up_current(i)
                elif not w.ready and now - w.born > WORKER_START_TIMEOUT_S:
                    raise RuntimeError(f"a grader worker did not start within {WORKER_START_TIMEOUT_S:.0f} s")
        return results


def _ready(message: tuple) -> bool:
    """A worker's start-up message: ("ready", what its guard refused during warm-up)."""
    _record_refusals(message[1], "(warm-up)")
    return message[0] == "ready"


def _record_refusals(refused: list[str], answer: str) -> None:
    for what in refused:
        entry = {"refused": what, "answer": answer[:200]}
        _REFUSALS.append(entry)
        logger.warning("grader guard refused %s while grading %r; the answer scored 0", what, entry["answer"])
    del _REFUSALS[:-MAX_REFUSALS_KEPT]


def refused_events() -> list[dict]:
    """What the workers' audit guard refused so far in this process (``common.grading_guard``): each
    ``{"refused": event and detail, "answer": the answer being graded}``. Empty unless the grader has a bug."""
    return list(_REFUSALS)


_POOL: _Pool | None = None
_POOL_GUARD = threading.Lock()


def _get_pool() -> _Pool:
    global _POOL
    with _POOL_GUARD:
        if _POOL is not None and _POOL.pid != os.getpid():
            _POOL = None  # we are a fork (a DataLoader worker, say): the workers belong to the parent
        if _POOL is None:
            _POOL = _Pool()
            atexit.register(shutdown_pool)
        return _POOL


def start_pool(workers: int | None = None) -> None:
    """Start the grader's workers now and wait until they are ready (about a second each).

    Optional: ``grade_many`` starts them on first need. Call it where a start-up pause is unwelcome
    (before a benchmark, or before the first training step).
    """
    _get_pool().start(default_workers() if workers is None else workers)


def shutdown_pool() -> None:
    """Stop the grader's worker processes (also done at exit); the next call starts a fresh pool."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is not None and _POOL.pid == os.getpid():
            _POOL.close()
        _POOL = None
