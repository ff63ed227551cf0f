"""r1_zero grading: the training reward and the eval score, right, fast, never hanging and closed to games.

API (fixed, other stages code against it):
- ``r1_zero_reward_fn(response, ground_truth) -> {"format_reward", "answer_reward", "reward"}``;
- ``grade_many(responses, ground_truths, *, workers=None, timeout_s=2.0) -> list[dict]``, each dict
  also carrying ``extracted_answer`` (str or None), ``timeout`` (bool) and the reward-hacking monitor's flags
  ``several_answers``, ``relation_answer``, ``cover_all_answer`` (bools) and ``answer_chars`` (int);
- ``format_ok(response)`` and ``extract_answer(response)`` (r1_zero's; ``r1zero.core.prompts`` has every template's);
- ``trl_accuracy_many(completions, ground_truths, *, workers=None, timeout_s=2.0)``: TRL's own ``accuracy_reward``
  per completion (1.0, 0.0, or None for an unreadable gold), run in the same guarded workers.

Semantics (docs/grader.md has the rules with an example each)
- format_reward is 1 iff the response contains ``</think> <answer>`` and ``</answer>`` (the exact CS336 /
  Dr. GRPO string test; a space is required between the tags).
- The answer region is the text between the last ``<answer>`` and the first ``</answer>`` after it (the
  ``boxed`` template: the whole response). answer_reward is graded whether or not the format is right;
  ``reward = format_reward * answer_reward``.
- **One final answer.** ``r1zero.grading._claims`` reads what the region states: its candidates (every box;
  else the value each stating sentence gives; every value of a hedge such as "12 or 7"), each a relation
  chain whose constants must hold (``43 = 42`` is false) and whose ``\\pm`` makes two answers. Against a
  gold with one answer every candidate must equal it; against a gold with several (``1, -2``, ``\\{1,-2\\}``,
  ``\\pm 3``, ``2 \\text{ and } 3``) the candidates, as a set, must be its answers. An inequality answers
  only a gold that is itself a relation; an equation gold (``y = 2x + 3``) is compared whole, an assignment
  (``x = 3``) by its value.
- A list ground truth is correct if any entry matches. A gold written as ``\\boxed{...}`` or ``... #### 42``
  is reduced to the box content / the text after ``####``. An answer that is the gold's very text is right.
- Equivalence, cheap to expensive (``r1zero.grading._cheap`` then ``r1zero.grading._worker``):
  1. normalised strings: math delimiters, ``\\left``/``\\right``, spacing, ``\\text{}`` wrappers,
     ``\\dfrac``/``\\tfrac``, degrees (``^\\circ``), ``\\%``, a leading "the answer is" or ``x =``, trailing
     units after a number (``5 cm``, ``12 apples``; never a lone variable letter) are removed;
  2. numbers and constants: integers, thousands separators, decimals, fractions (``\\frac{a}{b}``,
     ``\\frac12``, ``a/b``), mixed numbers (``2\\frac{1}{2}`` is 2.5), scientific notation, powers of ten,
     percent, and constant expressions (``3\\sqrt{2}``, ``\\frac{\\pi}{4}``, ``2^{10}``, a small bounded
     evaluator, exact while rational). **An exact gold needs an exactly equal answer** (``0.5`` is
     ``\\frac12``; ``0.3333``, ``1.732`` and ``42 + 10^{-12}`` are not ``\\frac13``, ``\\sqrt3`` and 42); a
     gold written with decimals accepts a relative 1e-4 (Qwen2.5-Math / CS336 ``numeric_equal``); a decimal
     comma (``1000,99``) is read as a point only against a plain decimal on the other side. Comma lists
     compare element-wise: ordered in ``()``/``[]``, as sets in ``\\{\\}`` and bare lists; a bare list never
     answers an interval, and answers a point or tuple only in its order; multiple-choice letters compare by
     letter (``(B)``, ``\\text{B}``, ``b``, ``(B) 12``);
  3. math-verify (``parse`` + ``verify``) for everything else: symbolic expressions, matrices, intervals,
     equations; its numeric matches (6 decimal places) are confirmed exactly for exact golds;
  4. plain-text math (``sqrt(2)/2``, ``2*pi``, ``3*s**2``; ``i`` is imaginary) read by
     ``r1zero.grading.plain_math``, compared with sympy: exactly for exact golds.
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
  text is read by an allow-listed grammar (``r1zero.grading.plain_math``), LaTeX by math-verify's ANTLR-based
  parser, and each worker grades under an audit hook (``r1zero.grading._guard``) that refuses code
  execution, processes, sockets, file writes and unexpected imports; a refused operation makes the
  answer wrong and is logged (``refused_events()``). See docs/security.md.
- The cheap layers run in the calling process with bounded work; they settle most answers (all-number
  golds, the bulk of GSM8K and MATH). Only the rest goes to the worker processes of
  ``r1zero.grading._pool`` (math-verify uses SIGALRM, which threads cannot use), started once, reused across
  calls and shut down at exit; ``start_pool()`` starts them ahead of time.
- Identical (answer, gold) pairs are graded once per call (GRPO groups repeat answers a lot), and answers
  settled by a worker are remembered across calls (not timeouts); GRPO revisits problems.
- Each answer has a hard wall-clock limit (``r1zero.grading._pool``): past it, it scores 0 with
  ``"timeout": True``. Nothing in model output can raise. Workers die with the process that started them
  (the kernel's parent-death signal), even in the middle of C code.
- Results are in input order and deterministic, except that an answer that needs close to ``timeout_s``
  may time out on a loaded machine and not on an idle one.
"""

from __future__ import annotations

import functools
import re

from r1zero.core.artifacts import source_hash
from r1zero.core.latex import all_boxed, last_boxed
from r1zero.core.prompts import answer_tag_extract, answer_tag_format_ok, get_template
from r1zero.grading._cheap import cheap_equal
from r1zero.grading._claims import Reading, read_answer, signals
from r1zero.grading._collections import several_answers
from r1zero.grading._normalize import normalize
from r1zero.grading._numbers import has_free_variable, rounds_to
from r1zero.grading._pool import get_pool, refused_events, shutdown_pool  # noqa: F401 - part of the API
from r1zero.grading._relations import assignment_value, expand_plus_minus, is_relation
from r1zero.grading._statements import unit_items

GRADER_VERSION = "layered-2+" + source_hash(  # step 4's eval contract: a grading change changes it
    "grading/grader.py", "grading/_claims.py", "grading/_statements.py", "grading/_relations.py",
    "grading/_cheap.py", "grading/_normalize.py", "grading/_numbers.py", "grading/_collections.py",
    "grading/_values.py", "grading/_worker.py", "grading/plain_math.py", "core/prompts.py")
MAX_DEFAULT_WORKERS = 4
LONG_ANSWER_CHARS = 10_000
SLOW_CACHE_SIZE = 50_000  # worker verdicts remembered across calls, oldest dropped first
_SLOW_VERDICTS: dict[tuple, bool] = {}


format_ok = answer_tag_format_ok  # r1_zero's format test (``r1zero.core.prompts`` holds every template's)
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


TRL_ACCURACY = "trl"  # a check's mode that the workers run as TRL's accuracy_reward (_worker.TRL_ACCURACY)
_DOLLAR = re.compile(r"(?<!\\)\$")
_ELLIPSIS = re.compile(r"\\[lc]?dots|\.\.\.|…")
Check = tuple[str, str, str]  # (answer value, gold value, "=" equal or "≈" rounds to)


@functools.lru_cache(maxsize=1 << 16)
def _gold_reading(gold: str) -> tuple[str, str]:
    """(kind, text) of a gold: ``("relation", gold)`` for an equation or inequality kept whole (``y = 2x + 3``,
    ``x > 3``), ``("several", list)`` for several answers (``1, -2``, ``\\{1,-2\\}``, ``\\pm 3``), else
    ``("one", value)`` (an assignment ``x = 3`` is its value)."""
    value = gold
    if is_relation(gold):
        value = assignment_value(gold)
        if value is None or has_free_variable(normalize(value) or value):
            return "relation", gold
    items = unit_items(value)  # "12 \text{ and } 13"
    if len(items) > 1:
        return "several", ", ".join(items)
    expanded = expand_plus_minus(value)  # \pm 3 is two answers; \{1 \pm \sqrt{5}, -2\} three
    if len(expanded) > 1 or expanded[0] != value:
        return "several", ", ".join(expanded)
    return ("several" if several_answers(value) else "one"), value


@functools.lru_cache(maxsize=1 << 16)  # GRPO groups repeat answers and revisit problems: read each pair once
def _alternative(reading: Reading, gold: str) -> tuple[Check, ...] | None:
    """The checks that make ``reading`` right against one gold (all must hold); None when nothing can."""
    candidates = reading.candidates
    kind, value = _gold_reading(gold)
    if not candidates:
        return None
    if kind == "relation":
        return tuple(dict.fromkeys((c.text, value, "=") for c in candidates))
    if any(c.relation == "inequality" for c in candidates):
        return None  # an inequality states no value
    inner = [(s, c.final, mode) for c in candidates for s, mode in c.checks]
    finals = reading.finals
    if kind == "several":  # the candidates, as one list, are the gold's answers
        answers = [(finals[0] if len(finals) == 1 else ", ".join(finals), value, "=")]
    else:  # every candidate is the one answer
        answers = [(f, value, "=") for f in finals]
    return tuple(dict.fromkeys(answers + inner))


def _task(region: str, reading: Reading, golds: tuple[str, ...]) -> tuple[tuple[Check, ...], ...]:
    """The comparisons for one response: a tuple of alternatives (one per accepted gold), each a tuple of
    checks that must all hold. An answer that is the gold's very text is right, whatever it says (step 3's
    preflight relies on it)."""
    alternatives = (((g, g, "="),) if region.strip() == g.strip() else _alternative(reading, g) for g in golds)
    return tuple(alt for alt in alternatives if alt is not None)


def _cheap_check(check: Check) -> bool | None:
    pred, gold, mode = check
    if mode == "≈":
        return rounds_to(pred, gold)
    if not pred or len(pred) > max(LONG_ANSWER_CHARS, 20 * len(gold)):
        return False  # empty, or far too long to be an answer: not equal, and not worth parsing
    if pred == gold:  # identical text: equal whatever it is (a gold must always match itself)
        return True
    if _ELLIPSIS.search(pred) and not _ELLIPSIS.search(gold):
        return False  # "42.0\ldots01" or "42\ldots": not a value the gold can equal exactly
    return cheap_equal(pred, gold)


@functools.lru_cache(maxsize=1 << 16)
def _cheap(task) -> bool | tuple:
    """The parent-side decision for one unique task: True/False, or what is left for a worker: the
    alternatives no check has failed, with only their unsettled checks (a worker never redoes, or undoes, a
    decision made here)."""
    left = []
    for alternative in task:
        verdicts = [_cheap_check(c) for c in alternative]
        if all(v is True for v in verdicts):
            return True
        if False not in verdicts:
            left.append(tuple(c for c, v in zip(alternative, verdicts, strict=True) if v is None))
    return tuple(left) if left else False


def default_workers() -> int:
    from r1zero.core.hardware import usable_cpus

    return max(1, min(MAX_DEFAULT_WORKERS, usable_cpus()))


def grade_many(responses, ground_truths, *, workers: int | None = None, timeout_s: float = 2.0,
               template: str = "r1_zero") -> list[dict]:
    """Grade responses against ground truths; one dict per response, in input order (see module doc).

    ``template`` names the prompt template the responses answer (``r1zero.core.prompts.TEMPLATES``): it decides
    the format test and where the answer is read.
    """
    responses, ground_truths = list(responses), list(ground_truths)
    workers = _checked_options(len(responses), len(ground_truths), workers, timeout_s)
    golds = [_golds(g, i) for i, g in enumerate(ground_truths)]
    rows, verdicts, pending = _read_responses(responses, golds, get_template(template))
    _settle_slow(pending, verdicts, workers, timeout_s)
    out = []
    for fmt, shown, task, flags in rows:
        equal, timed_out = verdicts[task] if task is not None else (False, False)
        ans = 1.0 if equal else 0.0
        out.append({"format_reward": fmt, "answer_reward": ans, "reward": fmt * ans, "extracted_answer": shown,
                    "timeout": timed_out, **flags})
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
        region = tpl.region(text)
        reading, flags = _reading(region, tpl.scope) if region is not None else (None, signals(None))
        task = _task(region, reading, gold) if reading is not None else None
        if task is not None and task not in verdicts and task not in pending:
            decided = _cheap(task)
            if isinstance(decided, bool):
                verdicts[task] = (decided, False)
            else:
                pending[task] = decided  # the checks a worker must settle
        shown = None if reading is None else ", ".join(dict.fromkeys(c.final for c in reading.candidates))
        rows.append((1.0 if tpl.format_ok(text) else 0.0, shown, task, dict(flags)))
    return rows, verdicts, pending


@functools.lru_cache(maxsize=1 << 16)  # GRPO groups repeat answers, and evals repeat samples
def _reading(region: str, scope: str) -> tuple[Reading, dict]:
    """What an answer region states, and the monitor's flags for it (read once per distinct region)."""
    reading = read_answer(region, scope)
    return reading, signals(reading)


def _settle_slow(pending: dict, verdicts: dict, workers: int, timeout_s: float) -> None:
    """Verdicts for the pending tasks (task -> its unsettled checks): remembered from an earlier call (GRPO
    revisits problems), else from the worker pool."""
    for task in list(pending):
        if task in _SLOW_VERDICTS:
            verdicts[task] = (_SLOW_VERDICTS[task], False)
            del pending[task]
    if not pending:
        return
    tasks = list(pending)
    for task, verdict in zip(tasks, get_pool().run([pending[t] for t in tasks], workers, timeout_s), strict=True):
        verdicts[task] = verdict
        if not verdict[1]:  # a timeout may not repeat on an idle machine: never remembered
            _SLOW_VERDICTS[task] = verdict[0]
    while len(_SLOW_VERDICTS) > SLOW_CACHE_SIZE:
        del _SLOW_VERDICTS[next(iter(_SLOW_VERDICTS))]


def clear_caches() -> None:
    """Forget remembered readings and verdicts (benchmarks measure grading, not memory)."""
    _SLOW_VERDICTS.clear()
    for cached in (_reading, _alternative, _gold_reading, _cheap):
        cached.cache_clear()


def _as_solution(gold: str) -> str:
    """A gold as TRL's ``solution``: one ``$...$`` math region (its own unescaped ``$`` dropped), so math-verify
    reads it as LaTeX first; a bare ``1/2`` would go to its ``ExprExtractionConfig``, i.e. sympy's
    ``parse_expr``, which the workers' guard refuses."""
    return "$" + _DOLLAR.sub("", gold) + "$"


def trl_accuracy_many(completions, ground_truths, *, workers: int | None = None,
                      timeout_s: float = 2.0) -> list[float | None]:
    """TRL's own ``accuracy_reward`` (``trl.rewards``, math-verify on the whole completion, first ``\\boxed``
    or ``$...$`` wins) for each completion text: 1.0, 0.0, or None where math-verify cannot read the gold
    (TRL's "skip this example"). A gold cell is ``gold_answers``'s accepted answers, each handed to TRL as
    ``$answer$`` (its ``solution``); any one paying pays.

    TRL parses model text in-process; here it runs in the grader's worker processes, under their audit guard
    and hard time limit, like our own comparisons: a timeout or a refused operation scores 0.0 (logged in
    ``refused_events()``). Identical (completion, gold) pairs are graded once per call."""
    completions, ground_truths = list(completions), list(ground_truths)
    workers = _checked_options(len(completions), len(ground_truths), workers, timeout_s)
    tasks = [tuple(((str(text), _as_solution(g), TRL_ACCURACY),) for g in _golds(gold, i))
             for i, (text, gold) in enumerate(zip(completions, ground_truths, strict=True))]
    unique = list(dict.fromkeys(tasks))
    verdicts = dict(zip(unique, get_pool().run(unique, workers, timeout_s) if unique else [], strict=True))
    return [None if verdicts[t][0] is None else float(verdicts[t][0]) for t in tasks]


def r1_zero_reward_fn(response: str, ground_truth) -> dict:
    """format_reward, answer_reward and reward (floats) for one response; see the module doc."""
    result = grade_many([response], [ground_truth])[0]
    return {k: result[k] for k in ("format_reward", "answer_reward", "reward")}


# --- the worker pool (r1zero/grading/_pool.py) -----------------------------------------------------------


def start_pool(workers: int | None = None) -> None:
    """Start the grader's workers now and wait until they are ready (about a second each).

    Optional: ``grade_many`` starts them on first need. Call it where a start-up pause is unwelcome
    (before a benchmark, or before the first training step).
    """
    get_pool().start(default_workers() if workers is None else workers)
