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
  golds, the bulk of GSM8K and MATH). Only the rest goes to the worker processes of
  ``common.grader_pool`` (math-verify uses SIGALRM, which threads cannot use), started once, reused across
  calls and shut down at exit; ``start_pool()`` starts them ahead of time.
- Identical (answer, gold) pairs are graded once per call (GRPO groups repeat answers a lot), and answers
  settled by a worker are remembered across calls (not timeouts); GRPO revisits problems.
- Each answer has a hard wall-clock limit (``common.grader_pool``): past it, it scores 0 with
  ``"timeout": True``. Nothing in model output can raise.
- Results are in input order and deterministic, except that an answer that needs close to ``timeout_s``
  may time out on a loaded machine and not on an idle one.
"""

from __future__ import annotations

import os

from common.grader_pool import get_pool, refused_events, shutdown_pool  # noqa: F401 - part of the API
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


GRADER_VERSION = f"layered-1+{source_hash('grading.py', 'grading_norm.py', 'grading_worker.py', 'plain_math.py', 'prompts.py')}"  # step4 contract
MAX_DEFAULT_WORKERS = 4
LONG_ANSWER_CHARS = 10_000
SLOW_CACHE_SIZE = 50_000  # worker verdicts remembered across calls, oldest dropped first
_SLOW_VERDICTS: dict[tuple, bool] = {}


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
    workers = _checked_options(len(responses), len(ground_truths), workers, timeout_s)
    golds = [_golds(g, i) for i, g in enumerate(ground_truths)]
    rows, verdicts, pending = _read_responses(responses, golds, get_template(template))
    _settle_slow(pending, verdicts, workers, timeout_s)
    out = []
    for fmt, shown, task in rows:
        equal, timed_out = verdicts[task] if task is not None else (False, False)
        ans = 1.0 if equal else 0.0
        out.append({"format_reward": fmt, "answer_reward": ans, "reward": fmt * ans, "extracted_answer": shown,
                    "timeout": timed_out})
    return out


def _checked_options(n_responses: int, n_golds: int, workers: int | None, timeout_s: float) -> int:
    """The worker count to use, after checking grade_many's arguments."""
    if n_responses != n_golds:
        raise ValueError(f"got {n_responses} responses but {n_golds} ground truths")
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return workers


def _read_responses(responses, golds, tpl):
    """Each response's (format reward, shown answer, comparison task), the tasks the in-process layers settle
    (task -> (equal, timed out), shared by duplicates), and the tasks left for the workers."""
    rows, verdicts, pending = [], {}, {}
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
    return rows, verdicts, pending


def _settle_slow(pending: dict, verdicts: dict, workers: int, timeout_s: float) -> None:
    """Verdicts for the pending tasks: remembered from an earlier call (GRPO revisits problems), else from the
    worker pool."""
    for task in list(pending):
        if task in _SLOW_VERDICTS:
            verdicts[task] = (_SLOW_VERDICTS[task], False)
            del pending[task]
    if not pending:
        return
    tasks = list(pending)
    for task, verdict in zip(tasks, get_pool().run(tasks, workers, timeout_s), strict=True):
        verdicts[task] = verdict
        if not verdict[1]:  # a timeout may not repeat on an idle machine: never remembered
            _SLOW_VERDICTS[task] = verdict[0]
    while len(_SLOW_VERDICTS) > SLOW_CACHE_SIZE:
        del _SLOW_VERDICTS[next(iter(_SLOW_VERDICTS))]


def r1_zero_reward_fn(response: str, ground_truth) -> dict:
    """format_reward, answer_reward and reward (floats) for one response; see the module doc."""
    result = grade_many([response], [ground_truth])[0]
    return {k: result[k] for k in ("format_reward", "answer_reward", "reward")}


# --- the worker pool (common/grader_pool.py) -----------------------------------------------------------


def start_pool(workers: int | None = None) -> None:
    """Start the grader's workers now and wait until they are ready (about a second each).

    Optional: ``grade_many`` starts them on first need. Call it where a start-up pause is unwelcome
    (before a benchmark, or before the first training step).
    """
    get_pool().start(default_workers() if workers is None else workers)
